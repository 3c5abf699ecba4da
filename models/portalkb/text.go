package portalkb

import (
	"fmt"
	"strings"
)

// agencyNames renders the decree CSV's short English agency names in
// Uzbek (Latin) and Russian.
var agencyNames = map[string][2]string{
	"Agro-industry Development Agency":                                 {"Agrosanoatni rivojlantirish agentligi", "Агентство развития агропромышленного комплекса"},
	"Cadastre Agency":                                                  {"Kadastr agentligi", "Агентство по кадастру"},
	"Committee for Family and Women":                                   {"Oila va xotin-qizlar qoʻmitasi", "Комитет по делам семьи и женщин"},
	"Compulsory Enforcement Bureau":                                    {"Majburiy ijro byurosi", "Бюро принудительного исполнения"},
	"Council of Farmers of Uzbekistan":                                 {"Oʻzbekiston fermerlar kengashi", "Совет фермеров Узбекистана"},
	"Customs Committee":                                                {"Bojxona qoʻmitasi", "Таможенный комитет"},
	"Higher Attestation Commission":                                    {"Oliy attestatsiya komissiyasi", "Высшая аттестационная комиссия"},
	"Hududgaztaminot JSC":                                              {"“Hududgaztaʼminot” AJ", "АО «Худудгазтаъминот»"},
	"Knowledge and Skills Assessment Agency":                           {"Bilim va malakalarni baholash agentligi", "Агентство по оценке знаний и навыков"},
	"Ministry of Agriculture":                                          {"Qishloq xoʻjaligi vazirligi", "Министерство сельского хозяйства"},
	"Ministry of Construction, Housing and Communal Services":          {"Qurilish va uy-joy kommunal xoʻjaligi vazirligi", "Министерство строительства и жилищно-коммунального хозяйства"},
	"Ministry of Culture":                                              {"Madaniyat vazirligi", "Министерство культуры"},
	"Ministry of Digital Technologies":                                 {"Raqamli texnologiyalar vazirligi", "Министерство цифровых технологий"},
	"Ministry of Ecology, Environmental Protection and Climate Change": {"Ekologiya, atrof-muhitni muhofaza qilish va iqlim oʻzgarishi vazirligi", "Министерство экологии, охраны окружающей среды и изменения климата"},
	"Ministry of Health":                                               {"Sogʻliqni saqlash vazirligi", "Министерство здравоохранения"},
	"Ministry of Higher Education, Science and Innovation":             {"Oliy taʼlim, fan va innovatsiyalar vazirligi", "Министерство высшего образования, науки и инноваций"},
	"Ministry of Internal Affairs":                                     {"Ichki ishlar vazirligi", "Министерство внутренних дел"},
	"Ministry of Investment, Industry and Trade":                       {"Investitsiyalar, sanoat va savdo vazirligi", "Министерство инвестиций, промышленности и торговли"},
	"Ministry of Justice":                                              {"Adliya vazirligi", "Министерство юстиции"},
	"Ministry of Mining Industry and Geology":                          {"Kon sanoati va geologiya vazirligi", "Министерство горнодобывающей промышленности и геологии"},
	"Ministry of Poverty Reduction and Employment":                     {"Kambagʻallikni qisqartirish va bandlik vazirligi", "Министерство по сокращению бедности и занятости"},
	"Ministry of Preschool and School Education":                       {"Maktabgacha va maktab taʼlimi vazirligi", "Министерство дошкольного и школьного образования"},
	"Ministry of Sport":                                                {"Sport vazirligi", "Министерство спорта"},
	"National Agency for Social Protection":                            {"Ijtimoiy himoya milliy agentligi", "Национальное агентство социальной защиты"},
	"Off-budget Pension Fund":                                          {"Budjetdan tashqari Pensiya jamgʻarmasi", "Внебюджетный Пенсионный фонд"},
	"Pension Fund":                                                     {"Pensiya jamgʻarmasi", "Пенсионный фонд"},
	"Plant Quarantine and Protection Agency":                           {"Oʻsimliklar karantini va himoyasi agentligi", "Агентство по карантину и защите растений"},
	"Regional Electric Networks JSC":                                   {"“Hududiy elektr tarmoqlari” AJ", "АО «Региональные электрические сети»"},
	"State Assets Management Agency":                                   {"Davlat aktivlarini boshqarish agentligi", "Агентство по управлению государственными активами"},
	"Tax Committee":                                                    {"Soliq qoʻmitasi", "Налоговый комитет"},
	"Uzbek Agency for Technical Regulation":                            {"Oʻzbekiston texnik jihatdan tartibga solish agentligi", "Узбекское агентство по техническому регулированию"},
	"Uzbekekspertiza JSC":                                              {"“Oʻzbekekspertiza” AJ", "АО «Узбекэкспертиза»"},
	"Uzsuvtaminot JSC":                                                 {"“Oʻzsuvtaʼminot” AJ", "АО «Узсувтаъминот»"},
	"Veterinary Committee":                                             {"Veterinariya va chorvachilikni rivojlantirish qoʻmitasi", "Комитет ветеринарии и развития животноводства"},
	"Youth Affairs Agency":                                             {"Yoshlar ishlari agentligi", "Агентство по делам молодёжи"},
	"Youth Notebook Fund":                                              {"“Yoshlar daftari” jamgʻarmasi", "Фонд «Молодёжная тетрадь»"},
}

