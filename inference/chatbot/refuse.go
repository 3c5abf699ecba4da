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
	forgedDocument = regexp.MustCompile(`(fake|forged|counterfeit|fraudulent|поддельн|фальшив|фиктивн|липов|qalbaki|soxta|қалбаки|сохта)\S*\s+(\S+\s+)?(diplom|диплом|справк|spravka|guvohnoma|гувоҳнома|certificate|сертификат|passport|паспорт|pasport|licen[cs]e|лиценз|litsenziya|driving|права|haydovchilik|ҳайдовчилик|attestat|аттестат|hujjat|ҳужжат|document|документ|ma'lumotnoma|маълумотнома|свидетельств|083|086|больничн|vaccin|вакцин)`)
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
		othersData(folded) || bypassAsk(folded) || bribeOffer(text, folded)
}

// The rules below read folded text (Cyrillic in Latin letters, lower case,
// no apostrophes), so one pattern serves Uzbek in both scripts, and
// Russian as it transliterates ("взятку" is "vzyatku").

// forgingVerb is a verb of forging ("подделать справку",
// "ma'lumotnomani qalbakilashtirish"): unlike the adjective, it says the
// asker means to make one. A victim's verbs ("someone falsified my
// signature", "fabricated a case") are not in it. forgeryVerbs are its
// cheap first test.
var (
	forgeryVerbs = []string{"poddel", "qalbakilashtir", "soxtalashtir", "forge "}
	forgingVerb  = regexp.MustCompile(`\b(poddel(at|ivat|ayu|aet)\w*|qalbakilashtir\w*|soxtalashtir\w*|forge (a|an|the|my)\b)`)
)

// othersData is a request for another person's data (a neighbour's
// passport number, the phones registered to an ex-wife, a car owner's
// address): the portal gives each citizen their own data only, and an
// answer citing a service would suggest it gives out others'. The other
// person must own the data in the words themselves (Uzbek genitive
// "qo'shnimning", Russian "адрес соседа", English "my neighbour's",
// "registered to my ex-wife", "who owns"), with a word for the data and
// one for finding it out; so "my neighbour floods my flat", "бывшая жена
// не платит алименты" and "I am the owner of the flat" stay questions.
var (
	othersWho = regexp.MustCompile(`\b(qoshni\w*ning|sobiq (xotin|er)\w*ning|kuyov\w*ning|kelin\w*ning|(boshqa|begona|shu|bu) (odam|kishi)\w*ning|egasi\w*ning|soseda|sosedki|sosedey|sosedu|bivsh\w* (jeni|jene|jenu|jenoy|muja|muju|mujem)|zyatya|nevesti|drugogo cheloveka|etogo cheloveka|chujo\w*|chujie|chujix)\b` +
		`|\b(neighbou?rs|ex-?(wife|husband|girlfriend|boyfriend)s|(son|daughter|sister|brother)-in-laws|someone elses|another persons|other peoples|(boy|girl)friends) (\w+ )?(passport|phone|mobile|number|address|salary|debt|tax|criminal|propert|application|sim|id)` +
		`|\b(registered|belong\w*) (to|in) (my |the |his |her )?(neighbou?r|ex-?(wife|husband))|\b(passport|phone|number|address|salary|debts?|criminal record|property|applications?) of (my |the |his |her |our )?(\w+ )?(neighbou?r|ex-?(wife|husband)|boyfriend|girlfriend|(son|daughter|sister|brother)-in-law|colleague)|\b(the|this|that) person (with|whose)\b|\bwho owns\b|\bwhose (car|flat|house|number|phone|plate)\b|\bkimniki\b|\bkomu prinadlej\w*`)
	othersWhat = regexp.MustCompile(`\b(pasport\w*|passport\w*|telefon\w*|phones?\b|mobile|nomer\w*|raqam\w*|manzil\w*|adres\w*|address|oylig\w*|oylik\w*|zarplat\w*|salary|qarz\w*|dolg\w*|debts?\b|tax\w*|sudlangan\w*|sudimost\w*|criminal record|nedvijimost\w*|property|medosmotr\w*|jshshir|pinfl|zayavleni\w*|ariza\w*|applications?\b|murojaat\w*|sim\b|plate)`)
	findOut    = regexp.MustCompile(`\b(bil(sam|ib|moqchi|ay)\w*|qaysi|kaki(y?e|x)|kakoy|kakaya|which|what|topib|olib ber\w*|korsat\w*|aytib|ayting|uzna\w*|nayti|naydite|skaji\w*|pokaji\w*|podskaji\w*|dayte|day|find|tell me|show me|give me|check|look up|kimniki|prinadlej\w*|who owns|whose)\b`)
)

