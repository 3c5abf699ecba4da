package chatbot

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/oqim/oqim/connectors/redact"
	"github.com/oqim/oqim/inference/chatbot/retrieval"
	"github.com/oqim/oqim/models/portalkb"
	"github.com/oqim/oqim/models/portalkb/uztranslit"
)

// Reasons a question goes to an operator.
const (
	ReasonRequested     = "requested"      // the citizen asked for a person
	ReasonLowConfidence = "low_confidence" // entries match, but not clearly enough
	ReasonNotCovered    = "not_covered"    // a government question no entry covers
)

// ReasonRefused marks an off-topic decision that refuses the message for
// what it asks (a forged document, a bribe, another person's data, an
// injection), as against one that is merely about something else: a
// refusal stands whatever came before it in the conversation.
const ReasonRefused = "refused"

// Decision is what the bot makes of a question before any text is
// written: exported so that eval measures the same decision the service
// takes.
type Decision struct {
	Kind       Kind
	Reason     string // for handoffs
	Confidence float64
	// EntryIDs are the ranked candidates; for an answer the first is cited.
	EntryIDs []string
}

// decision is Decision with the hits the answer is written from.
type decision struct {
	kind       Kind
	outcome    Outcome
	reason     string
	hits       []retrieval.Hit
	confidence float64
}

// operatorRequest matches a request for a person, in folded Latin (Cyrillic
// is transliterated first, apostrophes dropped).
var operatorRequest = regexp.MustCompile(`\b(operator|operatorga|operatorni|operatorom|operatoru|operatora|odam bilan|inson bilan|jonli|jivoy|jivim|s chelovekom|chelovek\w* (a )?ne (bot|robot)|human|real person|live agent|talk to (a |some)?(person|someone|somebody)|speak to (a |some)?(person|someone|somebody)|konsultant|mutahassis bilan)\b`)

// injection matches attempts to give the bot instructions, in folded
// Latin.
var injection = regexp.MustCompile(`\b(ignore (all |the |your )?(previous|prior|above)|disregard (all |the |your )?(previous|prior|above)|forget (all |your |the )?(rules|instructions)|system prompt|you are now|developer mode|jailbreak|ignoriruy|zabud (vse|pravila)|sistemnyy prompt|sistemniy prompt|oldingi (korsatmalarni|kursatmalarni|buyruklarni)|korsatmalarni unut|` +
	// a mode without the rules, in each language: "admin mode",
	// "режим администратора", "cheklovsiz rejim", "без ограничений"
	`admin mode|admin rejim\w*|rejim\w* administratora|administrator rejim\w*|unrestricted mode|(mode|rejim\w*) (with )?no restrictions|cheklovsiz rejim\w*|rejim\w* bez ogranicheni[yj]|bez ogranicheni[yj] rejim\w*)\b`)

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func foldForIntent(text string) string {
	s := strings.ToLower(uztranslit.ToLatin(text))
	return strings.Map(func(r rune) rune {
		if uztranslit.IsApostrophe(r) {
			return -1
		}
		return r
	}, s)
}

// greetingWords greet, thank or ask how one is: small talk, answered with
// the bot's greeting, never searched ("как дела" had found the court
// cases entry, "yaxshi rahmat" a warehouse subsidy).
var greetingWords = map[string]bool{
	"salom": true, "assalomu": true, "alaykum": true, "assalom": true, "salam": true,
	"hello": true, "hi": true, "hey": true,
	"здравствуйте": true, "привет": true, "добрый": true, "день": true,
	"салом": true, "ассалому": true, "алайкум": true,
	"rahmat": true, "raxmat": true, "рахмат": true, "раҳмат": true, "спасибо": true, "благодарю": true, "thanks": true, "thank": true,
	"yaxshi": true, "яхши": true, "qalaysiz": true, "калайсиз": true, "қалайсиз": true, "yaxshimisiz": true, "дела": true, "very": true, "much": true,
	"ok": true, "okay": true, "хорошо": true, "понятно": true, "tushunarli": true,
}

// weatherWords are small talk the bot is not for: "погода" read as a typo
// of "порода" (a breed) had found the plant-variety patent at confidence 1.
var weatherWords = []string{"pogod", "ob-havo", "obhavo", "ob havo", "weather"}

