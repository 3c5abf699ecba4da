package portalkb

// NotificationsFile is Decree PQ-286's annex 5 (life-event notifications),
// inside the source directory.
const NotificationsFile = "region/notifications.csv"

// notification is what Oqim adds to an annex 5 row: the Russian rendering
// of the notification and of the service it offers (the data set has the
// decree's Uzbek and an English translation), and the words citizens use.
// The Uzbek Latin text is the decree's Cyrillic transliterated.
type notification struct {
	ru, ruOffer string
	note
}

// notifications is keyed by annex 5 item number; Build fails if a row has
// no entry or an entry has no row.
var notifications = map[int]notification{
	1: {"Подошла очередь на льготное направление на лечение в государственных медицинских учреждениях", "Получить сведения об очереди на льготное направление",
		note{citizen, "imtiyozli yoʻllanma, davolanish navbati, bepul davolanish, kvota, navbatim keldimi", "льготное направление, очередь на лечение, квота на лечение, бесплатное лечение, подошла очередь", "preferential referral, treatment queue, free treatment, medical quota, my turn for treatment"}},
	2: {"Медицинская комиссия выдала заключение (форма 083/у) о наличии (отсутствии) противопоказаний к управлению транспортом", "Получить справку о медицинских противопоказаниях к управлению транспортом",
		note{citizen, "083 spravka, haydovchi tibbiy koʻrik, prava uchun spravka, tibbiy komissiya haydovchi", "справка 083, медкомиссия на права, медицинская справка водителя, водительская медкомиссия", "083 medical certificate, driver's medical, medical for driving licence"}},
	3: {"Листок временной нетрудоспособности (больничный) закрыт", "Скачать листок нетрудоспособности",
		note{citizen, "bolnichniy yopildi, kasallik varaqasi yuklab olish, elektron bolnichniy, mehnatga layoqatsizlik varaqasi", "больничный закрыт, электронный больничный, скачать больничный лист, листок нетрудоспособности", "sick note closed, download sick leave certificate, electronic sick note"}},
	4: {"Бесплатные лекарства, выделенные государством, доставляются", "Получить сведения о бесплатных лекарствах, выделенных пользователю",
		note{citizen, "bepul dori, dori-darmon, imtiyozli dori, davlat dorisi, dori yetkazish", "бесплатные лекарства, льготные лекарства, доставка лекарств, лекарства от государства", "free medicines, free drugs, medicine delivery, subsidised medicines"}},
	5: {"Подошёл срок профилактической прививки ребёнка", "Посмотреть статус прививок в личном кабинете",
		note{citizen, "emlash, bolani emlash, privivka, vaksina, emlash kalendari, emlash muddati", "прививка, прививки ребенку, вакцинация, календарь прививок, срок прививки", "vaccination, child vaccination, immunisation, vaccine schedule, jab"}},
	6: {"Плановые медицинские осмотры (скрининг) беременных женщин", "Посмотреть плановые осмотры (скрининг) в личном кабинете",
		note{citizen, "homilador ayollar koʻrigi, skrining, homiladorlik koʻrigi, UZI homilador", "скрининг беременных, осмотр беременных, плановый осмотр беременности, УЗИ беременным", "pregnancy screening, antenatal check-up, prenatal screening"}},
	7: {"Возникла задолженность за газ или отопление", "Оплатить коммунальные долги прямо на портале и в мобильном приложении",
		note{citizen, "gaz qarzi, isitish qarzi, otopleniya qarzi, kommunal qarzdorlik, gazdan qarzim", "долг за газ, задолженность за отопление, долг за коммуналку, задолженность за газ", "gas debt, heating arrears, utility debt, owe for gas"}},
	8: {"Возникла налоговая задолженность", "Оплатить налоговый долг прямо на портале и в мобильном приложении",
		note{citizen, "soliq qarzi, soliqdan qarzdorlik, mol-mulk soligʻi qarzi, yer soligʻi qarzi, soliq toʻlash", "налоговая задолженность, долг по налогам, недоимка, налог на имущество долг, оплатить налог", "tax debt, tax arrears, owe tax, pay property tax, unpaid tax"}},
	9: {"На транспортное средство наложены штрафы", "Оплатить штрафы или подать жалобу",
		note{citizen, "mashinaga jarima, avtomobil jarimasi, radar, YPX jarimasi, jarimaga shikoyat, shtraf keldi", "штраф на машину, штраф ГАИ пришел, камера штраф, обжаловать штраф, штраф за превышение", "car fine, traffic fine notice, speed camera fine, appeal a fine"}},
	10: {"Транспортное средство поставлено на государственный учёт", "Оформить обязательное страхование и доверенность; разрешение на тонировку",
		note{citizen, "sugʻurta, OSAGO, ishonchnoma mashinaga, tonirovka ruxsati, tonirovka, mashina roʻyxatga qoʻyildi", "страховка, ОСАГО, доверенность на машину, разрешение на тонировку, тонировка", "car insurance, compulsory motor insurance, power of attorney for a car, window tint permit"}},
	11: {"Ребёнок окончил общеобразовательную школу", "Получить аттестат; подать документы в технические колледжи",
		note{citizen, "attestat, maktabni tugatdi, maktab bitiruvchisi, texnikumga hujjat topshirish, kollej", "аттестат, окончил школу, выпускник школы, поступить в колледж, техникум", "school-leaving certificate, finished school, school graduate, apply to college"}},
	12: {"Подошёл срок аттестации педагогов дошкольных, общеобразовательных и внешкольных учреждений", "Подать заявление на аттестацию",
		note{specialist, "oʻqituvchi attestatsiyasi, pedagog attestatsiyasi, tarbiyachi attestatsiyasi, toifa", "аттестация учителей, аттестация педагогов, аттестация воспитателей, категория учителя", "teacher attestation, teacher certification, teacher grade review"}},
	13: {"Недвижимость зарегистрирована на имя гражданина", "Сформировать кадастровый паспорт жилого объекта",
		note{citizen, "kadastr, uy roʻyxatdan oʻtdi, koʻchmas mulk, kvartira hujjati, kadastr pasporti olish", "кадастровый паспорт, недвижимость зарегистрирована, квартира оформлена, кадастр", "cadastral passport, property registered, real estate registration"}},
	14: {"Уведомление родителям, когда ребёнку исполняется 7 лет", "Записать ребёнка в 1-й класс",
		note{citizen, "birinchi sinf, maktabga yozish, bolani maktabga berish, 7 yosh, 1-sinf", "первый класс, записать в школу, ребенку 7 лет, запись в 1 класс", "first grade, enrol in school, school enrolment, child turns seven"}},
	15: {"Наложен запрет на выезд за границу", "Посмотреть сведения о запрете",
		note{citizen, "chet elga chiqish taqiqi, chiqishga cheklov, xorijga chiqa olmayman, MIB taqiq, qarz sababli taqiq", "запрет на выезд, ограничение выезда за границу, не выпускают за границу, МИБ запрет", "travel ban, ban on leaving the country, exit ban, cannot travel abroad"}},
	16: {"Наложен запрет на продажу или отчуждение имущества либо арест имущества", "Посмотреть сведения о запрете",
		note{citizen, "mol-mulk xatlovi, arest, taqiq mulkka, mashinaga taqiq, uyga taqiq, MIB", "арест имущества, запрет на продажу, запрет на отчуждение, арест машины, МИБ", "property seizure, ban on selling property, asset freeze, arrest of property"}},
	17: {"Опубликованы результаты вступительных экзаменов в государственные вузы", "Посмотреть результаты экзаменов",
		note{student, "imtihon natijalari, test natijalari, DTM, abituriyent, qabul natijalari, oliygohga kirish", "результаты экзаменов, результаты теста, ДТМ, абитуриент, результаты поступления", "entrance exam results, test results, university admission results"}},
	18: {"Подошла очередь пожилого человека или лица с инвалидностью на санаторное лечение", "Посмотреть сведения об очереди в санаторий",
		note{citizen, "sanatoriy navbati keldi, sanatoriyga yoʻllanma, putyovka, nogironlar sanatoriy", "очередь в санаторий подошла, путевка в санаторий, санаторное лечение", "sanatorium turn, health resort voucher, spa treatment queue"}},
	19: {"На имя физического лица зарегистрированы международные почтовые или курьерские отправления", "Посмотреть сведения о товарах, поступающих международной почтой или курьером",
		note{citizen, "posilka, xalqaro pochta, bojxona posilka, kuryer, chet eldan buyurtma, AliExpress, posilkam qayerda", "посылка, международная почта, таможня посылка, курьер, заказ из-за границы, где моя посылка", "parcel, international post, customs parcel, courier delivery, order from abroad"}},
}