// whoWords are othersWho's cheap first test: the regular expressions cost
// microseconds, and most questions name nobody else.
var whoWords = []string{" of my ", " of the ", "qoshni", "sosed", "neighbo", "sobiq", "bivsh", "ex-", "exwife", "exhusband", "kuyov", "kelin", "zyat",
	"nevest", "in-law", "boyfriend", "girlfriend", "boshqa", "begona", "drugogo", "etogo", "chuj", "someone", "another person",
	"other people", "egasi", " person", "shu odam", "bu odam", "who owns", "whose", "kimniki", "prinadlej"}

func othersData(folded string) bool {
	return containsAny(folded, whoWords) && othersWho.MatchString(folded) && othersWhat.MatchString(folded) && findOut.MatchString(folded)
}

// othersInFollowUp is a follow-up that turns the answer before it to
// another person ("and in my neighbour's name?" after the phones
// registered to oneself): the data and the finding out were in the first
// question, the other owner is in this one.
func othersInFollowUp(folded string) bool {
	return containsAny(folded, whoWords) && (othersWho.MatchString(folded) || otherOwner.MatchString(folded))
}

// otherOwner is another person named as an owner in a follow-up, where
// the data word is in the question before it.
var otherOwner = regexp.MustCompile(`\b(qoshni\w*|soseda|sosedki|sosedu|sosedey|neighbou?rs?|ex-?(wife|husband)s?|bivsh\w*|sobiq (xotin|er)\w*|chujo\w*|chujie|someone elses?|another persons?|other peoples?)\b`)

// bypass asks for a document without the exam or inspection it rests on
// ("права без экзамена", "imtihonsiz haydovchilik guvohnomasi", "register
// my car without the technical inspection"), or for another person's
// check-up or record without their consent. A document must be named:
// olympiad winners enter university without exams, and some citizens
// are served without a queue.
var (
	bypassWords = []string{"bez ", "imtihonsiz", "texosmotrsiz", "without"}
	bypass      = regexp.MustCompile(`\bbez (sdachi )?(ekzamen\w*|texosmotr\w*|medosmotr\w*)|\bbez (yego|yeyo|yee|ix) (soglasiya|vedoma)\b|\b(imtihonsiz|texosmotrsiz)\b|without (passing |taking |any )?(the |an |a )?(exams?\b|driving test|technical inspection|inspection|medical check|seeing a doctor)|without (his|her|their) (consent|knowledge)`)
	bypassDoc   = regexp.MustCompile(`\b(prav\w*|voditel\w*|guvohnoma\w*|haydovchi\w*|licen[cs]e|driving|spravk\w*|malumotnoma\w*|certificate|sertifikat\w*|diplom\w*|attestat\w*|regist\w*|royxat\w*|uchet\w*|086|083|sudimost\w*|medosmotr\w*|criminal|record)`)
)

// queueJump is a queue skipped through someone one knows ("без очереди,
// через знакомых", "navbatsiz, tanish orqali"); an acquaintance alone is
// not ("нашёл квартиру через знакомых").
var queueJump = regexp.MustCompile(`(ochered\w*|navbat\w*|queue).{0,40}(cherez znakom\w*|tanish orqali|po blatu)|(cherez znakom\w*|tanish orqali|po blatu).{0,40}(ochered\w*|navbat\w*|queue)`)

func bypassAsk(folded string) bool {
	return containsAny(folded, bypassWords) && bypass.MatchString(folded) && bypassDoc.MatchString(folded) ||
		containsAny(folded, queueWords) && queueJump.MatchString(folded)
}