// weatherTalk is a short message about the weather.
func weatherTalk(folded string) bool {
	return len(strings.Fields(folded)) <= 6 && containsAny(folded, weatherWords)
}

func isGreeting(text string) bool {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !(r >= 'a' && r <= 'z' || uztranslit.IsCyrillic(r)) })
	if len(words) == 0 || len(words) > 4 {
		return false
	}
	greets := false
	for _, w := range words {
		if !greetingWords[w] && !retrievalStop(w) {
			return false
		}
		greets = greets || greetingWords[w]
	}
	// Stop words alone ("а где?") are no greeting.
	return greets
}

func retrievalStop(w string) bool { return len(retrieval.Terms(nil, w)) == 0 }

// hasGreetingWord reports a greeting word in text: a message of stop words
// alone ("а где?") is no greeting without one.
func hasGreetingWord(text string) bool {
	return slices.ContainsFunc(strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !(r >= 'a' && r <= 'z' || uztranslit.IsCyrillic(r)) }),
		func(w string) bool { return greetingWords[w] })
}

// ambiguityRatio is how close the runner-up's score must come to the
// best one's for the question to count as ambiguous; set on the tuning
// questions (see the README's figures).
const ambiguityRatio = 0.95

// dominanceRatio is how far below the best entry's score every other
// service must fall for a question to be answered at a coverage under
// the thresholds. Set on the two tuning sets (questions.jsonl and
// questions_dev.jsonl, 633 covered and 32 uncovered questions): 0.3 / 0.4
// / 0.5 / 0.6 answered 0 / 1 / 1 / 3 more uncovered questions wrongly and
// 0 / 1 / 4 / 11 more covered ones rightly; 0.5 is the largest that costs
// at most one wrong answer. Questions written conversationally, as
// citizens type, gain most (see the README).
const dominanceRatio = 0.5

// storyTerms and storyDominance relax dominanceRatio for a question of
// storyTerms content terms or more, a situation told at length ("we grow
// potatoes on 5 hectares and put in drip irrigation, can part of it be
// paid back"). Its incidental words (the crop, the country, the family)
// each lift a few unrelated entries a little, so a runner-up at 0.7 of the
// best is still far behind, while a short question's runner-up at 0.7
// shares most of its words. Set on the two tuning sets and the read
// halves of two independent story-style sets (769 covered, 63 uncovered
// questions): 8 terms / 0.7 answered 14 more covered questions rightly,
// none wrongly, and 1 more uncovered one wrongly; 6 or 7 terms cost 4
// and 2 uncovered, and 0.8 cost covered ones.
const (
	storyTerms     = 8
	storyDominance = 0.7
)

// storyOffTopic is the off-topic bar of a story (storyTerms or more)
// whose best service scores at least 1/storyFloorDominance times every
// other: its incidental words dilute coverage below OffTopic although it
// is about that service ("we import used batteries for recycling, do we
// need an environmental certificate"). Set on the team's sets and the
// read half of a new independent set (68 covered questions): 0.25 at
// 0.7 answered 4 more rightly and 1 more wrongly, at 0.5 one more
// rightly and none wrongly; 0.5 was kept because a wrong answer costs
// more than a handoff. The two tuning sets do not change.
const (
	storyOffTopic       = 0.25
	storyFloorDominance = 0.5
)

// suggestFloor is the coverage from which a question for the state that
// is handed off below the off-topic bar lists the nearest services: a
// long story dilutes its coverage although its best entry is often the
// right one. On the team's two tuning sets and the read halves of two
// independent sets, the best entry was right for 13 of the 20 covered
// questions handed off so at 0.15 or more, 11 of 17 at 0.2 or more;
// 0.2 keeps the list to where it is mostly right. A short question whose
// words the knowledge base partly does not know ("aliment undirish", a
// fifth or more of them) is about those words, and what its other words
// match is no suggestion; a long story's odd unknown word is incidental.
const suggestFloor = 0.2

// unknownWordAnswer is the coverage needed to answer a question that has a
// word the knowledge base does not know at all: that word is often the
// subject (divorce, conscription), and the entry matched only the rest.
// Set on the tuning questions: 0.38 (no extra bar) / 0.45 / 0.5 / 0.6
// answered 67 / 54 / 46 / 38% of the uncovered dev questions from a wrong
// entry and 94.6 / 93.0 / 92.5 / 90.3% of the covered ones right (a
// question not answered is handed off with the closest services listed).
const unknownWordAnswer = 0.45

