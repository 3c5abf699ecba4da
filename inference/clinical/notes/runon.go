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
	}
	topicClosers = []string{
		"shikoyat qiladi", "shikoyat qilmoqda", "shikoyat qilyapti",
		"deb hisoblayman", "deb o'ylayman", "deb baholandi", "deb hisoblanadi",
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
	"kolika", "kamen", "konkrement", "chayqalish", "sotryasenie", "vivix", "chiqishi", "opuxol", "o'sma",
}

// verbsLikeDiseases end like "-ит" diseases but are complaints.
var verbsLikeDiseases = map[string]bool{"toshnit": true, "znobit": true, "bespokoit": true, "bolit": true, "svisit": true, "lomit": true}

// diseaseShaped reports a word that looks like a disease name: an
// inflammation ("-ит", "-it") or a condition ("-оз", "-oz") of seven
// letters or more, or one of diseaseWords.
func (o *Offline) diseaseShaped(text string, toks []token, from, to int) bool {
	if containsPhrase(o.diseases, toks, from, to) {
		return true
	}
	for i := from; i < to; i++ {
		t := toks[i]
		if t.kind != wordTok || len(t.norm) < 7 || verbsLikeDiseases[t.norm] || strings.HasSuffix(text[t.start:t.end], "ь") {
			continue // a Russian infinitive ("кипятить") is an instruction
		}
		for _, suf := range []string{"it", "iti", "ita", "itom", "oz", "oza", "ozi", "ozom"} {
			if strings.HasSuffix(t.norm, suf) && !strings.HasSuffix(t.norm, "diagnoz") {
				return true
			}
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
