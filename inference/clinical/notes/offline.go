package notes

import (
	"context"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/oqim/oqim/models/language"
)

// Offline structures notes with rules and lexicons, without any model. It
// is immutable and safe for concurrent use.
type Offline struct {
	headings     map[Section][]phrase
	colonOnly    []phrase // headings that need a colon: common words otherwise
	bareHeadings wordSet  // heading forms that open a section even mid-sentence
	fillers      wordSet
	tails        []phrase
	cues         map[Section][]phrase
	reported     []phrase
	historyVerbs []phrase // historyVerbs and stopVerbs: the drug is not prescribed
	stopVerbs    []phrase
	intakeLists  []phrase
	restartBans  []phrase
	agoWords     []phrase
	onsetCues    []phrase
	symptoms     []phrase
	vitalKeys    map[string][]phrase
	vitalSkip    wordSet
	bpSeparators wordSet
	drugs        map[byte][]drugStem // by the first byte of the name
	openers      []phrase
	subHistories []phrase
	closers      []phrase
	otherOrders  []phrase
	assessVerbs  []phrase
	diseases     []phrase
	notDiseases  []string
	findingNames []phrase
	modifiers    []string
	sides        []string
	negations    []phrase
	tests        []string
	analytes     []phrase
	labResults   []phrase
	limits       []phrase
	formWords    []string
	specialists  []string
	reviewWords  []string
	routes       []routePhrase
	prohibitions []phrase
	units        []unitWord
	audit        Audit

	// stepWords: see doseSteps.
	stepWords wordSet

	// historyOpeners, sinceChildhood and yearUnits: see historyOpensAt.
	historyOpeners []phrase
	sinceChildhood []phrase
	yearUnits      []string
}

type drugStem struct {
	name string
	stem phrase
	// short is a one-word name of five letters or fewer: it matches a
	// word at most two letters longer (an ending), not any word it
	// begins ("Омез", "omezni"; but not "Энап" in a longer word).
	short bool
}

type unitWord struct {
	unit string
	word string
}

// OfflineOption configures NewOffline.
type OfflineOption func(*Offline)

// WithAudit sets the Audit called once per structured note.
func WithAudit(a Audit) OfflineOption { return func(o *Offline) { o.audit = a } }