// placeholders are what connectors/redact puts in place of identifiers.
// They say nothing about the service asked for ("[PASSPORT]" must not
// pull the question towards the passport service), so retrieval does not
// see them.
var placeholders = strings.NewReplacer(redact.Passport, " ", redact.PINFL, " ", redact.Phone, " ", redact.Card, " ", redact.Email, " ")

// labelledIdentifier is a placeholder with the word that introduced it
// ("мой паспорт [PASSPORT]", "JShShIR: [PINFL]", "tel [PHONE]"): a
// citizen who adds a list of their details to a question names the
// documents, and "паспорт", "телефон", "карта" would pull the question
// towards those services and dilute what it asks, so with two or more
// both go before retrieval. (RE2's \b knows ASCII letters only: a label
// starts after a non-letter, so "загранпаспорт" is no "паспорт", and
// stands right before the placeholder.)
var labelledIdentifier = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:(?:мой|моя|мои|my|mening)\s+)?(?:(?:паспорт\p{L}*|pasport\p{L}*|passport|пинфл|pinfl|жшшир|jshshir|инн|stir|телефон\p{L}*|тел|tel|telefon\p{L}*|phone|номер\p{L}*|raqam\p{L}*|number|карт\p{L}*|karta\p{L}*|card|почта|pochta|e-?mail)[\s:№#.,-]{0,4})?(?:` +
	regexp.QuoteMeta(redact.Passport) + `|` + regexp.QuoteMeta(redact.PINFL) + `|` + regexp.QuoteMeta(redact.Phone) + `|` + regexp.QuoteMeta(redact.Card) + `|` + regexp.QuoteMeta(redact.Email) + `)`)

// NewBot returns a bot over s with thresholds th (zero: DefaultThresholds),
// for callers that need decisions without the HTTP service, such as eval.
func NewBot(s Searcher, th Thresholds) *Bot {
	if th == (Thresholds{}) {
		th = DefaultThresholds
	}
	return &Bot{search: s, thresholds: th, phrases: newPhraseBook()}
}

// Decide classifies an already redacted question as the service would.
func (b *Bot) Decide(ctx context.Context, text string) (Decision, error) {
	d, err := b.decide(ctx, text)
	if err != nil {
		return Decision{}, err
	}
	out := Decision{Kind: d.kind, Reason: d.reason, Confidence: d.confidence}
	for _, h := range d.hits {
		out.EntryIDs = append(out.EntryIDs, h.Entry.ID)
	}
	return out, nil
}

func (b *Bot) decide(ctx context.Context, text string) (decision, error) {
	if strings.Contains(text, "[") { // a placeholder: most questions have none
		if len(labelledIdentifier.FindAllStringIndex(text, 3)) >= 2 {
			// A list of the citizen's details: its labels are no subject.
			// One labelled identifier ("Паспорт [PASSPORT] утерян") keeps
			// its label, which is then what the question is about.
			text = labelledIdentifier.ReplaceAllString(text, " ")
		}
		text = placeholders.Replace(text)
	}
	folded := foldForIntent(text)
	if operatorRequest.MatchString(folded) {
		// The services listed with the ticket are the ones the rest of
		// the message asks about; the request itself would find the
		// "authorised economic operator" register.
		d := decision{kind: KindHandoff, outcome: Handoff, reason: ReasonRequested}
		rest := operatorRequest.ReplaceAllString(folded, " ")
		res, err := b.search.Search(ctx, rest, 3)
		if err != nil {
			return decision{}, err
		}
		if len(res.Hits) > 0 && res.Hits[0].Coverage >= b.thresholds.OffTopic {
			d.hits = res.Hits
		}
		return d, nil
	}
	if isGreeting(text) {
		return decision{kind: KindGreeting, outcome: Unanswered}, nil
	}
	if notAServiceQuestion(text, folded) || len(strings.Fields(folded)) <= 4 && abusive(folded) {
		return decision{kind: KindOffTopic, outcome: Unanswered, reason: ReasonRefused}, nil
	}
	if weatherTalk(folded) {
		return decision{kind: KindOffTopic, outcome: Unanswered}, nil
	}
	if bribeReported(folded) {
		// A citizen reporting a bribe asked of them is a matter for a
		// person, whatever an entry's words it shares ("сообщить" is a
		// notification's word).
		return decision{kind: KindHandoff, outcome: Handoff, reason: ReasonNotCovered}, nil
	}
	var res retrieval.Result
	var err error
	if notifyAsk(folded) {
		res, err = b.notificationsFirst(ctx, text)
	} else {
		res, err = b.search.Search(ctx, text, 3)
	}
	if err != nil {
		return decision{}, err
	}
	// Text that gives the bot instructions is refused unless it also asks
	// clearly about a service; then it is answered, and reaches an LLM
	// only as quoted data.
	adversarial := injection.MatchString(folded)
	offTopic := b.thresholds.OffTopic
	if res.Terms >= storyTerms && len(res.Hits) > 1 && dominant(res.Hits, storyFloorDominance) {
		offTopic = min(offTopic, storyOffTopic)
	}
	if len(res.Hits) == 0 || res.Hits[0].Coverage < offTopic || (adversarial && res.Hits[0].Coverage < b.thresholds.Answer) {
		if !adversarial && !abusive(folded) && isGovernmentQuestion(text) {
			// Not an entry of ours, but a question for the state: an
			// operator can help, where a refusal would not. Services
			// near enough to name go with it, for the citizen to try and
			// for the operator to start from.
			if len(res.Hits) > 0 && res.Hits[0].Coverage >= suggestFloor && 5*res.Unknown <= res.Terms {
				return decision{kind: KindHandoff, outcome: Handoff, reason: ReasonLowConfidence, hits: res.Hits, confidence: res.Hits[0].Coverage}, nil
			}
			return decision{kind: KindHandoff, outcome: Handoff, reason: ReasonNotCovered}, nil
		}
		d := decision{kind: KindOffTopic, outcome: Unanswered, hits: res.Hits}
		if adversarial || abusive(folded) {
			d.reason = ReasonRefused
		}
		return d, nil
	}
	d := decision{hits: res.Hits, confidence: res.Hits[0].Coverage}
	// A question told as a story ("my dad passed away last week, how do I
	// get his death certificate") matches few of its words, so its
	// coverage is low even when one service clearly stands out; that
	// service is answered when it outscores every other by dominanceRatio.
	// Adversarial text below the answer threshold was refused above.
	clear := dominant(res.Hits, dominanceFor(res.Terms))
	if d.confidence < b.thresholds.Answer && !clear {
		d.kind, d.outcome, d.reason = KindHandoff, Handoff, ReasonLowConfidence
		return d, nil
	}
	// Instruction-like text brings its own unknown words ("ignore",
	// "instructions"); it was judged above on the answer threshold.
	if ambiguous(res.Hits) && !namesOnlyTheFirst(text, res.Hits) && !closerToTheFirst(text, res.Hits) || (res.Unknown > 0 && !adversarial && d.confidence < unknownWordAnswer && !clear) {
		d.kind, d.outcome, d.reason = KindHandoff, Handoff, ReasonLowConfidence
		return d, nil
	}
	d.kind, d.outcome = KindAnswer, Resolved
	return d, nil
}

// notifyWords ask to be told of an event (an SMS when a fine is imposed,
// a reminder when a vaccination is due), in folded Latin: what the
// portal's life-event notifications (annex 5) answer, where the service
// behind the event (paying the fine, registering the car) shares the
// question's other words and would otherwise win.
var notifyWords = []string{"xabar kel", "xabar ber", "xabarnoma", "eslat", "sms", "uvedom", "opoves", "napomin",
	"notif", "remind", "message", "alert", "let me know"}

// codeWords mark a question about a login code or password sent by SMS,
// which the OneID help answers, not a notification.
var codeWords = []string{"kod", "code", "parol", "password", "vxod", "login", "kirish"}

func notifyAsk(folded string) bool {
	return containsAny(folded, notifyWords) && !containsAny(folded, codeWords)
}

// notificationBoost is how much more a notification entry weighs than a
// service when the question asks to be notified.
const notificationBoost = 1.5

// notificationsFirst searches deeper and weighs the notification entries
// (and the FAQ on notifications) notificationBoost times, so that they
// rank, and are judged clear or ambiguous, above services scoring less
// than that; coverage is left as it is, so a weak match is still handed
// off.
func (b *Bot) notificationsFirst(ctx context.Context, text string) (retrieval.Result, error) {
	res, err := b.search.Search(ctx, text, 6)
	if err != nil {
		return res, err
	}
	for i, h := range res.Hits {
		if h.Entry.Kind == portalkb.KindNotification || h.Entry.ID == "faq-notifications" {
			res.Hits[i].Score *= notificationBoost
		}
	}
	slices.SortStableFunc(res.Hits, func(x, y retrieval.Hit) int { return cmp.Compare(y.Score, x.Score) })
	res.Hits = res.Hits[:min(3, len(res.Hits))]
	return res, nil
}

// dominanceFor is the dominance ratio for a question of terms content
// terms.
func dominanceFor(terms int) float64 {
	if terms >= storyTerms {
		return storyDominance
	}
	return dominanceRatio
}

// dominant reports whether the best entry scores at least 1/ratio times as
// well as the best other service. A lone hit is not dominant: nothing else
// matching says little when the question matched only a few of its words
// ("how do I file for divorce" finds only the e-signature entry).
func dominant(hits []retrieval.Hit, ratio float64) bool {
	for _, h := range hits[1:] {
		if !slices.Contains(hits[0].Entry.Same, h.Entry.ID) {
			return h.Score <= ratio*hits[0].Score
		}
	}
	return false
}

// namesOnlyTheFirst reports a question that holds every word of the best
// entry's title, in one of its language forms, and not every word of the
// runner-up's: "Bolalar nafaqasi qanday olinadi?" names the child-benefit
// entry, whatever the other benefits score on "bolalar" and "nafaqa".
func namesOnlyTheFirst(text string, hits []retrieval.Hit) bool {
	q := map[string]bool{}
	for _, t := range retrieval.Terms(nil, text) {
		q[t] = true
	}
	return titleIn(q, hits[0].Entry) && !titleIn(q, hits[1].Entry)
}

// closerToTheFirst reports a question that holds at least a quarter of the best
// entry's title terms, in one of its language forms, and at least twice
// the share it holds of the runner-up's: of two entries that match its
// words equally, it names the first ("Tugʻilganlik haqida guvohnoma
// qanday olinadi?" the birth certificate, not the registration of a birth
// abroad, whose title also holds those words among many others). Set on
// the team's two tuning sets and the read halves of two independent sets:
// a quarter and twice answered 1 + 2 more covered questions rightly and
// none wrongly; 1.5 times answered one more, kept out for the margin.
// A title shares two words or more with the question to count: one
// ("nafaqa", benefit) names none of the benefits, and a red team's
// "Нафақа қандай олинади?" was answered with the child benefit.
func closerToTheFirst(text string, hits []retrieval.Hit) bool {
	q := map[string]bool{}
	for _, t := range retrieval.Terms(nil, text) {
		q[t] = true
	}
	a, b := titleShare(q, hits[0].Entry), titleShare(q, hits[1].Entry)
	return a >= 0.25 && a >= 2*b
}

// titleShare is the largest share of one of e's titles' terms that q holds.
func titleShare(q map[string]bool, e *portalkb.Entry) float64 {
	best := 0.0
	for _, lang := range portalkb.Langs {
		ts := retrieval.Terms(nil, e.In(lang).Title)
		if len(ts) == 0 {
			continue
		}
		n := 0
		for _, t := range ts {
			if q[t] {
				n++
			}
		}
		if n < 2 {
			continue // one shared word ("nafaqa") names no title
		}
		best = max(best, float64(n)/float64(len(ts)))
	}
	return best
}

// titleIn reports whether q holds every term, two or more, of one of e's
// titles.
func titleIn(q map[string]bool, e *portalkb.Entry) bool {
	for _, lang := range portalkb.Langs {
		ts := retrieval.Terms(nil, e.In(lang).Title)
		if len(ts) >= 2 && !slices.ContainsFunc(ts, func(t string) bool { return !q[t] }) {
			return true
		}
	}
	return false
}

// ambiguous reports whether a different service scores nearly as well as
// the best one: answering from either would be a guess, and a confident
// answer about the wrong service is the worst outcome, so the citizen is
// shown both and offered an operator.
func ambiguous(hits []retrieval.Hit) bool {
	if len(hits) < 2 {
		return false
	}
	a, b := hits[0], hits[1]
	if slices.Contains(a.Entry.Same, b.Entry.ID) {
		return false
	}
	return b.Score >= ambiguityRatio*a.Score
}
