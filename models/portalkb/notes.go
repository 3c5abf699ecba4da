package portalkb

// audience says who a service is for; it picks the "who may apply" and
// "documents" text, which the decree does not give.
type audience int

const (
	citizen audience = iota
	business
	farmer
	youth
	org
	student
	foreigner
	specialist
	lab
)

// note is what Oqim adds to a decree row: the audience, and the words
// citizens use for the service that its official title lacks, in Uzbek
// (Latin), Russian and English, comma separated. The Uzbek words are
// transliterated for the Cyrillic text.
type note struct {
	aud        audience
	uz, ru, en string
}

// serviceNotes is keyed by entry id. Build fails if a decree row has no
// note, so a new row in the source cannot slip in without its audience.
var serviceNotes = map[string]note{
	"annex4-1":  {business, "kassa apparati servis markazi, KKM ustaxonasi, virtual kassa", "ремонт кассовых аппаратов, сервисный центр ККМ, ЦТО", "cash register repair centre, till servicing"},
	"annex4-2":  {business, "koʻchma savdo, yoʻl boʻyi savdo, mashinadan savdo, lotok", "выездная торговля, торговля с машины, передвижной ларек, автолавка", "street vending, selling from a van or car, food truck, mobile shop, stall"},
	"annex4-3":  {business, "QQS qaytarish, QQSni qaytarib olish, soliq qaytarish", "возврат НДС, вернуть НДС, НДС к возмещению", "VAT refund, get VAT back"},
	"annex4-4":  {business, "kassa apparatini roʻyxatga qoʻyish, onlayn kassa, kassa kartochkasi, fiskal xotira", "поставить кассу на учет, снять кассу с учета, онлайн-касса, регистрационная карточка кассы", "register a till, register cash register with tax office, online till"},
	"annex4-5":  {business, "AEO maqomi, vakolatli operator, bojxona imtiyozi", "статус УЭО, AEO, уполномоченный экономический оператор", "AEO status, trusted trader"},
	"annex4-6":  {business, "tovar belgisi bojxonada, brend himoyasi, kontrafakt", "защита бренда на таможне, товарный знак, контрафакт", "trademark protection at customs, counterfeit goods"},
	"annex4-7":  {farmer, "biologik himoya subsidiyasi, entomofag, biolaboratoriya, zararkunanda", "биологическая защита растений, энтомофаги, биометод", "biological pest control subsidy, beneficial insects"},
	"annex4-8":  {farmer, "naslli mol subsidiyasi, chet eldan sigir olib kelish, qoramol importi", "субсидия на импорт коров, племенной скот, ввоз скота", "imported cows subsidy, breeding livestock"},
	"annex4-9":  {farmer, "sholi seyalkasi, guruch ekish texnikasi, koʻchat mashinasi", "сеялка для риса, рисовая техника, рассадопосадочная машина", "rice planter, rice seed drill"},
	"annex4-10": {farmer, "ombor modernizatsiyasi, quritish uskunasi, qadoqlash liniyasi, sovutgich ombor", "склад, холодильник, сушилка, упаковочная линия, модернизация склада", "warehouse upgrade, cold store, packing line, dryer"},
	"annex4-11": {farmer, "tomchilatib sugʻorish, dukkakli, loviya, mosh, noʻxat", "капельное орошение, бобовые, фасоль, маш, нут", "drip irrigation, beans, mung bean, chickpea"},
	"annex4-12": {farmer, "tomchilatib sugʻorish, poliz, qovun, tarvuz", "капельное орошение, бахча, дыня, арбуз", "drip irrigation, melons, watermelon"},
	"annex4-13": {farmer, "tomchilatib sugʻorish, kartoshka", "капельное орошение, картошка, картофель", "drip irrigation, potato"},
	"annex4-14": {farmer, "tomchilatib sugʻorish, sabzavot, pomidor, bodring", "капельное орошение, овощи, помидоры, огурцы", "drip irrigation, vegetables, tomatoes"},
	"annex4-15": {farmer, "tomchilatib sugʻorish, bugʻdoy, gʻalla, don", "капельное орошение, пшеница, зерно", "drip irrigation, wheat, cereals"},
	"annex4-16": {specialist, "advokat guvohnomasi, advokatlik litsenziyasi yoʻqolgan", "удостоверение адвоката потерял, лицензия адвоката", "lawyer licence, advocate ID card lost"},
	"annex4-17": {citizen, "imzoni tasdiqlash, notarius, imzoning haqiqiyligi", "заверить подпись, нотариус, подлинность подписи", "notarise signature, witness a signature"},
	"annex4-18": {citizen, "ixtiro patenti, IMA, intellektual mulk", "патент на изобретение, интеллектуальная собственность", "invention patent, intellectual property"},
	"annex4-19": {citizen, "foydali model patenti", "полезная модель", "utility model patent"},
	"annex4-20": {business, "dizayn patenti, sanoat namunasi", "патент на дизайн, промышленный образец", "design patent, product design"},
	"annex4-21": {farmer, "yangi nav patenti, seleksiya, hayvon zoti", "патент на сорт, новый сорт растений, порода", "plant variety patent, new breed"},
	"annex4-22": {business, "mikrosxema topologiyasi, chip", "топология микросхем, чип", "chip layout, microchip topology"},
	"annex4-23": {business, "firma ochish, MCHJ ochish, YaTT ochish, biznes ochish, korxona ochish, yakka tartibdagi tadbirkor sifatida roʻyxatdan oʻtish", "открыть фирму, открыть ООО, открыть ИП, регистрация бизнеса", "open a company, register a business, start a company, LLC, sole trader, sole proprietor, individual entrepreneur"},
	"annex4-24": {business, "ustavni oʻzgartirish, direktorni almashtirish, firma nomini oʻzgartirish, qayta roʻyxatdan oʻtish", "перерегистрация фирмы, смена директора, изменения в устав", "change company details, change director, amend charter"},
	"annex4-25": {business, "firmani yopish, YaTTni yopish, faoliyatni toʻxtatish, tugatish", "закрыть фирму, закрыть ИП, ликвидация", "close a company, close my business, liquidate"},
	"annex4-26": {business, "filial ochish, vakolatxona", "открыть филиал, представительство", "open a branch, representative office"},
	"annex4-27": {org, "davlat tashkilotini roʻyxatdan oʻtkazish, muassasa", "регистрация госоргана, учреждения", "register a public institution"},
	"annex4-28": {org, "assotsiatsiya, uyushma", "ассоциация, союз юридических лиц", "association of companies, union"},
	"annex4-29": {org, "bogʻdorchilik shirkati, uzumchilik", "садоводческое товарищество, дачный кооператив", "gardening partnership, vineyard cooperative"},
	"annex4-30": {specialist, "advokatlik byurosi, advokatlik firmasi, hay'at", "адвокатское бюро, коллегия адвокатов", "law firm, advocates' bureau"},
	"annex4-31": {org, "XUJMSH, uy-joy shirkati, koʻp qavatli uy", "ТЧСЖ, ТСЖ, товарищество собственников жилья", "homeowners association, HOA, condominium"},
	"annex4-32": {org, "shirkatni tugatish, uyushmani yopish", "ликвидация ТСЖ, ликвидация ассоциации", "close an association, wind up"},
	"annex4-33": {org, "reyestrdan koʻchirma, yuridik shaxs koʻchirmasi", "выписка из реестра юрлиц", "register extract, company extract"},
	"annex4-34": {business, "dasturiy mahsulotni roʻyxatdan oʻtkazish, dastur guvohnomasi, baza", "регистрация программы, свидетельство на программу ЭВМ, база данных", "software registration, copyright for software"},
	"annex4-35": {business, "kasanachilik subsidiyasi, uyda ishlovchi, hunarmand", "надомный труд, надомники, ремесленники", "home workers, handicraft subsidy"},
	"annex4-36": {farmer, "qorakoʻl teri eksporti, qorakoʻlchilik", "каракуль, экспорт каракуля", "karakul pelts export, astrakhan"},
	"annex4-37": {foreigner, "chet elliklarni propiska qilish, mehmonni roʻyxatga olish, vaqtincha propiska, registratsiya", "регистрация иностранца, временная прописка, регистрация гостя", "register a foreign guest, temporary registration of foreigner"},
	"annex4-38": {business, "ekologik ekspertiza xulosasi, ekspertiza", "экологическая экспертиза, заключение экологии", "environmental impact assessment, environmental permit"},
	"annex4-39": {youth, "yoshlar daftari pul yordami, moddiy yordam", "молодежная тетрадь, материальная помощь молодежи", "youth notebook cash aid, financial help"},
	"annex4-40": {youth, "yoshlar daftari kurslar, kasb oʻrganish, oʻquv kursi puli", "молодежная тетрадь, курсы профессии, оплата обучения", "youth notebook courses, vocational course fees"},
	"annex4-41": {youth, "yoshlar daftari haydovchilik kursi, prava olish, avtomaktab", "молодежная тетрадь, автошкола, курсы вождения, права", "youth notebook driving school, driving licence course"},
	"annex4-42": {youth, "yoshlar daftari urugʻ, koʻchat, tomorqa", "молодежная тетрадь, семена, саженцы, приусадебный участок", "youth notebook seeds, seedlings, garden plot"},
	"annex4-43": {youth, "yoshlar daftari ijara, ofis ijarasi, doʻkon ijarasi", "молодежная тетрадь, аренда помещения, аренда офиса", "youth notebook rent, premises rent"},
	"annex4-44": {business, "karantin ruxsatnomasi, oʻsimlik importi", "карантинное разрешение, ввоз растений", "plant quarantine permit, import plants"},
	"annex4-45": {business, "fitosanitar sertifikat, meva eksporti", "фитосанитарный сертификат, экспорт фруктов", "phytosanitary certificate, fruit export"},
	"annex4-46": {business, "davlat binosini ijaraga olish, davlat mulki ijarasi", "аренда госимущества, арендовать государственное здание", "rent a state building, lease government property"},
	"annex4-47": {lab, "oʻlchov asbobi turini tasdiqlash, davlat sinovi", "утверждение типа средств измерений, госиспытания", "type approval of measuring instruments"},
	"annex4-48": {lab, "tarozi tekshiruvi, hisoblagich poverkasi, poverka", "поверка весов, поверка счетчика, поверка", "meter verification, scale check"},
	"annex4-49": {lab, "sinov uskunasi attestatsiyasi", "аттестация испытательного оборудования", "test equipment certification"},
	"annex4-50": {lab, "kalibrovka, asbobni kalibrlash", "калибровка приборов", "instrument calibration"},

	"annex6-1":  {citizen, "qamoqdan ozod boʻlganlik haqida spravka, sudlanganlik", "справка об освобождении из мест лишения свободы, колония", "prison release certificate"},
	"annex6-2":  {citizen, "chet elda tugʻilgan bolani roʻyxatdan oʻtkazish, tugʻilganlik guvohnomasi, ZAGS", "ребенок родился за границей, свидетельство о рождении, ЗАГС", "child born abroad, birth certificate, civil registry"},
	"annex6-3":  {youth, "yoshlar daftari haydovchilik kursi, prava, avtomaktab, ijtimoiy himoya", "молодежная тетрадь, автошкола, права, малообеспеченные", "youth notebook driving school, driving licence course, vulnerable"},
	"annex6-4":  {youth, "yoshlar daftari kasb kursi, tadbirkorlik kursi", "молодежная тетрадь, курсы предпринимательства", "youth notebook entrepreneurship course"},
	"annex6-5":  {youth, "yoshlar daftari ijara, 12 oylik ijara, oʻzini oʻzi band qilgan", "молодежная тетрадь, аренда, самозанятый", "youth notebook rent, self-employed"},
	"annex6-6":  {youth, "yoshlar daftari davolanish, operatsiya puli, kasal yoshlar", "молодежная тетрадь, лечение, операция, больные", "youth notebook medical treatment, surgery costs"},
	"annex6-7":  {youth, "safarbarlik rezervi, harbiy xizmat badali, armiya puli", "мобилизационный резерв, взнос за службу, армия", "military reserve fee, army service fee"},
	"annex6-8":  {citizen, "kasallik varaqasi, bolnichniy, nafaqa, jarohat tovoni", "больничный, пособие по болезни, травма на работе", "sick pay, sick leave benefit, injury compensation"},
	"annex6-9":  {citizen, "ayollar uchun tavsiyanoma, universitetga kirish, ish staji", "рекомендация для женщин, поступление в вуз, стаж", "recommendation letter for women, university entry"},
	"annex6-10": {citizen, "ayollar granti, kam taʼminlangan oila, qoʻshimcha grant, tavsiyanoma", "грант для женщин, малообеспеченные семьи, рекомендация", "grant for women, low income family"},
	"annex6-11": {business, "xorijga ishga ketish, malaka tasdiqlash markazi, akkreditatsiya", "работа за границей, центр подтверждения квалификации", "work abroad, labour migrants skills"},
	"annex6-12": {citizen, "muddatidan oldin pensiya, ishdan boʻshatilgan, qisqartirish", "досрочная пенсия, сокращение, уволили", "early retirement, laid off, redundancy"},
	"annex6-13": {citizen, "086 spravka, tibbiy maʼlumotnoma, meditsinskaya spravka", "справка 086, медсправка, медицинская справка", "medical certificate 086, health certificate"},
	"annex6-14": {specialist, "shifokor malaka oshirish, hamshira kursi", "повышение квалификации врачей, медсестер", "doctor training course, nurse training"},
	"annex6-15": {citizen, "nikohdan oldin tibbiy koʻrik, toʻy oldidan koʻrik natijasi", "медосмотр перед свадьбой, результаты добрачного обследования", "premarital medical check results"},
	"annex6-16": {citizen, "davlat raqami, nomer tiklash, avtomobil raqami singan", "госномер, восстановить номер, номерной знак", "number plate damaged, car plate replace"},
	"annex6-17": {student, "kontrakt shartnoma, talaba kontrakti, oʻqish puli", "контракт студента, оплата контракта, договор на обучение", "tuition contract, university fee contract"},
	"annex6-18": {student, "texnikum koʻchirish, kollej oʻqishini tiklash", "перевод в техникуме, восстановление в колледже", "college transfer, reinstatement"},
	"annex6-19": {student, "chet eldan oʻqishni koʻchirish, perevod", "перевод из зарубежного вуза", "transfer from foreign university"},
	"annex6-20": {specialist, "nostrifikatsiya, PhD tan olish, chet el diplomi", "нострификация, признание степени, иностранный диплом", "recognition of foreign PhD, degree recognition"},
	"annex6-21": {student, "transkript, baholar koʻchirmasi, akademik spravka", "академическая справка, транскрипт, оценки", "transcript of grades, academic record"},
	"annex6-22": {student, "ikkinchi oliy maʼlumot, ikkinchi diplom", "второе высшее образование", "second degree, second higher education"},
	"annex6-23": {student, "sport maktabi, bolalar sporti, sport toʻgarak", "спортивная школа, детский спорт", "sports school for children"},
	"annex6-24": {specialist, "maktab direktori sertifikati, menejer sertifikati", "сертификат директора школы", "school principal certificate"},
	"annex6-25": {citizen, "qarzi yoʻqligi haqida spravka, kommunal qarz, svet gaz suv qarzi", "справка об отсутствии задолженности, долги за коммуналку", "no utility debt certificate, utility arrears"},
	"annex6-26": {citizen, "gaz plita tekshiruvi, gaz kolonka, gaz jihozlari xizmati", "обслуживание газового оборудования, проверка газовой плиты, котел", "gas boiler service, gas stove check"},
	"annex6-27": {citizen, "gaz trubasi oʻtkazish, gaz quvuri montaj", "прокладка газовой трубы, монтаж газа", "gas pipe installation"},
	"annex6-28": {business, "quduq hisoblagichi, skvajina, suv hisoblagichi plomba", "счетчик на скважину, пломбировка водомера", "borehole water meter, seal meter"},
	"annex6-29": {lab, "laboratoriya akkreditatsiyasi", "аккредитация лаборатории", "laboratory accreditation"},
	"annex6-30": {lab, "poverka arizasi, tarozi tekshiruvi, hisoblagich poverkasi", "заявка на поверку, поверка весов", "meter verification request"},
	"annex6-31": {lab, "attestatsiya arizasi, sinov uskunasi", "заявка на аттестацию оборудования", "test equipment certification request"},
	"annex6-32": {lab, "kalibrovka arizasi", "заявка на калибровку", "calibration request"},
	"annex6-33": {lab, "sertifikatlash, mahsulot sertifikati, muvofiqlik sertifikati", "сертификация продукции, сертификат соответствия", "product certification, certificate of conformity"},
	"annex6-34": {specialist, "ekspert auditor sertifikati", "сертификация экспертов-аудиторов", "conformity assessment auditor certification"},
	"annex6-35": {business, "kelib chiqish sertifikati, ST-1, eksport sertifikati", "сертификат происхождения, СТ-1", "certificate of origin, CT-1, export certificate"},
	"annex6-36": {business, "ekologik ekspertiza, III toifa, IV toifa", "экологическая экспертиза, III категория, IV категория", "environmental review, category III, category IV"},
	"annex6-37": {business, "xavfli chiqindi importi, ekologik sertifikat", "экологический сертификат, ввоз опасных отходов", "hazardous waste import, environmental certificate"},
	"annex6-38": {citizen, "chiqindi olib ketish, musor, qurilish chiqindisi", "вывоз мусора, строительный мусор, вывоз отходов", "rubbish collection, waste removal, construction waste"},
	"annex6-39": {business, "ishchini rasmiylashtirish, YaTT xodimi", "оформить работника ИП, наемные работники", "hire employee, register worker"},
	"annex6-40": {citizen, "kvartirani ijaraga berish soligʻi, ijara soligʻi", "налог на сдачу квартиры, налог с аренды", "tax on renting out flat, rental income tax"},
	"annex6-41": {citizen, "yer soligʻidan ozod qilish, mol-mulk soligʻi imtiyozi, nafaqaxoʻr", "льгота по налогу на имущество, освобождение от земельного налога", "property tax exemption, land tax relief"},
	"annex6-42": {citizen, "keshbek, cashback, chek, 1 foiz qaytarish", "кешбэк, возврат 1 процента, чек", "cashback, receipts refund"},
	"annex6-43": {student, "musiqa maktabi guvohnomasi dublikati, sanʼat maktabi, madaniyat kolleji diplomi dublikati", "дубликат свидетельства музыкальной школы, дубликат диплома", "music school certificate duplicate, arts college diploma duplicate"},
	"annex6-44": {specialist, "koʻcha sanʼati, koʻcha musiqachisi", "уличные музыканты, уличное искусство", "street musician, busking"},
	"annex6-45": {specialist, "madaniyat xodimlari malaka oshirish", "повышение квалификации работников культуры", "training for culture workers"},
	"annex6-46": {specialist, "mualliflik asarini roʻyxatga olish, qoʻshiq, mualliflik huquqi", "регистрация авторских произведений, авторское право", "register my song, copyright of works"},
	"annex6-47": {citizen, "toʻgarak ochish, havaskorlik jamoasi", "открыть кружок, самодеятельность", "start a club, amateur group"},
	"annex6-48": {citizen, "toʻgarakka yozilish, madaniyat markazi", "записаться в кружок, дом культуры", "sign up for a club, culture centre"},
	"annex6-49": {specialist, "ijodkorlar reyestri, rassom, qoʻshiqchi", "реестр творцов, художник, певец", "creators register, artist, singer"},
	"annex6-50": {citizen, "jismoniy tayyorgarlik testi, sport normativi", "тест физической подготовки, нормативы", "fitness test"},
	"annex6-51": {citizen, "mening nomimdagi raqamlar, sim karta, telefon raqamlari roʻyxati", "номера на моё имя, сим-карты на меня", "SIM cards in my name, phone numbers registered"},
	"annex6-52": {citizen, "ortiqcha toʻlovni qaytarish, pulni qaytarish, xato toʻlov, ikki marta toʻlov", "вернуть переплату, возврат денег, ошибочный платеж, оплатил дважды", "refund overpayment, money back, paid twice"},
	"annex6-53": {citizen, "turmushga chiqqandan keyin familiya, ID karta almashtirish, nikoh", "смена фамилии после свадьбы, замена ID-карты", "change surname after marriage, new ID card"},
	"annex6-54": {citizen, "sanatoriy navbati, pensiyaga chiqish, putyovka", "очередь в санаторий, путевка, пенсионер", "sanatorium queue, pensioner health resort"},
	"annex6-55": {business, "APZ, arxitektura-rejalashtirish topshirigʻi, rekonstruksiya", "АПЗ, архитектурно-планировочное задание, реконструкция", "planning brief, renovation permit"},
	"annex6-56": {citizen, "kadastr pasporti, bino vazifasini oʻzgartirish, turar joyni noturar joyga", "кадастровый паспорт, перевод в нежилое, смена назначения", "change building use, cadastral passport"},
	"annex6-57": {citizen, "suv ulash, kanalizatsiya ulash, vodoprovod", "подключить воду, канализация, водопровод", "water connection, sewer connection"},
	"annex6-58": {citizen, "svet ulash, elektr ulash, tok ulash, elektr hisoblagich", "подключить свет, электричество, подключение электроэнергии, электросеть, подключиться к электросети", "electricity connection, power hookup"},
	"annex6-59": {citizen, "gaz ulash, gazga ulanish, gaz oʻtkazish", "подключить газ, газификация дома", "gas connection, connect house to gas"},
	"annex6-60": {citizen, "nogironlik guruhi, nogironlik belgilash, VTEK, imtiyozli davolanish", "инвалидность, ВТЭК, группа инвалидности", "disability status, disability group"},
	"annex6-61": {citizen, "psixdispanser spravka, narkolog spravka, ish staji, oylik maosh spravka, INPS", "справка из психдиспансера, нарколог, справка о зарплате, ИНПС", "psychiatric clearance, drug clinic certificate, salary certificate, pension account"},
	"annex6-62": {business, "ERI kaliti, elektron imzo, kassa, biznes ochish paketi", "ЭЦП, ключ ЭЦП, онлайн-касса, регистрация бизнеса", "e-signature key, digital signature, cash register"},
}

// annexTwins are services that annex 4 and annex 6 of PQ-286 both list (the
// annex 6 item is the same service, put online in composite form or by
// another agency); either is the right citation, so the builder marks
// them the same (Entry.Same) as it does PQ-308's twins.
var annexTwins = [][2]string{
	{"annex4-38", "annex6-36"}, // state environmental expert review
	{"annex4-40", "annex6-4"},  // Youth Notebook course costs
	{"annex4-41", "annex6-3"},  // Youth Notebook driving courses
	{"annex4-43", "annex6-5"},  // Youth Notebook rent
	{"annex4-48", "annex6-30"}, // verification of measuring instruments
	{"annex4-49", "annex6-31"}, // metrological certification of test equipment
	{"annex4-50", "annex6-32"}, // calibration of measuring instruments
}
