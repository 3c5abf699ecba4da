package chatbot

import (
	"regexp"
	"strings"

	"github.com/oqim/oqim/models/language"
)

// opinionAsk and politics together are a request for the bot's own view
// on politics (whom to vote for, which president was best), which a
// state service must not give: it is refused as off-topic, even though
// "election" or "government" would otherwise make it a question for an
// operator. Either alone is ordinary ("which polling station do I vote
// at", "do you think I need a permit"). Lower case, both scripts.
var (
	opinionAsk = regexp.MustCompile(`(your (honest |personal |own |real )?(opinion|view|views)|what do you think|do you think|in your view|who should i vote|do you support|who was the best|who is the best|как ты считаешь|как вы считаете|тво[её] мнение|ваше мнение|что ты думаешь|что вы думаете|за кого голосовать|кто был лучшим|кто лучше|sen(ing)?cha|sizningcha|sence|fikring|fikringiz|fikringni|fikringizni|nima deb o.ylaysan|kimga ovoz|сенингча|сизнингча|сенча|фикринг|фикрингиз|фикрингни|кимга овоз)`)
	politics   = []string{"vote", "voting", "election", "president", "government", "party", "parties", "candidate", "politic", "minister", "parliament", "opposition", "выбор", "голос", "президент", "правительств", "власт", "парти", "кандидат", "политик", "оппозиц", "парламент", "министр", "saylov", "ovoz", "prezident", "hukumat", "xukumat", "partiya", "nomzod", "siyosat", "siyosiy", "deputat", "vazir", "сайлов", "овоз", "ҳукумат", "хукумат", "партия", "номзод", "сиёсат", "сиёсий", "депутат", "вазир"}
)

func politicalOpinion(text string) bool {
	t := strings.ToLower(text)
	return containsAny(t, politics) && opinionAsk.MatchString(t)
}

// forgedDocument (a forgery word right before a document: "fake 083
// certificate", "поддельную справку", "soxta haydovchilik guvohnomasi")
// with an obtaining verb asks how to get a forged document, which is
// refused whatever service it names. A victim's question is not: "a fake
// SMS", "поддельный товар", "soxta sayt" name no document, and "someone
// made a fake certificate in my name" has no verb of getting. forgery is
// its cheap first test. Lower case, both scripts.
var (
	forgery        = []string{"fake", "forged", "counterfeit", "fraudulent", "поддел", "фальшив", "фиктивн", "липов", "qalbaki", "soxta", "қалбаки", "сохта"}
	forgedDocument = regexp.MustCompile(`(fake|forged|counterfeit|fraudulent|поддельн|фальшив|фиктивн|липов|qalbaki|soxta|қалбаки|сохта)\S*\s+(\S+\s+){0,2}(diplom|диплом|справк|spravka|guvohnoma|гувоҳнома|certificate|сертификат|passport|паспорт|pasport|licen[cs]e|лиценз|litsenziya|driving|права|haydovchilik|ҳайдовчилик|attestat|аттестат|hujjat|ҳужжат|document|документ|ma'lumotnoma|маълумотнома|свидетельств|083|086|больничн|vaccin|вакцин)`)
	obtain         = []string{"get ", "buy ", "make ", "obtain", "olish", "olsa", "olib", "olaman", "qilib", "sotib", "qildir", "получить", "купить", "сделать", "достать", "оформить", "олиш", "олса", "олиб", "оламан", "қилиб", "сотиб", "қилдир"}
)

// writingVerbs are what a request to compose a text must say; only a
// text with one goes through writingAsk, which costs tens of microseconds.
var writingVerbs = []string{"write", "напиш", "сочин", "yozib", "ёзиб", "to'qib", "тўқиб"}

// writingAsk is a request to compose a text (an essay, a post, a poem, a
// joke): not a question about a service, even when it names an official
// ("write a harsh post about the district governor"). Lower case, both
// scripts.
// The genres are whole words ("постоянная", "postpone", "history" are
// not a post, a poem or a story), and not words a request about a law
// uses too ("статья", an article of it) or a name ("Latifa").
var writingAsk = regexp.MustCompile(`(write|напиши|написать|сочини|yozib ber|ёзиб бер|to'qib ber|тўқиб бер).{0,40}` + genre + `|` + genre + `.{0,40}(write|напиши|написать|yozib ber|ёзиб бер)`)

const genre = `(?:^|[^\p{L}'])(post|пост|essay|сочинени\p{L}*|insho|иншо|she'r|sher|шеър|стих|стихи|стихотворени\p{L}*|poem|maqola|мақола|анекдот|joke|hikoya|ҳикоя|рассказ|story|song|qo'shiq|қўшиқ|песн\p{L}*)(?:[^\p{L}']|$)`

// notAServiceQuestion reports text the bot refuses whatever it matches:
// its own political opinion, a forged document, a text to compose,
// another person's data, a way round an exam, an inspection or someone's
// consent, a bribe to give. folded is the text as foldForIntent gives it.
func notAServiceQuestion(text, folded string) bool {
	t := strings.ToLower(text)
	return politicalOpinion(text) || containsAny(t, forgery) && forgedDocument.MatchString(t) && containsAny(t, obtain) ||
		containsAny(folded, forgeryVerbs) && forgingVerb.MatchString(folded) ||
		containsAny(t, writingVerbs) && writingAsk.MatchString(t) ||
		othersData(folded) || containsAny(folded, bypassWords) && bypass.MatchString(folded) || bribeOffer(text, folded)
}

// The rules below read folded text (Cyrillic in Latin letters, lower case,
// no apostrophes), so one pattern serves Uzbek in both scripts, and
// Russian as it transliterates ("взятку" is "vzyatku").