// texts holds one language's sentence templates. Verbs in %s slots take
// the service title, the agency list or the due month.
type texts struct {
	what, whatComposite    string
	who                    map[audience]string
	docs                   map[audience]string
	feeSupport, feeGeneral string
	processing             string
	agency, agencies       string
	how                    string
	months                 [12]string
	// monthFmt takes the month name and the year, in that order.
	monthFmt string
}

var enTexts = texts{
	what:          "%s. This is a public service of the Single Portal of interactive public services (my.gov.uz), so you can apply online without visiting an office.",
	whatComposite: "%s. This is a composite service of the Single Portal (my.gov.uz): you submit one application and the agencies involved exchange the data among themselves, so you do not have to visit each of them.",
	who: map[audience]string{
		citizen:    "Citizens of Uzbekistan who need the service for themselves or their family; foreign residents where the service page allows. A representative may apply with a power of attorney where the service allows it.",
		business:   "Individual entrepreneurs and companies (legal entities) concerned; the application is signed by the director or another authorised person.",
		farmer:     "Farms, dehqon farms and agricultural companies that meet the conditions of the support programme.",
		youth:      "Young people listed in the “Youth Notebook” (Yoshlar daftari) whose situation matches the programme; your mahalla youth leader can check whether you are listed.",
		org:        "The organisations concerned (state bodies, associations, partnerships), represented by their head or an authorised person.",
		student:    "The students, applicants or graduates concerned, or their parents or legal representatives when the student is a minor.",
		foreigner:  "Foreign citizens and stateless persons staying in Uzbekistan, or the hosts (hotels, landlords, organisations) who register them.",
		specialist: "Professionals of the field concerned (for example advocates, medical, education or culture workers) who meet the requirements of the service.",
		lab:        "Manufacturers, importers, laboratories and other organisations that own or use measuring or testing equipment or put products on the market.",
	},
	docs: map[audience]string{
		citizen:    "Usually only your passport or ID card: your personal data are taken from state databases through OneID, so paper copies are not needed. If the service needs anything else, the application form asks for it.",
		business:   "The company's taxpayer number (TIN) and sign-in through OneID or the director's electronic digital signature (E-IMZO); supporting documents that the application form lists, uploaded as scans.",
		farmer:     "The farm's taxpayer number (TIN), documents confirming the costs (contracts, invoices, payment orders, acceptance certificates) and land use data; the application form lists what is required.",
		youth:      "Your passport or ID card data through OneID (being listed in the Youth Notebook is checked automatically) and documents confirming the costs, such as a contract, invoice or receipt.",
		org:        "Details of the organisation and its head and the founding documents or decisions the form asks for, uploaded as scans and signed with an electronic digital signature.",
		student:    "Your passport or ID card data through OneID, your education documents (diploma, certificate or transcript) and anything else the form lists.",
		foreigner:  "The foreign national's passport, visa or entry data, the address of stay and the host's details.",
		specialist: "Your passport or ID card data through OneID, documents on your qualification or education, and anything else the form lists.",
		lab:        "Organisation details (TIN), data on the instruments, equipment or products (type, serial number, technical documents) and an electronic digital signature.",
	},
	feeSupport: "Applying for this support is free of charge. If any state fee applies, the service page shows it before you pay.",
	feeGeneral: "The state fee, if any, and its amount are shown on the service page before you pay; you can pay online on the portal by bank card (Uzcard, Humo) or through payment systems.",
	processing: "The processing time is set by the service's regulation and shown on the service page; you can follow the status of your application under “My applications” and receive SMS notifications. Under Decree PQ-286 the service is to be available on the Single Portal by %s.",
	agency:     "Responsible agency: %s.",
	agencies:   "Agencies involved: %s.",
	how:        "Sign in to my.gov.uz or the my.gov.uz mobile app with OneID, find the service “%s” by name, fill in the application form, attach the documents it asks for, sign and submit it, and pay the fee if one is shown. You can also apply at a Public Services Centre. For help call 1242.",
	months:     [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	monthFmt:   "%s %d",
}

var uzTexts = texts{
	what:          "%s. Bu Yagona interaktiv davlat xizmatlari portali (my.gov.uz) orqali koʻrsatiladigan davlat xizmati, unga idoraga bormasdan onlayn ariza berish mumkin.",
	whatComposite: "%s. Bu Yagona portal (my.gov.uz) orqali koʻrsatiladigan kompozit xizmat: siz bitta ariza berasiz, tegishli idoralar maʼlumotlarni oʻzaro almashadi va har biriga alohida borishingiz shart emas.",
	who: map[audience]string{
		citizen:    "Xizmat oʻzi yoki oilasi uchun kerak boʻlgan Oʻzbekiston fuqarolari; xizmat sahifasida ruxsat berilgan boʻlsa, xorijiy rezidentlar ham. Xizmat ruxsat bersa, ishonchnoma asosida vakil ham ariza berishi mumkin.",
		business:   "Tegishli yakka tartibdagi tadbirkorlar va korxonalar (yuridik shaxslar); arizani rahbar yoki vakolatli shaxs imzolaydi.",
		farmer:     "Qoʻllab-quvvatlash dasturi shartlariga mos keladigan fermer xoʻjaliklari, dehqon xoʻjaliklari va qishloq xoʻjaligi korxonalari.",
		youth:      "Vaziyati dasturga mos keladigan, “Yoshlar daftari”ga kiritilgan yoshlar; roʻyxatda bor-yoʻqligingizni mahalladagi yoshlar yetakchisi tekshirib beradi.",
		org:        "Tegishli tashkilotlar (davlat organlari, uyushmalar, shirkatlar) rahbari yoki vakolatli shaxsi orqali.",
		student:    "Tegishli talabalar, abituriyentlar yoki bitiruvchilar, voyaga yetmaganlar uchun esa ota-onasi yoki qonuniy vakili.",
		foreigner:  "Oʻzbekistonda turgan chet el fuqarolari va fuqaroligi boʻlmagan shaxslar yoki ularni roʻyxatga oluvchi qabul qiluvchi tomon (mehmonxona, uy egasi, tashkilot).",
		specialist: "Xizmat talablariga javob beradigan tegishli soha mutaxassislari (masalan, advokatlar, tibbiyot, taʼlim yoki madaniyat xodimlari).",
		lab:        "Oʻlchash yoki sinov vositalariga ega boʻlgan yoxud ulardan foydalanadigan, mahsulotni bozorga chiqaradigan ishlab chiqaruvchilar, importyorlar, laboratoriyalar va boshqa tashkilotlar.",
	},
	docs: map[audience]string{
		citizen:    "Odatda faqat pasport yoki ID-karta: shaxsiy maʼlumotlaringiz OneID orqali davlat bazalaridan olinadi, qogʻoz nusxalar kerak emas. Xizmatga yana biror hujjat kerak boʻlsa, ariza shaklida soʻraladi.",
		business:   "Korxonaning STIR raqami va OneID yoki rahbarning elektron raqamli imzosi (E-IMZO) orqali kirish; ariza shaklida koʻrsatilgan tasdiqlovchi hujjatlar skan nusxada.",
		farmer:     "Xoʻjalikning STIR raqami, xarajatlarni tasdiqlovchi hujjatlar (shartnomalar, hisob-fakturalar, toʻlov topshiriqnomalari, dalolatnomalar) va yerdan foydalanish maʼlumotlari; kerakli roʻyxat ariza shaklida koʻrsatiladi.",
		youth:      "OneID orqali pasport yoki ID-karta maʼlumotlari (“Yoshlar daftari”da borligingiz avtomatik tekshiriladi) va xarajatni tasdiqlovchi hujjatlar: shartnoma, hisob-faktura yoki kvitansiya.",
		org:        "Tashkilot va uning rahbari haqidagi maʼlumotlar, ariza shaklida soʻralgan taʼsis hujjatlari yoki qarorlar, skan nusxada va elektron raqamli imzo bilan.",
		student:    "OneID orqali pasport yoki ID-karta maʼlumotlari, taʼlim haqidagi hujjatlar (diplom, shahodatnoma yoki transkript) va ariza shaklida soʻralgan boshqa hujjatlar.",
		foreigner:  "Chet el fuqarosining pasporti, vizasi yoki kirish maʼlumotlari, turgan manzili va qabul qiluvchi tomon maʼlumotlari.",
		specialist: "OneID orqali pasport yoki ID-karta maʼlumotlari, malaka yoki maʼlumot haqidagi hujjatlar va ariza shaklida soʻralgan boshqa hujjatlar.",
		lab:        "Tashkilot maʼlumotlari (STIR), vositalar, uskunalar yoki mahsulotlar haqidagi maʼlumotlar (turi, seriya raqami, texnik hujjatlar) va elektron raqamli imzo.",
	},
	feeSupport: "Bu koʻmakka ariza berish bepul. Agar biror davlat boji olinsa, u toʻlovdan oldin xizmat sahifasida koʻrsatiladi.",
	feeGeneral: "Davlat boji, agar olinsa, va uning miqdori toʻlovdan oldin xizmat sahifasida koʻrsatiladi; portalda bank kartasi (Uzcard, Humo) yoki toʻlov tizimlari orqali onlayn toʻlash mumkin.",
	processing: "Koʻrib chiqish muddati xizmat reglamentida belgilanadi va xizmat sahifasida koʻrsatiladi; ariza holatini “Mening arizalarim” boʻlimida kuzatib, SMS xabarnoma olishingiz mumkin. PQ-286-son qarorga koʻra xizmat Yagona portalda %sgacha ishga tushirilishi kerak.",
	agency:     "Masʼul idora: %s.",
	agencies:   "Ishtirok etuvchi idoralar: %s.",
	how:        "my.gov.uz saytiga yoki my.gov.uz mobil ilovasiga OneID orqali kiring, “%s” xizmatini nomi boʻyicha toping, ariza shaklini toʻldiring, soʻralgan hujjatlarni ilova qiling, imzolab yuboring va toʻlov koʻrsatilgan boʻlsa, uni toʻlang. Davlat xizmatlari markaziga borib ham ariza berish mumkin. Yordam uchun 1242 ga qoʻngʻiroq qiling.",
	months:     [12]string{"yanvar", "fevral", "mart", "aprel", "may", "iyun", "iyul", "avgust", "sentabr", "oktabr", "noyabr", "dekabr"},
	monthFmt:   "%[2]d-yil %[1]s",
}

var ruTexts = texts{
	what:          "%s. Это государственная услуга Единого портала интерактивных государственных услуг (my.gov.uz): заявление можно подать онлайн, не посещая ведомство.",
	whatComposite: "%s. Это композитная услуга Единого портала (my.gov.uz): вы подаёте одно заявление, а участвующие ведомства обмениваются данными между собой, и вам не нужно обходить каждое из них.",
	who: map[audience]string{
		citizen:    "Граждане Узбекистана, которым услуга нужна для себя или семьи; иностранные резиденты — если это разрешено на странице услуги. Если услуга допускает, заявление может подать представитель по доверенности.",
		business:   "Соответствующие индивидуальные предприниматели и предприятия (юридические лица); заявление подписывает руководитель или уполномоченное лицо.",
		farmer:     "Фермерские и дехканские хозяйства и сельскохозяйственные предприятия, отвечающие условиям программы поддержки.",
		youth:      "Молодёжь, включённая в «Молодёжную тетрадь» (Yoshlar daftari), чьё положение соответствует программе; включены ли вы, подскажет молодёжный лидер махалли.",
		org:        "Соответствующие организации (государственные органы, объединения, товарищества) в лице руководителя или уполномоченного лица.",
		student:    "Соответствующие студенты, абитуриенты или выпускники, а за несовершеннолетних — родители или законные представители.",
		foreigner:  "Иностранные граждане и лица без гражданства, находящиеся в Узбекистане, или принимающая сторона (гостиница, арендодатель, организация), которая их регистрирует.",
		specialist: "Специалисты соответствующей сферы (например, адвокаты, медицинские работники, работники образования или культуры), отвечающие требованиям услуги.",
		lab:        "Производители, импортёры, лаборатории и другие организации, которые владеют средствами измерений или испытаний, используют их или выпускают продукцию на рынок.",
	},
	docs: map[audience]string{
		citizen:    "Обычно только паспорт или ID-карта: ваши данные берутся из государственных баз через OneID, бумажные копии не нужны. Если для услуги нужно что-то ещё, форма заявления это запросит.",
		business:   "ИНН предприятия и вход через OneID или электронную цифровую подпись руководителя (E-IMZO); подтверждающие документы, указанные в форме заявления, в виде сканов.",
		farmer:     "ИНН хозяйства, документы, подтверждающие затраты (договоры, счета-фактуры, платёжные поручения, акты), и данные о землепользовании; перечень указан в форме заявления.",
		youth:      "Данные паспорта или ID-карты через OneID (включение в «Молодёжную тетрадь» проверяется автоматически) и документы, подтверждающие затраты: договор, счёт-фактура или квитанция.",
		org:        "Сведения об организации и её руководителе, учредительные документы или решения, которые запрашивает форма, в виде сканов с электронной цифровой подписью.",
		student:    "Данные паспорта или ID-карты через OneID, документы об образовании (диплом, аттестат или транскрипт) и прочее, что указано в форме.",
		foreigner:  "Паспорт иностранного гражданина, виза или данные о въезде, адрес пребывания и сведения о принимающей стороне.",
		specialist: "Данные паспорта или ID-карты через OneID, документы о квалификации или образовании и прочее, что указано в форме.",
		lab:        "Реквизиты организации (ИНН), данные о средствах измерений, оборудовании или продукции (тип, заводской номер, техническая документация) и электронная цифровая подпись.",
	},
	feeSupport: "Подача заявления на эту поддержку бесплатна. Если применяется государственная пошлина, она показывается на странице услуги до оплаты.",
	feeGeneral: "Государственная пошлина, если она взимается, и её размер показываются на странице услуги до оплаты; оплатить можно онлайн на портале банковской картой (Uzcard, Humo) или через платёжные системы.",
	processing: "Срок рассмотрения установлен регламентом услуги и указан на её странице; статус заявления можно отслеживать в разделе «Мои заявки» и получать SMS-уведомления. По постановлению ПП-286 услуга должна появиться на Едином портале до %s.",
	agency:     "Ответственное ведомство: %s.",
	agencies:   "Участвующие ведомства: %s.",
	how:        "Войдите на my.gov.uz или в мобильное приложение my.gov.uz через OneID, найдите услугу «%s» по названию, заполните форму заявления, приложите запрошенные документы, подпишите и отправьте, а если указана пошлина — оплатите её. Подать заявление можно и в Центре государственных услуг. Если нужна помощь, звоните 1242.",
	months:     [12]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"},
	monthFmt:   "%s %d года",
}

// month renders "2026-03" in the language's words ("March 2026").
func (t *texts) month(ym string) string {
	var y, m int
	if _, err := fmt.Sscanf(ym, "%d-%d", &y, &m); err != nil || m < 1 || m > 12 {
		return ym
	}
	return fmt.Sprintf(t.monthFmt, t.months[m-1], y)
}

func isSupport(titleEn string) bool {
	l := strings.ToLower(titleEn)
	for _, w := range []string{"reimburse", "subsidy", "aid", "refund", "cashback", "exemption"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// serviceContent writes an entry's text in one language form.
func (t *texts) serviceContent(title string, aud audience, support, composite bool, agencies []string, due string, keywords string) Content {
	c := Content{Title: title}
	if composite {
		c.What = fmt.Sprintf(t.whatComposite, title)
	} else {
		c.What = fmt.Sprintf(t.what, title)
	}
	c.Who = t.who[aud]
	c.Documents = t.docs[aud]
	c.Fee = t.feeGeneral
	if support {
		c.Fee = t.feeSupport
	}
	c.Processing = fmt.Sprintf(t.processing, t.month(due))
	if len(agencies) > 1 {
		c.Agency = fmt.Sprintf(t.agencies, strings.Join(agencies, "; "))
	} else {
		c.Agency = fmt.Sprintf(t.agency, strings.Join(agencies, "; "))
	}
	c.HowToApply = fmt.Sprintf(t.how, title)
	for _, k := range strings.Split(keywords, ",") {
		if k = strings.TrimSpace(k); k != "" {
			c.Keywords = append(c.Keywords, k)
		}
	}
	return c
}
