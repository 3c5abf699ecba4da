package chatbot

import (
	"strings"

	"github.com/oqim/oqim/inference/chatbot/retrieval"
)

// govWords are words that make a question one for the state, in Uzbek,
// Russian and English: a question that uses them but matches no entry
// goes to an operator (who can help) rather than get a refusal. They pass
// through retrieval.Terms, so scripts, apostrophes and endings meet.
const govWords = `davlat hujjat hujjatlar spravka maʼlumotnoma guvohnoma ariza litsenziya ruxsatnoma ruxsat soliq nafaqa
pensiya pasport hokimiyat hokimlik vazirlik idora sud notarius roʻyxat xizmat portal subsidiya imtiyoz jarima boj
qonun huquq mahalla fuqarolik fuqaro viza chegara bojxona armiya harbiy maktab bogʻcha universitet shifoxona
poliklinika kommunal uy-joy yer kadastr meros vasiylik aliment nikoh ajrashish FHDYo ZAGS IIB militsiya politsiya
государство государственный госуслуга справка документ заявление лицензия разрешение налог пособие пенсия паспорт
хокимият министерство ведомство суд нотариус регистрация прописка услуга портал субсидия льгота штраф пошлина
закон право гражданство гражданин виза граница таможня армия военкомат школа детсад университет больница
поликлиника коммунальные жилье земля кадастр наследство опека алименты брак развод ЗАГС полиция милиция
government state certificate document application licence license permit tax benefit pension passport ministry
agency court notary registration register service portal subsidy fine fee law rights citizenship citizen visa
border customs army military school kindergarten university hospital clinic utility housing land inheritance
guardianship alimony marriage divorce police
toʻlov nogiron nogironlik elektr svet gaz suv kanalizatsiya hisoblagich kvitansiya avtomobil mashina haydovchilik
prava sudlanganlik saylov apostil diplom ishsiz ishsizlik kam taʼminlangan ijtimoiy propiska ishonchnoma doverennost
patent tadbirkor firma MChJ YaTT
выплата инвалид инвалидность электричество свет газ вода водопровод канализация счетчик квитанция автомобиль машина
права водительское удостоверение судимость выборы апостиль диплом безработный безработица малообеспеченный соцзащита
доверенность патент предприниматель ИП ООО фирма
payment allowance disability disabled electricity gas water sewage meter bill vehicle car driving ID criminal
election vote apostille diploma unemployed unemployment low-income welfare residence proxy patent business company
sertifikat ijara arenda arest hibs eksport import koʻchmas ixtiro patentlash ipoteka
сертификат аренда арест экспорт импорт недвижимость изобретение запатентовать ипотека
rent lease arrest export import property invention mortgage
kompensatsiya akkreditatsiya attestatsiya metrologiya reestr
компенсация аккредитация аттестация метрология реестр заявка
compensation accreditation accredited attestation metrology cadastre registry
emlash emlanish privivka vaksina homilador skrining tugʻilish oʻlim talaba oliygoh institut oʻqishni medkomissiya
прививка вакцинация беременность беременная скрининг рождение смерть студент вуз институт медкомиссия
vaccination vaccine immunisation pregnant pregnancy screening birth death student college
pora poraxoʻr korrupsiya mansabdor взятка коррупция чиновник bribe bribery corruption official
firibgar firibgarlik soxta qalbaki мошенник мошенничество фейк поддельный fraud fraudster scam fake
pensions benefits permits licences licenses certificates taxes fines documents doctor appointment taxpayer widow widows
врач доктор приём опекунство опекун налоговый налоговая пенсионный инн пинфл shifokor qabul stir jshshir nafaqam pensiyam`

// govTerms is govWords as search terms; read only.
var govTerms = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range retrieval.Terms(nil, govWords) {
		m[t] = true
	}
	return m
}()

// isGovernmentQuestion reports whether text uses a word of the state's
// business (a document, a benefit, a court, a tax, ...).
func isGovernmentQuestion(text string) bool {
	for _, t := range retrieval.Terms(nil, strings.ToLower(text)) {
		if govTerms[t] {
			return true
		}
	}
	return false
}
