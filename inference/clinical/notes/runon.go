package notes

import "strings"

// Dictation often comes as one run-on sentence. These words open a new
// topic wherever they stand, so the sentence is split before them
// (openers) or after them (closers: Uzbek puts the verb last,
// "... shikoyat qiladi", "... deb hisoblayman").
var (
	topicOpeners = []string{
		// examination
		"ko'rikda", "korikda", "kўrikda", "при осмотре", "tekshirilganda", "tekshiruvda", "объективно",
		// assessment
		"думаю", "похоже на", "расценено как", "расценивается как", "вероятнее всего",
		// plan
		"назначаю", "назначено", "рекомендую", "рекомендовано", "tavsiya etiladi",
		// history
		"в анамнезе", "anamnezida", "раньше принимал", "ранее принимал", "ilgari",
		"связывает с", "до этого", "аллергия на",
		// examination of the affected part
		"локально", "status localis", "локальный статус",
	}
	topicClosers = []string{
		"shikoyat qiladi", "shikoyat qilmoqda", "shikoyat qilyapti",
		"deb hisoblayman", "deb o'ylayman", "deb baholandi", "deb hisoblanadi",
		"bilan bog'laydi", "bilan bog'lashadi",
	}
	// assessmentVerbs make a sentence a diagnosis: "думаю ...", "...
	// deb hisoblayman".
	assessmentVerbs = []string{"думаю", "похоже на", "расценено", "расценивается", "вероятнее всего",
		"deb hisoblayman", "deb o'ylayman", "deb baholandi", "tashxis qo'yildi", "диагностирован"}
)

// diseaseWords name a disease or a diagnostic category; a short sentence
// without a heading or another cue that holds one is the assessment
// ("Острый цистит.", "Temir tanqisligi anemiyasi.").
var diseaseWords = []string{
	"kasalligi", "kasallik", "bolezn", "sindrom", "orvi", "orz", "gerb", "xobl", "ibs", "xsn", "sd", "gb",
	"diabet", "pnevmoniya", "zotiljam", "anemiya", "kamqonlik", "dismenoreya", "gipertoniya", "gipertenziya",
	"lyumbalgiya", "nevralgiya", "radikulopatiya", "migren", "angina", "gripp", "astma", "infektsiya",
	"infeksiya", "krapivnitsa", "eshakemi", "dekompensatsiya", "xavfi", "ugroza", "rvota beremennix",
	"tuberkulyoz", "sil kasalligi", "insult", "infarkt", "stenokardiya", "fibrillyatsiya", "yara", "yazva",
	"shikast", "travma", "sinish", "perelom", "ushib", "lat yeyish", "toksikoz", "semizlik", "ojirenie",
	"kriz", "epilepsi", "gerpes", "abstsess", "absess", "kolika", "kamen", "konkrement", "chayqalish", "sotryasenie", "vivix", "chiqishi", "opuxol", "o'sma",
	// "отит" is too short for the "-ит" shape; childhood infections
	// have names of their own
	"otit", "rinit", "ринит", "suvchechak", "ветрян", "qizamiq", "корь", "кори", "qizilcha", "краснух", "скарлатин",
	"koklyush", "коклюш",
	// an episode of a mental disorder, an injury named as such,
	// shingles in Uzbek ("белбоғсимон темиратки")
	"эпизод", "epizod", "повреждени", "povrejdeni", "разрыв", "razriv", "temiratki",
	// Uzbek names of their own: colic ("buyrak sanchig'i", not the
	// adjective "sanchiqli"), pulmonary tuberculosis ("o'pka sili")
	"sanchig'i", "o'pka sili", "glaukoma", "глауком",
	// a deficiency: "D vitamini yetishmovchiligi", "дефицит железа"
	"etishmovchilig", "yetishmovchilig", "tanqislig", "дефицит", "недостаточност",
	// a grade of severity is said only of a diagnosis ("среднетяжёлая
	// форма", "o'rta og'ir shakl"); "shakl" alone is also a shape
	// ("tizzalar shakli o'zgargan")
	"og'ir shakl", "yengil shakl", "тяжелая форма", "тяжёлая форма", "легкая форма", "лёгкая форма",
	"среднетяжелая форма", "среднетяжёлая форма", "тяжелой формы", "тяжёлой формы",
}

// notDiseases begin like a disease word but name a finding: "болезненный"
// is not "болезнь".
var notDiseases = []string{"болезненн", "болезненност", "нитрит",
	// signs shaped like "-оз" diseases: cyanosis
	"цианоз", "акроцианоз", "sianoz", "akrosianoz",
	// sugars end like "-оз" diseases
	"глюкоз", "лактоз", "фруктоз", "сахароз", "glyukoz", "laktoz"}

// verbsLikeDiseases end like "-ит" diseases but are complaints.
var verbsLikeDiseases = map[string]bool{"toshnit": true, "znobit": true, "bespokoit": true, "bolit": true, "svisit": true, "lomit": true}

// diseaseShaped reports a word that looks like a disease name: an
// entry of diseaseWords, or a Russian or Uzbek "-ит"/"-оз" noun.
func (o *Offline) diseaseShaped(text string, toks []token, from, to int) bool {
	for i := from; i < to; i++ {
		if o.diseaseAt(text, toks, i, to) {
			return true
		}
	}
	return false
}

// diseaseAt reports a disease name starting at toks[i] and ending before
// to.
func (o *Offline) diseaseAt(text string, toks []token, i, to int) bool {
	t := toks[i]
	if t.kind != wordTok || hasAnyPrefix(t.norm, o.notDiseases...) {
		return false
	}
	for _, p := range o.diseases {
		if n := p.matchAt(toks, i); n > 0 && i+n <= to {
			return true
		}
	}
	if verbsLikeDiseases[t.norm] || strings.HasSuffix(text[t.start:t.end], "ь") {
		return false // a Russian infinitive ("кипятить") is an instruction
	}
	return diseaseSuffixed(t.norm)
}

// diseaseSuffixed reports a normalised word of seven letters or more
// shaped like a disease: a Russian or Uzbek "-ит" (inflammation) or "-оз"
// noun, "аппендицит", "pankreatit", "артроз".
func diseaseSuffixed(w string) bool {
	if len(w) < 7 || strings.HasSuffix(w, "diagnoz") {
		return false
	}
	for _, suf := range []string{"it", "iti", "ita", "itom", "oz", "oza", "ozi", "ozom"} {
		if stem, ok := strings.CutSuffix(w, suf); ok && !(suf[0] == 'i' && strings.HasSuffix(stem, "ots")) {
			// "-оцит" is a cell ("лейкоциты", "эритроцитов"), counted
			// in a finding, not a disease; "аппендицит" is one.
			return true
		}
	}
	return false
}

// maxAssessmentWords bounds the sentence that diseaseShaped may classify:
// a diagnosis is said in a few words.
const maxAssessmentWords = 10

func wordCount(toks []token, from, to int) int {
	n := 0
	for i := from; i < to; i++ {
		if toks[i].kind == wordTok {
			n++
		}
	}
	return n
}