// forgingVerb is a verb of forging ("подделать справку",
// "ma'lumotnomani qalbakilashtirish"): unlike the adjective, it says the
// asker means to make one. forgeryVerbs are its cheap first test.
var (
	forgeryVerbs = []string{"poddel", "qalbakilashtir", "soxtalashtir", "falsif", "forge", "fabricat"}
	forgingVerb  = regexp.MustCompile(`\b(poddel(at|ivat|ayu|aet)\w*|qalbakilashtir\w*|soxtalashtir\w*|falsif(y|ied|ying)|forge (a|an|the|my|his|her)\b|fabricate)`)
)

// othersData is a request for another person's data (a neighbour's
// passport number, the phones registered to an ex-wife, a car owner's
// address): the portal gives each citizen their own data only, and an
// answer citing a service would suggest it gives out others'. Who, what
// and a verb of finding out must all be there, so "my neighbour floods
// my flat" or "my ex-wife does not pay alimony" stay questions.
var (
	othersWho  = regexp.MustCompile(`\b(qoshni\w*|sosed\w*|neighbou?rs?\b|sobiq (xotin|er)\w*|bivsh\w* (jen|muj)\w*|ex[- ]?(wife|husband|girlfriend|boyfriend)s?\b|kuyov\w*|zyat\w*|nevest\w*|(son|daughter|sister|brother)[- ]in[- ]law|boyfriend|girlfriend|boshqa (odam|kishi)\w*|drugogo cheloveka|chuj\w*|someone else\w*|another person\w*|other people\w*|egasi\w*|vladel\w*|owners?\b|who owns|whose|kimniki|prinadlej\w*|(the|this|that) person|etogo cheloveka|(shu|bu) odam\w*)`)
	othersWhat = regexp.MustCompile(`\b(pasport\w*|passport\w*|telefon\w*|phones?\b|mobile|nomer\w*|raqam\w*|manzil\w*|adres\w*|address|propisk\w*|oylig\w*|oylik\w*|zarplat\w*|salary|qarz\w*|dolg\w*|debts?\b|sudlangan\w*|sudimost\w*|criminal record|nedvijimost\w*|property|medosmotr\w*|jshshir|pinfl|zayavleni\w*|ariza\w*|applications?\b|murojaat\w*)`)
	findOut    = regexp.MustCompile(`\b(bil(sam|ib|moqchi|ay)\w*|qaysi|kaki(e|x)|kakoy|which|what|topib|olib ber\w*|korsat\w*|aytib|ayting|uzna\w*|nayti|naydite|skaji\w*|pokaji\w*|podskaji\w*|dayte|find|tell me|show me|give me|check|look up|know|kimniki|prinadlej\w*|whos|who owns|whose)`)
)

// whoWords are othersWho's cheap first test: the regular expressions cost
// microseconds, and most questions name nobody else.
var whoWords = []string{"qoshni", "sosed", "neighbo", "sobiq", "bivsh", "ex-", "ex ", "exwife", "exhusband", "kuyov", "zyat",
	"nevest", "in-law", "in law", "boyfriend", "girlfriend", "boshqa", "drugogo", "chuj", "someone", "another person",
	"other people", "egasi", "vladel", "owner", "who owns", "whose", "kimniki", "prinadlej", " person", "cheloveka", " odam"}

func othersData(folded string) bool {
	return containsAny(folded, whoWords) && othersWho.MatchString(folded) && othersWhat.MatchString(folded) && findOut.MatchString(folded)
}

// bypass asks for a document without the exam, inspection or consent it
// rests on ("права без экзамена", "imtihonsiz guvohnoma", "register my car
// without the technical inspection"), or to jump a queue through someone
// one knows. A queue alone is not: some citizens are served without one.
var bypassWords = []string{"bez ", "imtihonsiz", "texosmotrsiz", "roziligisiz", "without", "skip", "jump", "bypass", "oboyti",
	"cherez znakom", "tanish orqali", "i know someone"}

var bypass = regexp.MustCompile(`\bbez (ekzamen\w*|texosmotr\w*|medosmotr\w*|((yego|yeyo|yee|ix) )?(soglasiya|vedoma))\b|\b(imtihonsiz|texosmotrsiz|roziligisiz)\b|without (passing |taking |any )?(the |an |a )?(exams?\b|driving test|technical inspection|inspection|medical check|seeing a doctor)|without (his|her|their) (consent|knowledge)|\b(skip|jump|bypass) (the )?(queue|line)\b|oboyti ochered|cherez znakom\w*|tanish orqali|i know someone`)

// bribe is a word for a bribe, folded; bribeReport is what a citizen
// says who was asked for one and wants to report it, which goes to an
// operator like any question for the state, not refused. Uzbek "pora"
// (a bribe) is Russian "пора" (it is time), so it counts only in text
// that is not Russian; bribeWords are the pattern's cheap first test.
var (
	bribeWords  = []string{"pora", "vzyatk", "brib", "under the table", "pod stolom", "zanesti deng"}
	bribe       = regexp.MustCompile(`\b(vzyatk\w*|brib\w*|under the table|pod stolom|zanesti deng\w*)`)
	poraWord    = regexp.MustCompile(`\bpora(\b|[gnlxd]\w*)`)
	bribeReport = regexp.MustCompile(`(soradi|sorayapti|sorashdi|trebu|vimoga|prosil|asked|asking|demand|report|shikoyat|jalob|complain|soobsh|xabar ber|murojaat|obratit)`)
)

func bribeOffer(text, folded string) bool {
	if !containsAny(folded, bribeWords) || bribeReport.MatchString(folded) {
		return false
	}
	return bribe.MatchString(folded) || poraWord.MatchString(folded) && language.Detect(text) != language.Ru
}