// NewOffline compiles the lexicons.
func NewOffline(opts ...OfflineOption) *Offline {
	o := &Offline{
		headings:     map[Section][]phrase{},
		colonOnly:    compilePhrases(colonOnlyHeadings),
		fillers:      compileWords(headingFillers),
		bareHeadings: compileWords(bareHeadings),
		tails:        compilePhrases(headingTails),
		cues:         map[Section][]phrase{},
		reported:     compilePhrases(reportedMarkers),
		historyVerbs: compilePhrases(append(append([]string(nil), historyVerbs...), stopVerbs...)),
		stopVerbs:    compilePhrases(stopVerbs),
		intakeLists:  compilePhrases(intakeLists),
		restartBans:  compilePhrases(restartBans),
		agoWords:     compilePhrases(agoWords),
		onsetCues:    compilePhrases(onsetCues),
		symptoms:     compilePhrases(symptomWords),
		vitalKeys:    map[string][]phrase{},
		vitalSkip:    compileWords(vitalSkip),
		bpSeparators: compileWords(bpSeparators),
		drugs:        map[byte][]drugStem{},
		openers:      compilePhrases(topicOpeners),
		subHistories: compilePhrases(subHistoryHeadings),
		closers:      compilePhrases(topicClosers),
		otherOrders:  compilePhrases(otherOrders),
		assessVerbs:  compilePhrases(assessmentVerbs),
		diseases:     compilePhrases(diseaseWords),
		notDiseases:  normalizeWords(notDiseases),
		findingNames: compilePhrases(findingNames),
		modifiers:    normalizeWords(diagnosisModifiers),
		sides:        normalizeWords([]string{"tomonlama"}),
		negations:    compilePhrases(negations),
		tests:        normalizeWords(investigations),
		analytes:     compilePhrases(labAnalytes),
		labResults:   compilePhrases(labResults),
		limits:       compilePhrases(doseLimits),
		formWords:    normalizeWords(dosageForms),
		specialists:  normalizeWords(specialists),
		reviewWords:  normalizeWords(reviewWords),
		routes:       compileRoutes(),
		prohibitions: compilePhrases(prohibitions),
		audit:        NopAudit{},

		stepWords: compileWords(stepWords),

		historyOpeners: compilePhrases(historyOpeners),
		sinceChildhood: compilePhrases(sinceChildhood),
		yearUnits:      normalizeWords(yearUnits),
	}
	for s, es := range headings {
		o.headings[s] = compilePhrases(es)
	}
	// A test's name with a colon brings its result: the examination.
	o.headings[Objective] = append(o.headings[Objective], compilePhrases(labTitles)...)
	o.colonOnly = append(o.colonOnly, compilePhrases(labTitles)...)
	for s, es := range cues {
		o.cues[s] = compilePhrases(es)
	}
	for k, es := range vitalKeys {
		o.vitalKeys[k] = compilePhrases(es)
	}
	for name, es := range drugSpellings() {
		for _, p := range compilePhrases(es) {
			k := p[0].norm[0]
			short := len(p) == 1 && utf8.RuneCountInString(p[0].norm) <= 5
			o.drugs[k] = append(o.drugs[k], drugStem{name: name, stem: p, short: short})
		}
	}
	for u, es := range doseUnitWords {
		for _, e := range es {
			for _, t := range tokenize(e) {
				o.units = append(o.units, unitWord{unit: u, word: t.norm})
			}
		}
	}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// Structure implements Structurer. It never fails; an empty text gives an
// empty note.
func (o *Offline) Structure(ctx context.Context, text string) (*Note, error) {
	n := o.structure(text)
	o.audit.Record(ctx, AuditEvent{Action: "structure", Engine: n.Engine, Chars: len(text)})
	return n, nil
}

// sentence is a range of tokens with the section it belongs to. Content
// starts after the heading, if any.
type sentence struct {
	from, content, to int
	// own is the section the sentence's heading or words say, or "";
	// bare means only a disease name said it (see classify).
	own     Section
	bare    bool
	section Section
}

func (o *Offline) structure(text string) *Note {
	toks := tokenize(text)
	drugs := o.drugHits(toks)
	sents := o.splitDiagnoses(text, toks, drugs, o.sentences(text, toks, drugs))
	n := &Note{Language: detectLanguage(text), Engine: "offline", Medications: []Medication{}}

	exam, diagnosed := -1, false // the first examination; a diagnosis after it
	for i := range sents {
		s := &sents[i]
		if sec, end := o.heading(toks, s.from, s.to); sec != "" {
			s.own, s.content = sec, end
		} else {
			s.own, s.bare = o.classify(text, toks, drugs, s.from, s.to)
		}
		if s.own == Objective && exam < 0 && (s.content > s.from || o.lab(toks, s.from, s.to) == labNone) {
			exam = i // the examination, not a test result the patient brought
		}
		diagnosed = diagnosed || exam >= 0 && i > exam && s.own == Assessment
	}
	o.complaintsFirst(text, toks, drugs, sents, exam)
	var cur Section
	planned := false // a sentence opened the plan by its heading or words
	var parts [len(sectionOrder)][]string
	for i := range sents {
		s := &sents[i]
		switch {
		case s.bare && s.own == Assessment && diagnosed && i < exam:
			// A disease named before the examination, in a note whose
			// diagnosis comes after it, is one the patient has:
			// "Ишемическая болезнь сердца, стенокардия."
			cur = History
		case s.bare && (s.own == History && cur == Objective || s.own == Assessment && cur == Plan && planned):
			// A disease denied during the examination is a finding
			// ("Яралар йўқ."); one named among the orders, once a heading
			// or an order opened them, is one of them ("Кабинет
			// диабетической стопы.").
		case s.own != "":
			cur = s.own
		case cur == "":
			cur = Complaints
		case cur == Assessment && !o.diseaseShaped(text, toks, s.from, s.to) && !o.secondDiagnosis(text, toks, s.from, s.to):
			// What follows a diagnosis without a heading and without a
			// disease in it is what to do: "Швы не накладывать."
			cur = Plan
		case cur == Objective && !diagnosed && i+1 < len(sents) && sents[i+1].own == Plan && o.bareDiagnosis(toks, s.from, s.to):
			// Between the examination and the plan, in a note that
			// names no diagnosis, a few words with nothing measured in
			// them are the diagnosis: "Функционал ич қотиши."
			cur = Assessment
		}
		s.section = cur
		planned = planned || s.own == Plan
		if s.content < s.to {
			if t := sentenceText(text, toks, s.content, s.to); t != "" {
				k := sectionIndex(cur)
				parts[k] = append(parts[k], t)
			}
		}
	}
	for k, sec := range sectionOrder {
		n.Sections.Set(sec, strings.Join(parts[k], " "))
	}
	// Vitals are what was measured at this visit: the examination first,
	// never what the patient reports in complaints or history.
	for _, want := range [...]Section{Objective, Assessment, Plan} {
		for _, s := range sents {
			if s.section == want {
				o.vitals(toks, s.content, s.to, &n.Vitals)
			}
		}
	}
	for _, s := range sents {
		if s.section == Plan {
			n.Medications = o.medications(text, toks, drugs, s.content, s.to, n.Medications)
		}
	}
	return n
}

var sectionOrder = [...]Section{Complaints, History, Objective, Assessment, Plan}

// complaintsFirst makes the complaints of a note that begins, without a
// heading, with what the patient feels and when it began ("36 ёшли
// эркак, 3 соат олдин ... санчиқсимон оғриқ бошланган, чов соҳасига
// тарқалади"): the date alone made that sentence the history. Only the
// first such sentence before the examination, and only when no sentence
// before it is the complaints or a history of its own.
func (o *Offline) complaintsFirst(text string, toks []token, drugs []drugHit, sents []sentence, exam int) {
	for i := range sents {
		s := &sents[i]
		if exam >= 0 && i >= exam || s.own == Complaints {
			return
		}
		symptoms := containsPhrase(o.symptoms, toks, s.from, s.to)
		switch {
		case s.own == "" && !symptoms:
			continue // who the patient is
		case s.own == History && s.content == s.from && symptoms && o.onsetOnly(toks, drugs, s.from, s.to):
			s.own = Complaints
		}
		return
	}
}

// onsetOnly reports a sentence whose only history cues date the illness:
// no earlier illness, drug, allergy or event it followed.
func (o *Offline) onsetOnly(toks []token, drugs []drugHit, from, to int) bool {
	if onsetAfterEvent(toks, from, to) || containsPhrase(o.historyVerbs, toks, from, to) {
		return false
	}
	for i := from; i < to; i++ {
		if drugs[i].n > 0 {
			return false
		}
		if n := longestMatch(o.cues[History], toks, i); n > 0 && longestMatch(o.onsetCues, toks, i) == 0 {
			return false
		}
	}
	return true
}

func sectionIndex(s Section) int {
	for i, x := range sectionOrder {
		if x == s {
			return i
		}
	}
	return 0
}

// sentences splits toks at sentence ends and before headings followed by
// a colon ("... слабость Анамнез: болеет ...").
func (o *Offline) sentences(text string, toks []token, drugs []drugHit) []sentence {
	var out []sentence
	sp := o.spans(toks, drugs)
	from := 0
	for i := 0; i <= len(toks); i++ {
		if i == len(toks) || toks[i].isSentenceEnd() && !abbreviationPoint(toks, i) {
			end := i
			if i < len(toks) {
				end = i + 1
			}
			if end > from {
				out = append(out, sentence{from: from, content: from, to: end})
			}
			from = end
			continue
		}
		if i > from && toks[i].kind != punctTok && (toks[i-1].kind == wordTok || toks[i-1].kind == numberTok) &&
			(toks[i].kind == wordTok && longestMatch(o.openers, toks, i) > 0 || o.closerEndsAt(toks, i)) ||
			i > from+1 && toks[i-1].is(",") && toks[i].kind != punctTok && o.closerEndsAt(toks, i-1) {
			// Run-on dictation: a topic word opens a new sentence, and a
			// closing verb ends one, also before a comma or a number
			// ("... shikoyat qiladi ikki haftadan beri").
			out = append(out, sentence{from: from, content: from, to: i})
			from = i
			continue
		}
		// Mid-sentence, after a word: where run-on dictation moves on.
		runOn := i > from && toks[i-1].kind != punctTok
		measured := runOn && o.measurementAt(toks, i)
		if runOn && (o.prescriptionOpensAt(toks, drugs, sp, from, i) || illnessSinceAt(toks, i) || measured && o.measurementOpensAt(toks, sp, from, i)) {
			out = append(out, sentence{from: from, content: from, to: i})
			from = i
			continue
		}
		if runOn {
			if measured {
				if c := o.examOpenedBefore(toks, sp, from, i); c > from {
					out = append(out, sentence{from: from, content: from, to: c})
					from = c
				}
			}
			if h := o.historyOpensAt(text, toks, sp, from, i); h > from {
				out = append(out, sentence{from: from, content: from, to: h})
				from = h
				continue
			}
		}
		if i > from && toks[i].kind == wordTok && !toks[i-1].is("-") {
			// Mid-sentence, a heading needs a colon or its bare heading
			// form: dictation often comes without punctuation.
			// After a comma it is a word of the sentence ("..., диагноз
			// уточнить").
			if _, end, ok := o.headingAt(toks, i, len(toks)); ok && (toks[end-1].is(":") || o.bareHeadings[toks[i].norm] && toks[i-1].kind != punctTok) {
				out = append(out, sentence{from: from, content: from, to: i})
				from = i
			}
		}
	}
	return out
}

// prescriptionOpensAt reports whether, in a run-on sentence begun at
// from, a prescription starts at token i: a drug given with a dose ("...
// пульс семьдесят шесть мелоксикам 15 мг 1 раз в день"), where nothing
// before it in the sentence already prescribes and no verb says the
// patient took it. Unpunctuated dictation moves on to the plan this way
// without a word to say so.
func (o *Offline) prescriptionOpensAt(toks []token, drugs []drugHit, sp *spans, from, i int) bool {
	d := drugs[i]
	if d.n == 0 || i+d.n+1 >= len(toks) || toks[i+d.n].kind != numberTok || o.unitAt(toks[i+d.n+1]) == "" {
		return false
	}
	if sp.hasDrug(from, i) {
		return false // the sentence is already about drugs
	}
	if sec, _ := o.heading(toks, from, i); sec == Plan || sp.cue(Plan, from, i) {
		return false
	}
	return !containsPhrase(o.historyVerbs, toks, max(from, i-3), min(i+d.n+5, len(toks)))
}

// measurementAt reports whether a vital sign measured at this visit
// starts at token i: its key and a value (measurementOpensAt and
// examOpenedBefore are asked only there).
func (o *Offline) measurementAt(toks []token, i int) bool {
	if toks[i].kind != wordTok || !o.vitalKeyAt(toks, i) {
		return false
	}
	var v Vitals
	o.vitals(toks, i, min(i+measurementReach, len(toks)), &v)
	return v != (Vitals{})
}

// measurementOpensAt reports whether, in a run-on sentence begun at from
// without a heading, a vital sign measured at this visit starts at token i
// ("... otasi infarktdan vafot etgan qon bosimi 145/90 yurak urishi 76
// ..."): unpunctuated dictation moves on to the examination this way. A
// value the patient reports ("температура до 39") measures nothing, and
// within the plan a pressure is a target ("целевое АД 130/80"). A
// sentence with a heading, or one the examination already opened, has
// its section.
func (o *Offline) measurementOpensAt(toks []token, sp *spans, from, i int) bool {
	if i-from < 3 {
		return false
	}
	sec, _ := o.heading(toks, from, i)
	return sec == "" && !sp.cue(Plan, from, i) && !sp.cue(Objective, from, i)
}

// examOpenedBefore returns where, in a run-on sentence begun at from
// that tells the complaints or the history, the examination began, when
// a vital sign measured at this visit starts at token i and a word of the
// examination stands before it ("... отмены терапии очаговой
// симптоматики нет давление 125 на 80 ..."), or -1. The sentence was
// otherwise the history's, and its measurements lost.
func (o *Offline) examOpenedBefore(toks []token, sp *spans, from, i int) int {
	if !sp.cue(Objective, from, i) || sp.cue(Plan, from, i) {
		return -1
	}
	if !sp.cue(History, from, i) && !sp.cue(Complaints, from, i) {
		return -1 // the sentence is the examination's already
	}
	if sec, _ := o.heading(toks, from, i); sec != "" {
		return -1
	}
	for c := from; c < i; c++ {
		if longestMatch(o.cues[Objective], toks, c) > 0 {
			if sp.wordCount(from, c) < minComplaintWords || sp.cue(History, c, i) || sp.cue(Complaints, c, i) {
				return -1
			}
			return c
		}
	}
	return -1
}

// historyOpensAt returns where, in a run-on sentence begun at from that
// so far tells only what the patient feels, the history opens at token i,
// or -1: at a word that turns to the past or to others ("avval",
// "ранее", "otasi", "курит", "аллергия"), or at a disease given with how
// long the patient has had it ("... 1 oydan beri qandli diabet 10 yil
// metformin ichadi ..."), with the words that qualify it. Unpunctuated
// dictation moves from the complaints to the history this way.
func (o *Offline) historyOpensAt(text string, toks []token, sp *spans, from, i int) int {
	if toks[i].kind != wordTok {
		return -1
	}
	at := -1
	switch {
	case longestMatch(o.historyOpeners, toks, i) > 0:
		at = i
	case o.diseaseAt(text, toks, i, len(toks)) && o.heldFor(toks, i+1):
		at = o.diagnosisFrom(text, toks, from, i)
	default:
		return -1
	}
	if sp.wordCount(from, i) < minComplaintWords {
		return -1
	}
	if sec, _ := o.heading(toks, from, at); sec != "" {
		return -1
	}
	for _, sec := range cuePriority {
		if sec != Complaints && sp.cue(sec, from, at) {
			return -1 // the sentence is not the complaints
		}
	}
	return at
}

// bareDiagnosis reports a sentence that can be a diagnosis named in words
// the lexicon does not know: short, with no number and no negation.
func (o *Offline) bareDiagnosis(toks []token, from, to int) bool {
	n := 0
	for i := from; i < to; i++ {
		switch toks[i].kind {
		case numberTok:
			return false
		case wordTok:
			n++
		}
	}
	return n >= 2 && n <= maxBareDiagnosisWords && !containsPhrase(o.negations, toks, from, to)
}

// secondDiagnosis reports a few words after a diagnosis that name a
// second one rather than an order: nothing measured, nothing denied, and
// no word shaped like a verb ("Диагноз: ОРВИ. Простые фебрильные
// судороги."). An order has one: a Russian infinitive or imperative
// ("Швы не накладывать", "Приходите"), or an Uzbek verbal noun, negative
// or obligation ("ko'p suyuqlik ichish", "bormaslik", "kerak"), which
// also keeps an Uzbek condition named by a verbal noun ("tirishish") in
// the plan as before.
func (o *Offline) secondDiagnosis(text string, toks []token, from, to int) bool {
	if !o.bareDiagnosis(toks, from, to) {
		return false
	}
	for i := from; i < to; i++ {
		t := toks[i]
		if t.kind != wordTok {
			continue
		}
		w := strings.ToLower(text[t.start:t.end])
		for _, suf := range []string{"ть", "ться", "ти", "чь", "те", "ish", "maslik", "sin", "kerak", "mumkin", "lozim"} {
			if strings.HasSuffix(w, suf) || strings.HasSuffix(t.norm, suf) {
				return false
			}
		}
	}
	return true
}

// maxBareDiagnosisWords bounds bareDiagnosis.
const maxBareDiagnosisWords = 5

// minComplaintWords is how many words the complaints take at least
// before the history can open in the same sentence.
const minComplaintWords = 4

// heldFor reports how long a disease has been had, within a few tokens
// from i: "10 yil", "15 лет", "с детства", "bolalikdan".
func (o *Offline) heldFor(toks []token, i int) bool {
	for k := i; k < min(i+heldForReach, len(toks)); k++ {
		t := toks[k]
		if t.kind == wordTok && longestMatch(o.sinceChildhood, toks, k) > 0 {
			return true
		}
		if t.kind == numberTok && k+1 < len(toks) && toks[k+1].kind == wordTok && hasAnyPrefix(toks[k+1].norm, o.yearUnits...) {
			return true
		}
	}
	return false
}

// heldForReach is how far after a disease its duration may stand
// ("gipertoniya kasalligi 10 yil", "сахарный диабет 2 типа 8 лет").
const heldForReach = 5

// measurementReach is how many tokens a vital's key and value span at
// most ("qon bosimi 145/90", "АД 120 на 80 мм рт ст").
const measurementReach = 8

func (o *Offline) vitalKeyAt(toks []token, i int) bool {
	for _, keys := range o.vitalKeys {
		if longestMatch(keys, toks, i) > 0 {
			return true
		}
	}
	return false
}

// illnessSinceAt reports "болеет" followed by how long ("болеет третий
// день", "болеет 2 недели"), which opens the history of the present
// illness in run-on dictation. Without the duration it may be said of
// someone else ("мать болеет диабетом") and opens nothing.
func illnessSinceAt(toks []token, i int) bool {
	if toks[i].kind != wordTok || !isOneOf(toks[i].norm, illIsWords...) || i+1 >= len(toks) {
		return false
	}
	next := toks[i+1]
	return next.kind == numberTok || next.kind == wordTok && (isOneOf(next.norm, howLongWords...) ||
		hasAnyPrefix(next.norm, howLongStems...))
}

// heading reports the section a sentence opens and where its content
// starts, after at most two filler words, or "" when it has no heading.
func (o *Offline) heading(toks []token, from, to int) (Section, int) {
	i := from
	for k := 0; k <= 2 && i < to; k++ {
		if sec, end, ok := o.headingAt(toks, i, to); ok {
			return sec, end
		}
		if toks[i].kind != wordTok || !o.fillers[toks[i].norm] {
			break
		}
		i++
	}
	return "", from
}

// headingAt matches a heading at i: the heading, an optional second word,
// and an optional colon or dash.
func (o *Offline) headingAt(toks []token, i, to int) (Section, int, bool) {
	var best Section
	bestN := 0
	for _, sec := range sectionOrder {
		if n := longestMatch(o.headings[sec], toks, i); n > bestN {
			best, bestN = sec, n
		}
	}
	if bestN == 0 {
		return "", i, false
	}
	end := i + bestN
	if end < to {
		if n := longestMatch(o.tails, toks, end); n > 0 {
			end += n
		}
	}
	colon := end < to && (toks[end].is(":") || toks[end].is("-"))
	if colon {
		end++
	} else if longestMatch(o.colonOnly, toks, i) == bestN {
		return "", i, false
	}
	if !colon && (longestMatch(o.subHistories, toks, i) > 0 || i > 0 && toks[i-1].kind == wordTok) {
		// Without a colon, the allergy or epidemiological history, or a
		// heading word after another word, is what the sentence says
		// ("аллергологический анамнез не отягощён"): it opens the
		// section and stays in its text.
		return best, i, true
	}
	return best, end, true
}

// cueIn reports a cue of sec in toks[from:to]. A referral the patient
// came with ("пришла по направлению терапевта") is how the visit began,
// not an order; an allergic disease ("allergik rinit", "аллергический
// дерматит") is a diagnosis, not an allergy of the history.
func (o *Offline) cueIn(text string, sec Section, toks []token, from, to int) bool {
	for i := from; i < to; i++ {
		n := longestMatch(o.cues[sec], toks, i)
		if n == 0 || i+n > to {
			continue
		}
		switch {
		case sec == Plan && i > from && toks[i-1].norm == "po" && strings.HasPrefix(toks[i].norm, "napravl"):
		case sec == Plan && referredBy(toks, i, to):
		case sec == Plan && hasAnyPrefix(toks[i].norm, "naznachil", "naznachal", "buyurgan", "buyurilgan", "tayinlagan", "tayinlangan"):
			// Ordered before this visit ("кто назначил, не помнит",
			// "kardiolog buyurgan"): whether the sentence is the history
			// is for its other words to say.
		case sec == History && accompanied(toks, i, to):
		case sec == Objective && organDiseases(toks, i, to):
		case sec == History && strings.HasPrefix(toks[i].norm, "allergi") && i+1 < to && o.diseaseAt(text, toks, i+1, to):
		default:
			return true
		}
	}
	return false
}

// referredBy reports "направлен(а) стоматологом": who sent the patient,
// told on arrival, not a referral this visit makes ("направлена на
// консультацию", "к эндокринологу"). The sender stands in the
// instrumental case, which ends in -ом, -ем or -ой.
func referredBy(toks []token, i, to int) bool {
	if !strings.HasPrefix(toks[i].norm, "napravl") || i+1 >= to || toks[i+1].kind != wordTok {
		return false
	}
	next := toks[i+1].norm
	return len(next) > 3 && (strings.HasSuffix(next, "om") || strings.HasSuffix(next, "em") || strings.HasSuffix(next, "oy"))
}

// organDiseases reports an organ named with its diseases ("Жигар
// касалликлари йўқ", "заболеваний печени нет"): the history of them, not
// the examination of the organ.
func organDiseases(toks []token, i, to int) bool {
	return i+1 < to && hasAnyPrefix(toks[i+1].norm, "kasallik", "kasallig", "zabolevan") ||
		i > 0 && hasAnyPrefix(toks[i-1].norm, "kasallik", "kasallig", "zabolevan")
}

// accompanied reports "onasi bilan keldi": the mother who brought the
// child, not the family's history.
func accompanied(toks []token, i, to int) bool {
	return (toks[i].norm == "onasi" || toks[i].norm == "otasi") && i+1 < to && toks[i+1].norm == "bilan"
}

// cuePriority orders sections when a sentence has cues of several.
var cuePriority = [...]Section{Assessment, Plan, History, Objective, Complaints}

// cue classifies a sentence without a heading by its cue words, or
// returns "".
func (o *Offline) cue(text string, toks []token, drugs []drugHit, from, to int) Section {
	found := map[Section]bool{}
	for _, sec := range cuePriority {
		if o.cueIn(text, sec, toks, from, to) {
			found[sec] = true
		}
	}
	if containsPhrase(o.assessVerbs, toks, from, to) {
		found[Assessment] = true
	}
	if !found[History] && onsetAfterEvent(toks, from, to) {
		found[History] = true
	}
	if found[Complaints] {
		// "...qorin pastida og'riqqa shikoyat qiladi, hayzning birinchi
		// kunlarida", "Девушка 22 лет, жалобы на ... выделения из носа":
		// the complaint verb says what the sentence is; the history and
		// examination words describe the complaint. A value measured in
		// it still makes it the examination (below).
		found[History], found[Objective] = false, false
	}
	if !found[History] && yearAt(toks, from, to) {
		found[History] = true // "Ошқозон яраси 2019 йилда."
	}
	if !found[History] && !found[Plan] {
		var v Vitals
		if o.vitals(toks, from, to, &v); v != (Vitals{}) {
			found[Objective] = true
		}
	}
	if !found[History] && !found[Plan] && !found[Objective] {
		switch o.lab(toks, from, to) {
		case labValue:
			found[Objective] = true
		case labOrder:
			found[Plan] = true
		}
	}
	if !found[Plan] && !found[Objective] && o.testOrdered(text, toks, from, to) {
		found[Plan] = true
	}
	// A drug named without a verb of past or current intake is
	// prescribed, whatever else the sentence mentions ("... hayzning
	// birinchi 3 kunida").
	for i := from; i < to && !found[Plan]; i++ {
		if drugs[i].n > 0 {
			switch {
			case !containsPhrase(o.historyVerbs, toks, from, to) && !containsPhrase(o.intakeLists, toks, from, to):
				found[Plan] = true
			case containsPhrase(o.stopVerbs, toks, from, to):
				found[Plan] = !found[History] // "Нафтизинни тўхтатиш."; not "отменён в прошлом году"
			default:
				found[History] = true // "Paratsetamol yordam bermagan."
			}
			break
		}
	}
	if found[Plan] && o.orderedBefore(toks, from, to) {
		found[Plan], found[History] = false, true
	}
	for _, sec := range cuePriority {
		if found[sec] {
			return sec
		}
	}
	return ""
}

// agoReach is how many tokens from its date an order may stand to be
// dated by it.
const agoReach = 4

// orderedBefore reports an order dated before this visit, which is
// history: "Полгода назад назначен феназепам", "3 oy oldin metformin
// buyurilgan". The date must stand next to the order: in run-on
// dictation "hayz o'n kun oldin" dates the period, not the plan that
// follows.
func (o *Offline) orderedBefore(toks []token, from, to int) bool {
	for i := from; i < to; i++ {
		if n := longestMatch(o.agoWords, toks, i); n > 0 && containsPhrase(o.cues[Plan], toks, max(from, i-agoReach), min(to, i+n+agoReach)) {
			return true
		}
	}
	return false
}

// classify is cue, and for a short sentence without a cue that names a
// disease (bare), the assessment ("Острый цистит."), or the history when
// it is denied ("Qandli diabet yo'q.").
func (o *Offline) classify(text string, toks []token, drugs []drugHit, from, to int) (sec Section, bare bool) {
	if c := o.cue(text, toks, drugs, from, to); c != "" {
		return c, false
	}
	if wordCount(toks, from, to) > maxAssessmentWords || !o.diseaseShaped(text, toks, from, to) {
		return "", false
	}
	if containsPhrase(o.negations, toks, from, to) {
		return History, true
	}
	return Assessment, true
}

// labKind is what a sentence says of a laboratory analyte.
type labKind uint8

const (
	labNone  labKind = iota
	labValue         // its value or result: a finding
	labOrder         // the analyte alone: to be measured
)

// labReach is how many tokens after an analyte its value may stand
// ("Глюкоза натощак 11,8", "тест на грипп A положительный").
const labReach = 5

// lab reports whether toks[from:to] gives a laboratory value (or a
// test's result after a colon), or names an analyte without one, which
// orders it.
func (o *Offline) lab(toks []token, from, to int) labKind {
	named := false
	for i := from; i < to; i++ {
		if toks[i].kind == wordTok && isOneOf(toks[i].norm, o.tests...) && containsPunct(toks, i+1, to, ":") {
			return labValue // "ФГДС от 01.02: эзофагит"
		}
		n := longestMatch(o.analytes, toks, i)
		if n == 0 {
			continue
		}
		named = true
		for k := i + n; k < min(i+n+labReach, to); k++ {
			if toks[k].kind == numberTok && !(k+1 < to && o.timeWord(toks[k+1])) || longestMatch(o.labResults, toks, k) > 0 {
				return labValue // not "креатинин через 3 дня"
			}
		}
	}
	if named {
		return labOrder
	}
	return labNone
}

// yearAt reports a calendar year in toks[from:to] ("2019 йилда", "в 2019
// году"): when something happened, which is history.
func yearAt(toks []token, from, to int) bool {
	for i := from; i+1 < to; i++ {
		t, next := toks[i], toks[i+1]
		if t.kind == numberTok && t.num >= 1900 && t.num <= 2100 && isWhole(t.num) && next.kind == wordTok &&
			(isOneOf(next.norm, yearWords...) || hasAnyPrefix(next.norm, yearStems...)) {
			return true
		}
	}
	return false
}

// testOrdered reports an investigation named as an order ("Kichik chanoq
// UTT hayz siklining 5–7 kunida.", "ЭКГ.") or a specialist's review
// ("Ginekolog ko'rigi."): the plan. A test with its result is a finding:
// "ЭКГ: ритм синусовый", "ЭКГда ...", "на ЭКГ ..."; the caller has
// already ruled out sentences with findings or vital signs.
func (o *Offline) testOrdered(text string, toks []token, from, to int) bool {
	if o.diseaseShaped(text, toks, from, to) || containsPunct(toks, from, to, ":") {
		return false // a result: "ФГДС от 12.03: эзофагит", "по ФГДС — ГЭРБ"
	}
	for i := from; i < to; i++ {
		t := toks[i]
		if t.kind != wordTok {
			continue
		}
		if i+1 < to && toks[i+1].kind == wordTok && hasAnyPrefix(toks[i+1].norm, o.reviewWords...) &&
			hasAnyPrefix(t.norm, o.specialists...) {
			return true // "kardiolog ko'rigi"
		}
		if !isOneOf(t.norm, o.tests...) {
			continue
		}
		if i+1 < to && (toks[i+1].is(":") || toks[i+1].is("-")) || i > from && isOneOf(toks[i-1].norm, "na", "po", "pri", "v") {
			return false
		}
		return true
	}
	return false
}

// onsetAfterEvent reports an Uzbek "after having ..." of an event, the
// circumstance the illness began in ("shamollagandan keyin", "yuk
// ko'targandan keyin"): history. After a meal it describes a complaint
// ("ovqatlangandan keyin og'riydi") and is not counted.
func onsetAfterEvent(toks []token, from, to int) bool {
	for i := from; i+1 < to; i++ {
		w := toks[i].norm
		if toks[i].kind != wordTok || !isOneOf(toks[i+1].norm, "keyin", "so'ng", "kein") ||
			!(strings.HasSuffix(w, "gandan") || strings.HasSuffix(w, "qandan") || strings.HasSuffix(w, "kandan")) {
			continue
		}
		if !hasAnyPrefix(w, "ovqat", "yeg", "yey", "nonushta", "tushlik", "kechki") {
			return true
		}
	}
	return false
}

// splitDiagnoses splits off the diagnosis that follows the findings in
// run-on dictation. Uzbek closes it with a verb ("... oyoqlarda shish
// yo'q gipertoniya kasalligi II daraja deb hisoblayman"); Russian and
// Uzbek alike may just name it after the last finding and go on to the
// orders ("... пульс 76 острая неспецифическая люмбалгия больничный на 5
// дней"). Without a split the findings would be read as the assessment,
// or the diagnosis as a finding.
func (o *Offline) splitDiagnoses(text string, toks []token, drugs []drugHit, sents []sentence) []sentence {
	out := sents[:0:0]
	for _, s := range sents {
		if sec, content := o.heading(toks, s.from, s.to); sec == Assessment {
			// "диагноз скарлатина средней тяжести амоксициллин 250 мг ...":
			// said in one breath, the diagnosis ends where a drug with
			// its dose begins the orders. A drug named without a dose
			// may be part of it ("аллергия на пенициллин").
			if j := o.dosedDrugFrom(toks, drugs, content, s.to); j > content {
				out = append(out, sentence{from: s.from, content: s.content, to: j}, sentence{from: j, content: j, to: s.to})
				continue
			}
		}
		end := s.to
		for end > s.from && toks[end-1].kind == punctTok {
			end--
		}
		verb := phraseEndingAt(o.assessVerbs, toks, end)
		if verb <= s.from {
			out = append(out, o.splitAfterFindings(text, toks, drugs, s)...)
			continue
		}
		if d := o.diagnosisStart(text, toks, s.from, verb); d > s.from && o.examined(toks, s.from, d) {
			out = append(out, sentence{from: s.from, content: s.content, to: d}, sentence{from: d, content: d, to: s.to})
			continue
		}
		out = append(out, s)
	}
	return out
}

// doseReach is how many tokens after a drug's name its dose may begin
// ("амоксициллин суспензия 250 мг/5 мл", "Нурофен для детей 5 мл").
const doseReach = 4

// dosedDrugFrom returns where the first drug in toks[from:to] that a dose
// follows begins, or -1.
func (o *Offline) dosedDrugFrom(toks []token, drugs []drugHit, from, to int) int {
	for j := from; j < to; j++ {
		if drugs[j].n == 0 {
			continue
		}
		for k := j + drugs[j].n; k < min(j+drugs[j].n+doseReach, to-1); k++ {
			if toks[k].kind == numberTok && o.unitAt(toks[k+1]) != "" {
				return j
			}
		}
	}
	return -1
}

// splitAfterFindings splits a long examination sentence where a diagnosis
// follows its last finding: at the first disease word that no finding or
// vital sign follows, with its modifiers, and again where a drug or
// another order follows the diagnosis ("госпитализация", "постельный
// режим").
// It leaves the sentence whole when the disease is negated or is what a
// finding names ("симптомов перитонита нет"), and when what precedes it
// is not an examination.
func (o *Offline) splitAfterFindings(text string, toks []token, drugs []drugHit, s sentence) []sentence {
	whole := []sentence{s}
	// A short sentence is classified whole, unless it measured a vital
	// sign: in run-on dictation the diagnosis often follows the last one
	// ("... пульс сто внебольничная пневмония", "... puls 90 gipertonik
	// kriz").
	if wordCount(toks, s.from, s.to) <= maxAssessmentWords {
		var measured Vitals
		if o.vitals(toks, s.from, s.to, &measured); measured == (Vitals{}) {
			return whole
		}
	}
	for k := s.from + 1; k < s.to; k++ {
		if !o.diseaseAt(text, toks, k, s.to) {
			continue
		}
		var v Vitals
		if o.vitals(toks, k+1, s.to, &v); v != (Vitals{}) || containsPhrase(o.cues[Objective], toks, k+1, s.to) {
			continue // the findings go on
		}
		d := o.diagnosisFrom(text, toks, s.from, k)
		end := s.to
		if p := o.orderAt(toks, k+1, s.to); p >= 0 {
			end = p
		}
		for j := k + 1; j < end; j++ {
			if drugs[j].n > 0 {
				end = j // the plan goes on with a drug ("... анемия сорбифер по одной таблетке")
				break
			}
			if j <= k+suspicionReach && isSuspicion(toks[j]) {
				end = j + 1 // Uzbek puts suspicion after the disease: "o'pka sili gumoni"
				break
			}
		}
		if d <= s.from || wordCount(toks, d, end) > maxAssessmentWords ||
			containsPhrase(o.negations, toks, d, end) || longestMatch(o.findingNames, toks, d-1) > 0 {
			return whole
		}
		if sec, _ := o.heading(toks, s.from, d); sec != Objective && o.cue(text, toks, drugs, s.from, d) != Objective {
			return whole
		}
		out := []sentence{{from: s.from, content: s.content, to: d}, {from: d, content: d, to: end}}
		if end < s.to {
			out = append(out, sentence{from: end, content: end, to: s.to})
		}
		return out
	}
	return whole
}

// orderAt returns where the first order of the plan that is not a drug
// starts in toks[from:to], or -1.
func (o *Offline) orderAt(toks []token, from, to int) int {
	for i := from; i < to; i++ {
		if n := longestMatch(o.cues[Plan], toks, i); n > 0 && i+n <= to {
			return i
		}
		if n := longestMatch(o.otherOrders, toks, i); n > 0 && i+n <= to {
			return i
		}
	}
	return -1
}

// examined reports whether toks[from:to] holds what an examination
// finds: a heading, a finding or a vital sign. What else stands before a
// diagnosis is part of it ("o'tkir o'ng tomonlama").
func (o *Offline) examined(toks []token, from, to int) bool {
	if sec, _ := o.heading(toks, from, to); sec == Objective || containsPhrase(o.cues[Objective], toks, from, to) {
		return true
	}
	var v Vitals
	o.vitals(toks, from, to, &v)
	return v != (Vitals{})
}

// diagnosisWindow is how many words before its verb a diagnosis may
// start.
const diagnosisWindow = 6

// diagnosisStart returns where the diagnosis before the verb at toks[verb]
// begins: at the first disease word among the last few words, with what
// qualifies it (diagnosisFrom), or from when there is none.
func (o *Offline) diagnosisStart(text string, toks []token, from, verb int) int {
	lo := verb
	for n := 0; lo > from && n < diagnosisWindow; lo-- {
		if toks[lo-1].kind == wordTok {
			n++
		}
	}
	for k := lo; k < verb; k++ {
		if o.diseaseAt(text, toks, k, verb) {
			return o.diagnosisFrom(text, toks, lo, k)
		}
	}
	return from
}

// maxModifiers is how many words before a disease may qualify it.
const maxModifiers = 3

// diagnosisFrom returns where the diagnosis whose disease word is toks[k]
// begins, not before from: with the words that qualify it ("острая
// неспецифическая", "o'tkir chap tomonlama") and the noun an Uzbek
// possessive ties to it ("bo'lmachalar fibrillyatsiyasi"), and a Russian
// adjective that agrees with it ("язвенная болезнь").
func (o *Offline) diagnosisFrom(text string, toks []token, from, k int) int {
	d := k
	if k > from && toks[k-1].kind == wordTok && uzbekPossessive(toks[k].norm) {
		d = k - 1 // "yurak yetishmovchiligi", "buyrak sanchig'i"
	}
	for n := 0; n < maxModifiers && d > from && toks[d-1].kind == wordTok; n++ {
		w := toks[d-1].norm
		switch {
		case hasAnyPrefix(w, o.modifiers...) || uzbekQualifier(w):
			d--
		case d == k && russianAgrees(text[toks[d-1].start:toks[d-1].end], text[toks[k].start:toks[k].end]):
			d--
		case d < k && hasAnyPrefix(toks[d].norm, o.sides...) && isOneOf(w, "chap", "o'ng", "ikki", "bir"):
			d-- // "chap tomonlama"
		default:
			return d
		}
	}
	return d
}

// russianAgrees reports a Russian adjective in the nominative whose
// ending agrees with the noun after it: "язвенная болезнь", "острый
// бронхит", "укушенные раны". In run-on dictation the adjective before a
// disease may end the findings instead ("симптом положительный язвенная
// болезнь"); it would not agree with the disease, or is not next to it.
func russianAgrees(adj, noun string) bool {
	a, n := []rune(strings.ToLower(adj)), []rune(strings.ToLower(noun))
	if len(a) < 5 || len(n) < 3 || !(a[0] >= 'а' && a[0] <= 'я' || a[0] == 'ё') {
		return false
	}
	end := string(a[len(a)-2:])
	last := n[len(n)-1]
	switch end {
	case "ая", "яя":
		return last == 'а' || last == 'я' || last == 'ь'
	case "ый", "ий", "ой":
		return !strings.ContainsRune("аяоеиыь", last) || last == 'ь'
	case "ое", "ее":
		return last == 'о' || last == 'е'
	case "ые", "ие":
		return last == 'ы' || last == 'и'
	}
	return false
}

// suspicionReach is how many tokens after a disease word an Uzbek
// suspicion word may stand to close its diagnosis ("o'pka sili gumoni",
// "o'tkir appenditsit shubhasi").
const suspicionReach = 3

func isSuspicion(t token) bool {
	return t.kind == wordTok && hasAnyPrefix(t.norm, "gumon", "shubha")
}

// uzbekPossessive reports a noun with the Uzbek possessive ending that
// ties it to the noun before it: "-si" after a vowel, "-i" after a
// consonant, where k and q turn to g and g' ("yetishmovchilik" →
// "yurak yetishmovchiligi", "sanchiq" → "buyrak sanchig'i").
func uzbekPossessive(w string) bool {
	return strings.HasSuffix(w, "si") || strings.HasSuffix(w, "gi") || strings.HasSuffix(w, "g'i")
}

// uzbekQualifier reports an Uzbek participle or adjective, which before
// a disease qualifies it: "stenozlovchi laringotraxeit", "qaytalanuvchi",
// "yopiq burchakli glaukoma". Short "-li" words are left out: "qonli"
// may be a finding's word.
func uzbekQualifier(w string) bool {
	return strings.HasSuffix(w, "lovchi") || strings.HasSuffix(w, "uvchi") || strings.HasSuffix(w, "ovchi") ||
		len(w) >= 7 && strings.HasSuffix(w, "li")
}

// closerEndsAt reports whether a closing phrase ("shikoyat qiladi") ends
// right before token i.
func (o *Offline) closerEndsAt(toks []token, i int) bool {
	return phraseEndingAt(o.closers, toks, i) >= 0
}

// phraseEndingAt returns where one of ps that ends right before token i
// starts (the longest), or -1.
func phraseEndingAt(ps []phrase, toks []token, i int) int {
	start := -1
	for _, p := range ps {
		if s := i - len(p); s >= 0 && (start < 0 || s < start) && p.matchAt(toks, s) == len(p) {
			start = s
		}
	}
	return start
}

// sentenceText returns the source text of toks[from:to] without leading
// and trailing punctuation.
func sentenceText(text string, toks []token, from, to int) string {
	for from < to && toks[from].kind == punctTok {
		from++
	}
	for to > from && toks[to-1].kind == punctTok && toks[to-1].norm != ")" && toks[to-1].norm != "%" {
		to--
	}
	if from >= to {
		return ""
	}
	return strings.TrimSpace(text[toks[from].start:toks[to-1].end])
}

// vitals fills the vital signs found in toks[from:to] that v does not
// have yet.
func (o *Offline) vitals(toks []token, from, to int, v *Vitals) {
	for i := from; i < to; i++ {
		// A blood pressure without its key: "140/90 мм рт. ст."
		if v.BPSystolic == 0 && toks[i].kind == numberTok && i+3 < to && toks[i+1].is("/") &&
			toks[i+2].kind == numberTok && toks[i+3].kind == wordTok && (toks[i+3].norm == "mm" || toks[i+3].norm == "mmhg") {
			o.setBP(toks, i, i+2, v)
		}
		for _, kind := range [...]string{"bp", "pulse", "temp", "spo2"} {
			n := longestMatch(o.vitalKeys[kind], toks, i)
			if n == 0 {
				continue
			}
			j := o.skipToNumber(toks, i+n, to)
			if j < 0 {
				continue
			}
			switch kind {
			case "bp":
				if v.BPSystolic == 0 && j+2 < to && toks[j+2].kind == numberTok &&
					(toks[j+1].kind == punctTok && toks[j+1].norm == "/" || o.bpSeparators[toks[j+1].norm]) {
					o.setBP(toks, j, j+2, v)
				}
			case "pulse":
				if v.Pulse == 0 && isWhole(toks[j].num) && toks[j].num >= minPulse && toks[j].num <= maxPulse && !o.reportedNear(toks, i, j) && !rangeAt(toks, j) {
					v.Pulse = int(toks[j].num)
				}
			case "temp":
				t := toks[j].num
				switch {
				case t >= 340 && t <= 430 && isWhole(t):
					t /= 10 // "378" for 37.8, as speech recognisers write it
				case tenthsAfter(toks, j, to, t):
					// "37 5", as a recogniser writes "тридцать семь пять"
					// said without its "и" or comma: the tenths would be
					// lost, and 37.5 read as 37.
					t += toks[j+1].num / 10
				}
				if v.TemperatureC == 0 && t >= minTemp && t <= maxTemp && !o.reportedNear(toks, i, j) && !rangeAt(toks, j) {
					v.TemperatureC = math.Round(t*10) / 10
				}
			case "spo2":
				if v.SpO2 == 0 && isWhole(toks[j].num) && toks[j].num >= minSpO2 && toks[j].num <= maxSpO2 && !o.reportedNear(toks, i, j) && !rangeAt(toks, j) {
					v.SpO2 = int(toks[j].num)
				}
			}
		}
	}
}

func (o *Offline) setBP(toks []token, sys, dia int, v *Vitals) {
	s, d := toks[sys].num, toks[dia].num
	if !isWhole(s) || !isWhole(d) || o.reportedNear(toks, sys, dia) {
		return
	}
	c := Vitals{BPSystolic: int(s), BPDiastolic: int(d)}
	if c.Check() == nil {
		v.BPSystolic, v.BPDiastolic = c.BPSystolic, c.BPDiastolic
	}
}

// reportedNear reports a marker of a patient-reported value around the
// key at i and its number ending at j.
func (o *Offline) reportedNear(toks []token, i, j int) bool {
	from, to := i-2, j+3
	return containsPhrase(o.reported, toks, from, to)
}

// rangeAt reports a range that starts with the number at j ("37,3–37,5"):
// what the patient has seen over days, not one measurement at the visit.
func rangeAt(toks []token, j int) bool {
	return j+2 < len(toks) && toks[j+1].is("-") && toks[j+2].kind == numberTok
}

// skipToNumber returns the index of the first number within four words
// after i, skipping only filler words, or -1.
func (o *Offline) skipToNumber(toks []token, i, to int) int {
	for k := 0; k < 5 && i < to; k, i = k+1, i+1 {
		t := toks[i]
		switch {
		case t.kind == numberTok:
			return i
		case t.kind == punctTok && (t.norm == ":" || t.norm == "-" || t.norm == "=" || t.norm == "°" || t.norm == "(" || t.norm == "/"):
		case t.kind == wordTok && o.vitalSkip[t.norm]:
		default:
			return -1
		}
	}
	return -1
}

func isWhole(f float64) bool { return f == math.Trunc(f) }

// drugHit is the drug named at a token, if any.
type drugHit struct {
	name string
	n    int // tokens the name covers; 0 for none
}

// drugHits looks every token up once: sentence cues and prescriptions
// both need them.
func (o *Offline) drugHits(toks []token) []drugHit {
	hits := make([]drugHit, len(toks))
	for i := range toks {
		hits[i].name, hits[i].n = o.drugAt(toks, i)
		if n := hits[i].n; n > 0 && (i > 0 && deficiencyWord(toks[i-1]) || i+n < len(toks) && deficiencyWord(toks[i+n])) {
			hits[i] = drugHit{} // "D vitamini yetishmovchiligi", "дефицит витамина D": a diagnosis
		}
	}
	return hits
}

// deficiencyWord reports a word that makes the substance next to it a
// deficiency, which is a diagnosis, not a prescription.
func deficiencyWord(t token) bool {
	return t.kind == wordTok && hasAnyPrefix(t.norm, "defitsit", "yetishmovchilig", "tanqislig", "deficien", "nedostatochnost")
}

// drugAt returns the INN of the drug named at toks[i] and how many tokens
// the name covers.
func (o *Offline) drugAt(toks []token, i int) (string, int) {
	if toks[i].kind != wordTok {
		return "", 0
	}
	best, bestN := "", 0
	w := toks[i].norm
	cands := o.drugs[w[0]]
	for _, d := range cands {
		if d.short && utf8.RuneCountInString(w) > utf8.RuneCountInString(d.stem[0].norm)+2 {
			continue
		}
		if n := d.stem.matchAt(toks, i); n > bestN {
			best, bestN = d.name, n
		}
	}
	if bestN > 0 {
		return best, bestN
	}
	if name, ok := dosedBrands[w]; ok && i+1 < len(toks) && toks[i+1].kind == numberTok {
		return name, 1
	}
	// One typo in a long single-word name ("paratsetomol"), though not in
	// its first letter, which keeps the lookup to one bucket; never in a
	// disease's name, which a medicine may be one letter from ("диабетом",
	// "Диабетон"; "панкреатит", "панкреатин").
	if len(w) < 6 || longestMatch(o.diseases, toks, i) > 0 || diseaseSuffixed(w) {
		return "", 0
	}
	for _, d := range cands {
		s := d.stem[0].norm
		if len(d.stem) != 1 || len(s) < 7 || len(w) < len(s)-1 {
			continue
		}
		for _, l := range [...]int{len(s) - 1, len(s), len(s) + 1} {
			if l <= len(w) && editDistanceAtMost1(w[:l], s) {
				return d.name, 1
			}
		}
	}
	return "", 0
}

// medications appends the drugs prescribed in toks[from:to] to ms.
func (o *Offline) medications(text string, toks []token, drugs []drugHit, from, to int, ms []Medication) []Medication {
	type hit struct {
		name string
		at   int
		n    int
	}
	var hits []hit
	for i := from; i < to; i++ {
		if d := drugs[i]; d.n > 0 {
			hits = append(hits, hit{d.name, i, d.n})
			i += d.n - 1
		}
	}
	for h, d := range hits {
		end := to
		if h+1 < len(hits) {
			end = hits[h+1].at
		}
		start := d.at + d.n
		if h+1 < len(hits) && hits[h+1].at == start && strings.HasPrefix(hits[h+1].name, d.name+" ") {
			continue // "инсулин Лантус": the class, then the product that names it
		}
		// Look back at most three words, not past a comma or the drug
		// before: "метформин отменить, гликлазид 60 мг" prescribes
		// gliclazide.
		back := d.at
		for k := 0; k < 3 && back > from && !toks[back-1].is(",") && (h == 0 || back > hits[h-1].at+hits[h-1].n); k++ {
			back--
		}
		// Drugs listed before one verb share it: "метформин и гликлазид
		// отменить", "диазепам ва диклофенакни тўхтатиш". The verb must
		// follow the list's last drug at once, before a dose or a comma:
		// "амлодипин и лизиноприл 10 мг утром, отменить эналаприл" stops
		// enalapril alone.
		listVerb := false
		if k := h; k+1 < len(hits) && listedWith(toks, hits[k].at+hits[k].n, hits[k+1].at) {
			for k+1 < len(hits) && listedWith(toks, hits[k].at+hits[k].n, hits[k+1].at) {
				k++
			}
			tail := hits[k].at + hits[k].n
			stop := tail
			for stop < to && stop-tail < 3 && toks[stop].kind == wordTok {
				stop++
			}
			listVerb = containsPhrase(o.historyVerbs, toks, tail, stop)
		}
		if listVerb || containsPhrase(o.historyVerbs, toks, back, end) || containsPhrase(o.prohibitions, toks, back, min(start+prohibitionScope, to)) ||
			containsPhrase(o.restartBans, toks, start, min(start+3, to)) ||
			replacedAt(toks, d.at, start, to) {
			continue
		}
		steps := o.doseSteps(toks, start, o.regimenEnd(toks, start, end))
		var prev Medication
		for k := range len(steps) - 1 {
			m := Medication{Name: d.name, Source: text[toks[d.at].start:toks[d.at+d.n-1].end]}
			o.dosing(toks, steps[k], steps[k+1], &m)
			if k > 0 && m.DoseUnit == "" {
				// A step that changes only how often keeps the dose.
				m.DoseValue, m.DoseUnit = prev.DoseValue, prev.DoseUnit
			}
			m.Route = o.routeIn(toks, max(d.at-2, from), steps[len(steps)-1])
			ms = mergeMedication(ms, m)
			prev = m
		}
	}
	return ms
}

// listedWith reports a drug whose name ends at from followed, at next,
// by another drug with only "and" between: one list, under one verb.
func listedWith(toks []token, from, next int) bool {
	if next-from != 1 {
		return false
	}
	t := toks[from]
	return t.kind == wordTok && isOneOf(t.norm, "i", "va", "and") || t.is(",")
}

// doseSteps cuts a drug's regimen toks[start:end] where it moves on to
// a new dose of the same drug ("Амитриптилин 10 мг на ночь 1 неделю,
// затем 25 мг на ночь 3 месяца"): each step is its own course, with its
// own frequency and duration. A step word must be followed by the dose
// itself, so "затем снижать по 10 мг" (a taper) and "3 kundan keyin
// nazorat" cut nothing.
func (o *Offline) doseSteps(toks []token, start, end int) []int {
	cuts := []int{start}
	for i := start + 1; i+2 < end; i++ {
		if toks[i].kind != wordTok || !o.stepWords[toks[i].norm] {
			continue
		}
		k := i + 1
		if toks[k].kind == wordTok && toks[k].norm == "po" {
			k++ // "затем по 25 мг"
		}
		if k+1 < end && toks[k].kind == numberTok && o.unitAt(toks[k+1]) != "" || newFrequencyAt(toks, k, end) {
			cuts = append(cuts, i)
		}
	}
	return append(cuts, end)
}

// replacedAt reports a drug named as the one replaced: "вместо
// лизиноприла амлодипин", "lizinopril o'rniga amlodipin", "instead of
// lisinopril".
func replacedAt(toks []token, at, end, to int) bool {
	if at > 0 && toks[at-1].kind == wordTok && isOneOf(toks[at-1].norm, "vmesto", "instead") ||
		at > 1 && toks[at-1].norm == "of" && toks[at-2].norm == "instead" {
		return true
	}
	return end < to && toks[end].kind == wordTok && hasAnyPrefix(toks[end].norm, "o'rniga", "orniga")
}

// newFrequencyAt reports a count of doses a day at k ("kuniga 2 marta",
// "2 раза в день", "twice a day"): after a step word, the same dose
// taken less or more often is a step of its own ("1 tomchidan kuniga 4
// marta 1 hafta, keyin kuniga 2 marta yana 1 hafta").
func newFrequencyAt(toks []token, k, end int) bool {
	if k < end && toks[k].kind == wordTok && isOneOf(toks[k].norm, "kuniga", "sutkada") {
		k++
	}
	if k < end && toks[k].kind == wordTok && isOneOf(toks[k].norm, "twice", "once", "dvajdi", "trijdi", "odnajdi") {
		return true
	}
	return k+1 < end && toks[k].kind == numberTok && toks[k+1].kind == wordTok && isTimesWord(toks[k+1].norm)
}

// regimenEnd is where the regimen of a drug named before start ends: at
// end, or earlier where the plan moves on to something that is not a
// drug ("... больничный на 5 дней", "3 kundan keyin nazorat"), whose
// numbers are not the drug's.
func (o *Offline) regimenEnd(toks []token, start, end int) int {
	for i := start; i < end; i++ {
		n := 0
		if toks[i].kind == wordTok {
			n = longestMatch(o.otherOrders, toks, i)
		}
		// "под контролем гликемии", "qand nazorati ostida" qualify the
		// regimen itself.
		if n > 0 && !(i > start && toks[i-1].norm == "pod") && !(i+n < end && toks[i+n].norm == "ostida") {
			return i
		}
	}
	return end
}

// mergeMedication adds m to ms, completing an earlier mention of the same
// drug ("парацетамол 500 мг ..., парацетамол при температуре"), unless
// the two say different regimens: a second course ("затем омепразол 20
// мг утром 4 недели") is its own entry.
func mergeMedication(ms []Medication, m Medication) []Medication {
	for i := range ms {
		if ms[i].Name != m.Name || conflicts(ms[i], m) {
			continue
		}
		if ms[i].DoseUnit == "" {
			ms[i].DoseValue, ms[i].DoseUnit = m.DoseValue, m.DoseUnit
		}
		if ms[i].TimesPerDay == 0 {
			ms[i].TimesPerDay = m.TimesPerDay
		}
		if ms[i].DurationDays == 0 {
			ms[i].DurationDays = m.DurationDays
		}
		if ms[i].Route == "" {
			ms[i].Route = m.Route
		}
		return ms
	}
	return append(ms, m)
}

// conflicts reports whether a and b state different regimens: a dose, a
// frequency or a duration that both give and that differ.
func conflicts(a, b Medication) bool {
	return a.DoseUnit != "" && b.DoseUnit != "" && (a.DoseUnit != b.DoseUnit || a.DoseValue != b.DoseValue) ||
		a.TimesPerDay != 0 && b.TimesPerDay != 0 && a.TimesPerDay != b.TimesPerDay ||
		a.DurationDays != 0 && b.DurationDays != 0 && a.DurationDays != b.DurationDays
}

// uzSuffixes are case endings Uzbek glues to units and counters: "500
// mgdan", "1 tabletkadan", "5 kunga".
var uzSuffixes = []string{"", "dan", "ga", "lik", "tadan", "ta"}

func (o *Offline) unitAt(t token) string {
	if t.kind != wordTok {
		return ""
	}
	for _, u := range o.units {
		if wordMatches(t.norm, u.word) {
			return u.unit
		}
		for _, suf := range uzSuffixes[1:] {
			if rest, ok := strings.CutPrefix(t.norm, u.word); ok && rest == suf {
				return u.unit
			}
		}
	}
	return ""
}

func hasAnyPrefix(w string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

func isOneOf(w string, ws ...string) bool {
	for _, x := range ws {
		if w == x {
			return true
		}
	}
	return false
}

// dosing reads dose, frequency and duration from toks[from:to].
func (o *Offline) dosing(toks []token, from, to int, m *Medication) {
	soft := 0                  // frequency said in words
	times := map[string]bool{} // times of day said: "утром и вечером" is twice a day
	limit := -1                // where a limit was said: "не чаще", "не более"
	for i := from; i < to; i++ {
		t := toks[i]
		if n := max(longestMatch(o.limits, toks, i), upToAt(toks, i, to)); n > 0 {
			limit = i + n
		}
		if limit >= 0 && i < limit+limitReach || limitAfter(toks, i, to) {
			// "не чаще чем каждые 6 часов", "sutkada 4 martadan ko'p
			// emas": the most a dose on demand may be repeated, not a
			// schedule.
			continue
		}
		if t.kind == wordTok {
			switch {
			case isOneOf(t.norm, perDayWords...) || t.norm == "v" && i+1 < to && isOneOf(toks[i+1].norm, "den", "sutki"):
				soft = max(soft, 1) // "1000 МЕ в день": daily, unless a count says more
			case isOneOf(t.norm, "dvajdi"):
				setOnce(&m.TimesPerDay, 2)
			case hasAnyPrefix(t.norm, "odnokratn", "bolyus", "bolus") || t.norm == "stat":
				setOnce(&m.TimesPerDay, 1) // a single dose counts as once a day
				m.Once = m.TimesPerDay == 1
			case isOneOf(t.norm, "trijdi"):
				setOnce(&m.TimesPerDay, 3)
			case timeOfDay(toks, i) != "":
				times[timeOfDay(toks, i)] = true
			case hasAnyPrefix(t.norm, "yejednevn", "ejednevn") || t.norm == "daily" ||
				t.norm == "har" && i+1 < to && isOneOf(toks[i+1].norm, "kuni", "kun", "kunda"):
				soft = max(soft, 1) // "daily", unless a count says more
			case hasAnyPrefix(t.norm, "nedel", "hafta") && m.DurationDays == 0 && (i == from || toks[i-1].kind != numberTok) &&
				i > 0 && isOneOf(toks[i-1].norm, "techenie", "na", "bir", "davomida"):
				m.DurationDays = 7
			case isOneOf(t.norm, "nedelyu", "mesyats") && m.DurationDays == 0 && i > from && toks[i-1].kind == wordTok &&
				!isOneOf(toks[i-1].norm, "v", "vo", "raz", "raza") && !(i+1 < to && toks[i+1].norm == "nazad"):
				// The accusative alone is how long: "утром и вечером
				// неделю", "на ночь месяц"; "раз в неделю" is how often.
				m.DurationDays = map[string]int{"nedelyu": 7, "mesyats": 30}[t.norm]
			}
			continue
		}
		if t.kind != numberTok || i+1 >= to {
			continue
		}
		next := toks[i+1]
		if next.is(":") && i+2 < to && toks[i+2].kind == numberTok && t.num < 24 && isWhole(t.num) {
			soft = max(soft, 1) // a time of day: "в 22:00"
			continue
		}
		if next.kind != wordTok {
			continue
		}
		w := next.norm
		if m.DoseUnit == "" && o.unitAt(next) == "" && i+2 < to && hasAnyPrefix(w0(next), o.formWords...) && o.unitAt(toks[i+2]) != "" {
			next = toks[i+2] // "по 1 жевательной таблетке"
		}
		switch {
		case m.DoseUnit == "" && o.unitAt(next) != "":
			m.DoseValue, m.DoseUnit = t.num, o.unitAt(next)
		case m.DoseUnit != "" && o.unitAt(next) != "" && !(i > 0 && toks[i-1].is("/")):
			m.DoseValue, m.DoseUnit = laterDose(m.DoseValue, m.DoseUnit, t.num, o.unitAt(next))
		case hasAnyPrefix(w, "mahal", "marta") || isOneOf(w, "raz", "raza") || w == "r" && i+2 < to && toks[i+2].is("/"):
			if !(i+3 < to && hasAnyPrefix(toks[i+2].norm+" "+toks[i+3].norm, "v nedel") || i+2 < to && hasAnyPrefix(toks[i+2].norm, "hafta", "nedel")) &&
				!(i > 0 && hasAnyPrefix(toks[i-1].norm, "hafta", "nedel")) && isWhole(t.num) && t.num >= 1 && t.num <= 12 {
				setOnce(&m.TimesPerDay, int(t.num))
			}
		case hasAnyPrefix(w, "chas", "soat") && i > 0 && hasAnyPrefix(toks[i-1].norm, "kajd", "har"):
			if t.num >= 1 && t.num <= 24 && isWhole(t.num) {
				setOnce(&m.TimesPerDay, int(24/t.num))
			}
		case isDayWord(w):
			o.setDuration(toks, i, to, t.num, m)
		case hasAnyPrefix(w, "nedel", "hafta"):
			o.setDuration(toks, i, to, t.num*7, m)
		case hasAnyPrefix(w, "mesyats", "oy") && (w == "oy" || strings.HasPrefix(w, "oyga") || strings.HasPrefix(w, "oylik") || strings.HasPrefix(w, "mesyats")):
			o.setDuration(toks, i, to, t.num*30, m)
		}
	}
	soft = max(soft, len(times))
	if m.TimesPerDay == 0 {
		m.TimesPerDay = soft
	}
}

// limitReach is how many tokens after "не чаще" the limit it says covers.
const limitReach = 5

// limitAfter reports a count an Uzbek limit follows, with its "a day":
// "sutkada 4 martadan ko'p emas", "4 martadan ortiq emas", or that says
// it is the most itself: "kuniga 3 martagacha" (up to 3 times a day).
func limitAfter(toks []token, i, to int) bool {
	if toks[i].kind == wordTok && isOneOf(toks[i].norm, perDayWords...) {
		i++
	}
	if i+1 >= to || toks[i].kind != numberTok {
		return false
	}
	if w := toks[i+1].norm; isTimesWord(w) && strings.HasSuffix(w, "gacha") {
		return true
	}
	return i+2 < to && strings.HasSuffix(toks[i+1].norm, "dan") &&
		isOneOf(toks[i+2].norm, "ko'p", "ortiq", "oshmasin", "oshmasligi")
}

// upToAt returns how many tokens at i say that the count of times after
// them is the most ("до 3 раз в день", "up to 3 times a day"), or 0.
func upToAt(toks []token, i, to int) int {
	n := 0
	switch {
	case toks[i].norm == "do":
		n = 1
	case toks[i].norm == "up" && i+1 < to && toks[i+1].norm == "to":
		n = 2
	default:
		return 0
	}
	if i+n+1 < to && toks[i+n].kind == numberTok && isTimesWord(toks[i+n+1].norm) {
		return n
	}
	return 0
}

func isTimesWord(w string) bool {
	return isOneOf(w, "raz", "raza", "times") || hasAnyPrefix(w, "mahal", "marta")
}

// w0 is the normalised word of t, or "" for a number or a mark.
func w0(t token) string {
	if t.kind != wordTok {
		return ""
	}
	return t.norm
}

func setOnce(p *int, v int) {
	if *p == 0 {
		*p = v
	}
}

// tenthsAfter reports a whole temperature t at toks[j] followed by one
// digit that is its tenths: not a count of days or times ("37 5 дней").
func tenthsAfter(toks []token, j, to int, t float64) bool {
	if !isWhole(t) || t < 34 || t > 42 || j+1 >= to {
		return false
	}
	d := toks[j+1]
	if d.kind != numberTok || !isWhole(d.num) || d.end-d.start != 1 {
		return false
	}
	if j+2 < to && toks[j+2].kind == wordTok && countUnit(toks[j+2].norm) {
		return false
	}
	return true
}

// countUnit reports a word that makes the number before it a count of
// days, weeks, months, years, hours, minutes or times, in any of its
// forms ("kundan", "haftadan", "недели", "часа").
func countUnit(w string) bool {
	return isDayWord(w) || hasAnyPrefix(w, "kun", "hafta", "oy", "yil", "soat", "daqiqa", "minut", "nedel", "mesyats", "god", "let",
		"chas", "sutk", "week", "month", "year", "hour", "minute", "day", "raz", "marta", "mahal", "times")
}

func isDayWord(w string) bool {
	return isOneOf(w, "dney", "dnya", "den", "sutok", "sutki", "kun", "kunga", "kungacha", "kunlik", "kun-", "kunida", "kunlari", "days", "day") ||
		strings.HasPrefix(w, "kunlik")
}

// setDuration records a course length unless the number is a follow-up
// interval ("через 5 дней", "3 kundan keyin").
// sameDrugNext reports the drug of m named again at toks[i]: "meloksikam
// ... uch kun keyin meloksikam ... yetti kun" is three days of the first
// course, then a second one.
func sameDrugNext(toks []token, i int, m *Medication) bool {
	if i >= len(toks) || toks[i].kind != wordTok || m.Source == "" {
		return false
	}
	src := tokenize(m.Source)
	return len(src) > 0 && src[0].norm == toks[i].norm
}

func (o *Offline) setDuration(toks []token, i, to int, days float64, m *Medication) {
	if m.DurationDays != 0 || !isWhole(days) || days < 1 || days > 365 {
		return
	}
	if i > 0 && isOneOf(toks[i-1].norm, "cherez", "posle", "keyin") &&
		!(i > 1 && hasAnyPrefix(toks[i-2].norm, "ovqat", "yed", "edi", "nonushta", "tushlik", "zavtrak", "obed", "ujin")) {
		// "ovqatdan keyin 3 kun", "после завтрака 10 дней": after a meal,
		// for so long
		return
	}
	if i+2 < to && isOneOf(toks[i+2].norm, "keyin", "so'ng", "dan") && !sameDrugNext(toks, i+3, m) {
		return // "3 kundan keyin qayta ko'rik": a follow-up, not a course
	}
	// An interval ("каждые 3 дня", "har 3 kunda") or the last day of a
	// schedule ("по схеме 0-3-7-14-28") is not how long the course lasts.
	if i > 0 && (hasAnyPrefix(toks[i-1].norm, "kajd") || toks[i-1].norm == "har") ||
		i > 3 && toks[i-1].is("-") && toks[i-2].kind == numberTok && toks[i-3].is("-") {
		return
	}
	m.DurationDays = int(days)
}

// detectLanguage is a dictation's language: "mixed" when both scripts
// hold more than a fifth of its letters, else the form language.Detect
// reads, and "" when it has no letters.
func detectLanguage(text string) string {
	n := language.Count(text)
	switch {
	case n.Cyrillic+n.Latin == 0:
		return ""
	case n.Mixed():
		return "mixed"
	}
	return string(n.Detect(text))
}

// abbreviationPoint reports whether the point at i ends an abbreviation
// ("мм рт. ст.,", "уд. в мин") rather than a sentence: a short word
// before it and a lower-case word or a comma after it.
func abbreviationPoint(toks []token, i int) bool {
	if !toks[i].is(".") || i == 0 || i+1 >= len(toks) || toks[i-1].kind != wordTok || len([]rune(toks[i-1].norm)) > 3 {
		return false
	}
	next := toks[i+1]
	if next.is(",") {
		return true
	}
	return next.kind == wordTok && next.start > 0 && startsWithLower(next)
}

// laterDose reconciles a second amount said for one dose with the first:
// a strength then a volume of liquid ("120 мг/5 мл по 4 мл") or a number
// of puffs ("160/4,5 мкг 2 вдоха") gives the volume or the puffs; a
// strength then a count of tablets ("250 мг по 3 капсулы") gives their
// product. Anything else keeps the first.
func laterDose(v float64, unit string, v2 float64, unit2 string) (float64, string) {
	mass := unit == "mg" || unit == "g" || unit == "mcg"
	switch {
	case mass && (unit2 == "ml" || unit2 == "puff" || unit2 == "drop"):
		return v2, unit2
	case mass && (unit2 == "tablet" || unit2 == "capsule") && v2 > 1 && v2 <= 4 && isWhole(v2):
		return v * v2, unit
	}
	return v, unit
}

// timeOfDay names the part of the day word i says a dose is taken at —
// morning, midday, evening or night — or "".
func timeOfDay(toks []token, i int) string {
	w := toks[i].norm
	prev := ""
	if i > 0 {
		prev = toks[i-1].norm
	}
	switch {
	case hasAnyPrefix(w, "utrom", "ertalab", "morning", "nonushta", "zavtrak", "breakfast"):
		return "morning" // with or after breakfast too
	case w == "dnyom" || w == "obed" && isOneOf(prev, "v", "posle", "pered") ||
		hasAnyPrefix(w, "tushlik", "peshin", "kunduzi", "midday", "lunch") || w == "noon":
		return "midday"
	case hasAnyPrefix(w, "vecher", "kechqurun", "kechki", "evening", "ujin", "dinner", "supper"):
		return "evening"
	case hasAnyPrefix(w, "kechasi", "uxlash", "bedtime"), w == "night" && isOneOf(prev, "at", "the"),
		w == "noch" && prev == "na", w == "snom" && prev == "pered", w == "sna" && isOneOf(prev, "do", "pered"):
		return "night"
	}
	return ""
}

// prohibitionScope is how many tokens after a drug's name a prohibition
// reaches.
const prohibitionScope = 6

// containsPunct reports the mark p in toks[from:to].
func containsPunct(toks []token, from, to int, p string) bool {
	for i := from; i < to; i++ {
		if toks[i].is(p) {
			return true
		}
	}
	return false
}

// timeWord reports a word of days, weeks or months: a number before it is
// when, not a value.
func (o *Offline) timeWord(t token) bool {
	return t.kind == wordTok && (isDayWord(t.norm) || isOneOf(t.norm, "oy", "oyga", "oydan") ||
		hasAnyPrefix(t.norm, "nedel", "hafta", "mesyats", "sutk", "chas", "soat"))
}