var queueWords = []string{"znakom", "tanish orqali", "po blatu"}

// bribe is a word for a bribe, folded; bribeReport is what a citizen
// says who was asked for one and wants to report it, which goes to an
// operator like any question for the state, not refused. Uzbek "pora"
// (a bribe) is Russian "пора" (it is time): it counts only in an Uzbek
// construction ("pora bersam", "qancha pora", "poraga") and in text that
// is not Russian. bribeWords are the patterns' cheap first test.
var (
	bribeWords = []string{"pora", "vzyatk", "brib", "pod stolom", "zanesti deng", "slip", "grease", "under the table", "sunut", "otblagodar"}
	bribe      = regexp.MustCompile(`\b(vzyatk\w*|brib\w*|pod stolom|zanesti deng\w*|under the table|grease (his|her|their|the|an?) \w*\s?palms?|` +
		// money slipped to an official: "how much cash should I slip the inspector"
		`slip (him|her|them|the \w+|an? \w+)( \w+)? (some )?(cash|money)|slip (some )?(cash|money)|(cash|money) (should|do|can|would|must) (i|we) slip|` +
		`(sunut|otblagodar)\w* (inspektor|chinovnik|sotrudnik|rabotnik)\w*)`)
	poraWord    = regexp.MustCompile(`\b(pora ber\w*|pora bil\w*|poraga|porani|poraning|qancha pora|pora evaziga|poraxor\w*)`)
	bribeReport = regexp.MustCompile(`(soradi|sorayapti|sorashdi|trebu|vimoga|prosil|asked (me )?for|asking (me )?for|demand|report|shikoyat|jalob|complain|soobsh|xabar ber|punish|nakazan|otvetstvennost|jazo)`)
)

// insults are words of abuse, folded: a message of them with no question
// the bot can answer is refused with the polite redirect, not handed to an
// operator because it names a ministry. insult matches them as words.
var (
	insults = []string{"idiot", "durak", "tupo", "bespolezn", "jelezk", "urod", "ahmoq", "axmoq", "tentak", "befoyda", "stupid", "useless", "moron", "dumb"}
	insult  = regexp.MustCompile(`\b(idiot\w*|durak\w*|dura\b|tup(oy|aya|ye|ie)\b|bespolezn\w*|jelezk\w*|urod\w*|ahmoq\w*|axmoq\w*|tentak\w*|befoyda\b|stupid|useless|moron\w*|dumb)`)
)

func abusive(folded string) bool {
	return containsAny(folded, insults) && insult.MatchString(folded)
}

func bribeOffer(text, folded string) bool {
	if containsAny(folded, fastWords) && bribeFast.MatchString(folded) {
		return true
	}
	if !containsAny(folded, bribeWords) || bribeReport.MatchString(folded) {
		return false
	}
	return bribe.MatchString(folded) || poraWord.MatchString(folded) && language.Detect(text) != language.Ru
}

// bribeReported is a bribe the citizen reports: asked of them, or to be
// told to someone.
func bribeReported(folded string) bool {
	return containsAny(folded, bribeWords) && (bribe.MatchString(folded) || poraWord.MatchString(folded)) && bribeReport.MatchString(folded)
}

// bribeFast is money given to someone to have a document sooner ("na
// lapu", "kimga pul berish kerak ... tezroq"): "to whom do I pay the fee"
// alone is an ordinary question. fastWords are its cheap first test.
var (
	fastWords = []string{"lapu", "tez", "bistr", "bystr", "navbatsiz", "bez ochered", "faster", "quicker", "sooner"}
	bribeFast = regexp.MustCompile(`\bna lapu\b|(tezroq|tezda|navbatsiz|bi?ystree|bez ochered\w*|faster|quicker|sooner)\b.{0,60}\b(kimga pul ber\w*|komu (nado |nujno )?(dat|zaplatit)\w*|who (do i|should i|to) pay)|\b(kimga pul ber\w*|komu (nado |nujno )?(dat|zaplatit)\w*|who (do i|should i|to) pay)\b.{0,60}\b(tezroq|tezda|navbatsiz|bi?ystree|bez ochered\w*|faster|quicker|sooner)`)
)
