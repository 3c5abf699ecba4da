package chatbot

import (
	"github.com/oqim/oqim/models/portalkb"
)

// phrases are the chatbot's own sentences in one language form.
type phrases struct {
	who, documents, fee, processing, how, source, seeAlso                                           string
	greeting, offTopic, empty, lowConfidence, notCovered, handoff, handoffNoTicket, ticket, tooLong string
}

// uzLatnPhrases is transliterated for uz-Cyrl (see newPhrases), so the
// Uzbek wording lives in one place.
var uzLatnPhrases = phrases{
	who:             "Kim murojaat qilishi mumkin",
	documents:       "Hujjatlar",
	fee:             "Toʻlov",
	processing:      "Muddat",
	how:             "Qanday ariza beriladi",
	source:          "Manba",
	seeAlso:         "Shuningdek qarang",
	greeting:        "Assalomu alaykum! Men Yagona portal (my.gov.uz) yordamchisiman. Qaysi davlat xizmati haqida bilmoqchisiz? Operator kerak boʻlsa, “operator” deb yozing yoki 1242 ga qoʻngʻiroq qiling.",
	offTopic:        "Kechirasiz, men faqat Yagona portal (my.gov.uz) davlat xizmatlari boʻyicha savollarga javob beraman. Savolingizni xizmat nomi bilan yozing yoki 1242 call-markaziga qoʻngʻiroq qiling.",
	empty:           "Savolingizni yozing, masalan: “QQSni qanday qaytarib olaman?”",
	notCovered:      "Bu savol boʻyicha bilim bazamda (qarorlarda nomlangan xizmatlar va portal boʻyicha yordam) maʼlumot yoʻq, shuning uchun taxminiy javob bermayman.",
	lowConfidence:   "Savolingizga bilim bazasidan aniq javob topa olmadim. Ehtimol sizga quyidagi xizmatlar kerak:",
	handoff:         "Savolingizni 1242 call-markazi operatoriga uzatdim; operator shu suhbatni koʻradi. Tezroq javob kerak boʻlsa, 1242 ga qoʻngʻiroq qiling va murojaat raqamini ayting.",
	handoffNoTicket: "Hozir operatorga avtomatik uzata olmadim. Iltimos, 1242 call-markaziga qoʻngʻiroq qiling; operatorlar yordam beradi.",
	ticket:          "Murojaat raqami",
	tooLong:         "Xabar juda uzun. Iltimos, savolingizni qisqaroq yozing.",
}

var ruPhrases = phrases{
	who:             "Кто может обратиться",
	documents:       "Документы",
	fee:             "Оплата",
	processing:      "Срок",
	how:             "Как подать",
	source:          "Источник",
	seeAlso:         "См. также",
	greeting:        "Здравствуйте! Я помощник Единого портала (my.gov.uz). О какой госуслуге вы хотите узнать? Если нужен оператор, напишите «оператор» или позвоните 1242.",
	offTopic:        "Извините, я отвечаю только на вопросы о госуслугах Единого портала (my.gov.uz). Напишите вопрос с названием услуги или позвоните в колл-центр 1242.",
	empty:           "Напишите ваш вопрос, например: «Как вернуть НДС?»",
	notCovered:      "Об этом в моей базе знаний (услуги, названные в постановлениях, и справка по порталу) сведений нет, поэтому гадать не буду.",
	lowConfidence:   "Я не нашёл точного ответа в базе знаний. Возможно, вам подойдут эти услуги:",
	handoff:         "Я передал ваш вопрос оператору колл-центра 1242; оператор увидит этот разговор. Если ответ нужен быстрее, позвоните 1242 и назовите номер обращения.",
	handoffNoTicket: "Сейчас не удалось автоматически передать вопрос оператору. Пожалуйста, позвоните в колл-центр 1242 — операторы помогут.",
	ticket:          "Номер обращения",
	tooLong:         "Сообщение слишком длинное. Пожалуйста, сформулируйте вопрос короче.",
}

var enPhrases = phrases{
	who:             "Who may apply",
	documents:       "Documents",
	fee:             "Fee",
	processing:      "Processing time",
	how:             "How to apply",
	source:          "Source",
	seeAlso:         "See also",
	greeting:        "Hello! I am the Single Portal (my.gov.uz) assistant. Which public service would you like to know about? If you need an operator, type “operator” or call 1242.",
	offTopic:        "Sorry, I can only answer questions about public services on the Single Portal (my.gov.uz). Please ask about a service by name, or call the 1242 call centre.",
	empty:           "Please type your question, for example: “How do I get a VAT refund?”",
	notCovered:      "My knowledge base (the services the decrees name and help on the portal) has nothing on this, so I will not guess.",
	lowConfidence:   "I could not find a clear answer in the knowledge base. These services may be what you need:",
	handoff:         "I have passed your question to a 1242 call centre operator, who will see this conversation. If you need an answer sooner, call 1242 and give the ticket number.",
	handoffNoTicket: "I could not pass your question to an operator automatically just now. Please call the 1242 call centre; the operators will help.",
	ticket:          "Ticket number",
	tooLong:         "The message is too long. Please ask your question more briefly.",
}

// phraseBook holds the phrases of every language form.
type phraseBook map[portalkb.Lang]phrases

func newPhraseBook() phraseBook {
	p := uzLatnPhrases
	c := phrases{
		who: portalkb.Cyrillic(p.who), documents: portalkb.Cyrillic(p.documents), fee: portalkb.Cyrillic(p.fee),
		processing: portalkb.Cyrillic(p.processing), how: portalkb.Cyrillic(p.how),
		source: portalkb.Cyrillic(p.source), seeAlso: portalkb.Cyrillic(p.seeAlso), greeting: portalkb.Cyrillic(p.greeting),
		offTopic: portalkb.Cyrillic(p.offTopic), empty: portalkb.Cyrillic(p.empty), lowConfidence: portalkb.Cyrillic(p.lowConfidence),
		notCovered: portalkb.Cyrillic(p.notCovered),
		handoff:    portalkb.Cyrillic(p.handoff), handoffNoTicket: portalkb.Cyrillic(p.handoffNoTicket), ticket: portalkb.Cyrillic(p.ticket),
		tooLong: portalkb.Cyrillic(p.tooLong),
	}
	return phraseBook{portalkb.UzLatn: p, portalkb.UzCyrl: c, portalkb.Ru: ruPhrases, portalkb.En: enPhrases}
}

func (b phraseBook) in(l portalkb.Lang) phrases {
	if p, ok := b[l]; ok {
		return p
	}
	return b[portalkb.UzLatn]
}
