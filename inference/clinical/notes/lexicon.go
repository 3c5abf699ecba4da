package notes

// The lexicons are written as doctors write them, in any script; NewOffline
// normalises every entry with the same function as the input, so one
// Latin stem covers Uzbek Latin, Uzbek Cyrillic and Russian.
//
// Word entries match as prefixes of a word ("жалоб" matches "жалобы",
// "жалобами"), so Russian and Uzbek endings need no listing.

// headings start a section when they open a sentence or line, after at
// most two filler words ("Bemorning shikoyatlari", "Предварительный
// диагноз"). A heading may be two words; the second is optional.
var headings = map[Section][]string{
	Complaints: {"shikoyat", "жалоб", "жалуется"},
	History: {"anamnez", "анамнез", "kasallik tarixi", "история заболевания", "anamnesis",
		"hayot tarixi",
		// the epidemiological and allergy histories, one word or two
		"эпиданамнез", "epidanamnez", "эпидемиологический анамнез", "epidemiologik anamnez",
		"аллергоанамнез", "allergoanamnez", "аллергологический анамнез", "allergologik anamnez"},
	Objective: {"ob'ektiv", "obyektiv", "ob'yektiv", "obektiv", "объектив", "status praesens",
		"ko'rikda", "ko'rik", "осмотр", "при осмотре", "объективный статус", "fizikal ko'rik",
	},
	Assessment: {"tashxis", "диагноз", "ds", "д-з", "dz", "ташхис", "заключение", "xulosa"},
	Plan: {"reja", "tavsiya", "davolash", "plan", "назначен", "рекомендац", "рекомендовано", "лечение",
		"тайинлан", "tayinlan", "buyuril", "tavsiyalar", "назначения",
		// what was done at the visit is part of the plan, as procedures
		// done are without a heading
		"muolaja", "муолажа", "манипуляци", "manipulyatsiya", "процедур", "protsedura", "выполнено", "bajarildi"},
}

// subHistoryHeadings are the history headings that name which history:
// said without a colon they are part of what the sentence says.
var subHistoryHeadings = []string{"эпиданамнез", "epidanamnez", "эпидемиологический анамнез", "epidemiologik anamnez",
	"аллергоанамнез", "allergoanamnez", "аллергологический анамнез", "allergologik anamnez"}

// colonOnlyHeadings are headings only with a colon: common words
// otherwise ("лечение", "осмотр", "bajarildi").
var colonOnlyHeadings = []string{"davolash", "лечение", "plan", "ds", "dz", "д-з", "xulosa", "заключение", "ko'rik", "осмотр",
	"buyuril", "tayinlan", "тайинлан", "muolaja", "муолажа", "манипуляци", "manipulyatsiya", "процедур", "protsedura",
	"выполнено", "bajarildi"}

// bareHeadings are the heading words that open a section wherever they
// stand, even without a colon: the forms used only as headings.
var bareHeadings = []string{"жалобы", "shikoyatlari", "shikoyatlar", "шикоятлари", "анамнез", "anamnez",
	"объективно", "ob'ektiv", "obyektiv", "объектив", "диагноз", "tashxis", "ташхис", "назначено",
	"назначения", "рекомендовано", "tavsiya", "tavsiyalar", "тавсия", "тавсиялар", "reja",
	"эпиданамнез", "epidanamnez", "аллергоанамнез", "allergoanamnez"}

// labTitles are the Objective headings that name a test: a heading only
// with a colon ("ЭКГ: ритм синусовый"); alone, a test is ordered.
var labTitles = []string{"оам", "оак", "бак", "узи", "utt", "экг", "ekg", "рентген", "rentgen", "фгдс", "fgds",
	"мрт", "mrt", "кт", "эхокг", "exokg", "анализ крови", "анализ мочи", "общий анализ", "биохимия", "qon tahlili",
	"siydik tahlili", "спирометрия", "коагулограмма"}

// headingFillers may precede a heading in its sentence.
var headingFillers = []string{
	"bemorning", "bemor", "bemorda", "пациента", "пациент", "у", "при", "kasallik", "hayot", "asosiy",
	"основной", "предварительный", "taxminiy", "dastlabki", "klinik", "клинический", "davolash",
	"yakuniy", "окончательный", "hamroh", "соп", "кратко", "umumiy",
}

// headingTails are second words of two-word headings, consumed with them:
// "ob'ektiv ko'rik", "davolash rejasi", "анамнез заболевания".
var headingTails = []string{
	"ko'rik", "ko'rikda", "ko'rigi", "rejasi", "заболевания", "жизни", "morbi", "vitae", "статус",
	"status", "ma'lumotlari", "данные", "tarixi", "berildi", "etiladi", "qilinadi", "lechenie",
	"лечение", "обследования",
}

// cues classify a sentence that has no heading: a transcript or a note
// dictated without headings, or a new topic inside a section.
var cues = map[Section][]string{
	Complaints: {"bezovta", "беспокоит", "беспокоят", "жалуется", "жалобы на", "shikoyat", "og'riyapti", "og'riydi"},
	History: {"болеет", "заболел", "kasal bo'l", "beri kasal", "kasallan", "в анамнезе", "anamnezida", "перенес", "перенёс",
		"o'tkazgan", "allergi", "аллерги", "страдает", "ichgan", "ichdi", "принимал", "принимает", "qabul qilgan",
		"qabul qiladi", "ichib yuradi", "дней назад", "kun oldin", "с детства", "yildan beri",
		"недел назад", "месяц назад", "год назад", "года назад",
		"лет назад", "давно", "hisobida turadi", "на учёте", "на учете", "kuzatuvda",
		// earlier illness, drugs taken, vaccination, habits, family,
		// epidemiology, menses and pregnancy
		// "oldin" only after a time: alone it begins "oldinga" (forward),
		// "oldingi" (anterior) and "oldini olish" (prevention)
		"ранее", "раньше", "в прошлом", "ilgari", "avval", "soat oldin", "hafta oldin", "oy oldin", "yil oldin", "oldin ham",
		"ancha oldin", "o'tgan yili", "bolel", "болела", "болел",
		"og'rigan", "kasallangan", "ichadi", "ichyapti", "tomizgan", "tomizib yurg", "tomizib yurib", "surtib yurg", "получает", "получал",
		"привит", "прививк", "вакцинирован", "emlangan", "emlanmagan", "emlash",
		"курит", "курение", "chekadi", "chekmaydi", "алкоголь", "spirtli",
		"в семье", "у матери", "у отца", "наследствен", "onasi", "otasi", "oilada", "oilasida",
		"контакт", "muloqotda", "sinfdosh", "одноклассник", "командировк", "поездк", "safar",
		"вскармлива", "прикорм", "emizish", "qo'shimcha ovqat",
		"менструац", "месячные", "hayz", "беременност", "homiladorlik", "роды", "tug'ruq", "abort", "выкидыш",
		"операци", "operatsiya", "травм",
		// what the patient ties the illness to, what came before it
		"связывает", "bog'laydi", "bog'lashadi", "до этого", "bundan oldin"},
	Objective: {"состояние", "ahvoli", "тоны сердца", "yurak tonlari", "в легких", "в лёгких", "o'pkada",
		"o'pkalarda", "аускульт", "auskultatsiya", "зев", "tomoq qizar", "живот мягкий", "qorin yumshoq",
		"пальпац", "paypaslan", "кожные покровы", "teri qoplami", "дыхание везикулярное",
		"vezikulyar", "хрипы", "xirillash", "xirillashlar", "миндалины", "murtak", "отеков нет", "shish yo'q",
		"периферических отеков", "язык", "tili",
		// findings of the examination
		"ko'rikda", "korikda", "при осмотре", "tekshirilganda", "pal'patsiya", "симптом", "simptom", "рефлекс", "refleks", "нистагм", "nistagm", "склер", "sklera", "печень", "jigar",
		"селезёнк", "селезенк", "taloq", "перкусс", "perkussiya", "пальпир", "palpatsiya", "слизист", "shilliq qavat",
		"гиперемирован", "giperemiya", "тоны", "tonlari", "ритмичн", "ritmik", "менингеальн", "meningeal",
		"эритема", "eritema", "папул", "papula", "везикул", "pufakcha", "деформац", "deformatsiya",
		"болезненн при", "при пальпации", "в норме", "normada", "без особенностей", "не увеличен", "kattalashmagan",
		"регионарные лимфоузлы", "limfa tugunlari", "отделяемое", "барабанная перепонка", "nog'ora parda",
		"локально", "status localis", "локальный статус", "mahalliy status",
		// mental status
		"внешне", "фон настроения", "критика сохранена", "критика снижена", "ориентирован", "сознание ясное",
		"tashqi ko'rinishi", "ongi tiniq", "kayfiyat foni",
		// how the examination was made
		"отоскоп", "otoskop", "риноскоп", "ларингоскоп", "per rectum", "ректально", "бимануально",
	},
	Assessment: {"tashxis", "диагноз", "ташхис", "подозрение на", "shubha", "gumon"},
	Plan: {"tavsiya", "назнач", "рекоменд", "buyur", "tayinla", "nazorat", "контроль", "явка", "qayta ko'rik",
		"qayta kelish", "повторн", "направлен", "yo'llanma", "yo'llan", "konsultatsiya", "консультац",
		"сдать", "topshirish", "обильное питье", "обильное питьё", "ko'p suyuqlik", "parhez", "диета",
		"постельный режим", "yotoq rejimi", "госпитализ", "gospitaliz", "yotqizish", "yotqizilsin", "kontrol",
		"takrorlash", "takrorlansin", "takrorlang", "повторить", "больничн", "режим", "mumkin emas", "не рекомендуется", "исключить",
		// continue, limit, prevent: what the patient is to do
		"davom ettir", "продолжить", "cheklash", "ограничить", "ограничение", "oldini olish", "профилактик",
		// starting a treatment
		"начинаем", "начать", "начинаю", "boshlaymiz", "boshlansin", "boshlash",
		// procedures done at this visit: a wound cleaned, sutured or not
		"обработан", "промыт", "ушит", "швы наложен", "qayta ishlandi", "ishlov berildi", "tikildi", "tikilmadi",
		"ishlandi"},
}

// reportedMarkers, next to a number, say it was reported by the patient
// ("температура до 39", "bosim 180 gacha ko'tarilgan"), not measured now.
var reportedMarkers = []string{"до", "gacha", "ko'tarilgan", "поднимал", "поднимается", "повышалась",
	"повышается", "ko'tariladi", "chiqqan", "chiqdi", "chiqyapti", "бывает", "bo'ladi", "уйда", "uyda", "дома",
	// in the evenings, at night: when the patient sees it, not now
	"kechqurun", "kechalari", "по вечерам", "вечерами", "по ночам",
	// a threshold of the plan: "при температуре выше 38,5", "harorat 38,5
	// dan oshganda"
	"выше", "oshganda", "oshsa"}

// historyVerbs before or after a drug mean the patient took it, which
// makes it history, not a prescription.
var historyVerbs = []string{"ichgan", "ichdi", "ichib", "принимал", "принимала", "принимает", "qabul qilgan",
	"qabul qildi", "qabul qiladi", "pil", "пил", "пила", "qilgan", "без эффекта", "samara bermadi",
	"yordam bermadi", "не помог", "allergi", "аллерги", "непереносим", "bergan", "берган", "olgan", "олган", "tomizib yurg", "tomizib yurib", "surtib yurg",
	// stopped, by the doctor or the patient, in any form ("отменён",
	// "to'xtatgan"); the orders to stop are stopVerbs
	"отмен", "прекрат", "прекращ", "bekor qil", "to'xtat",
	// taken now or before, by the patient: history, not this plan
	"ichadi", "ichyapti", "tomizgan", "tomizdi", "surtgan", "получал", "получала", "закончил", "помогал",
	// a course begun before this visit, said with its dose ("6 hafta oldin
	// sertralin 50 mg boshlangan"; "og'riq boshlangan" is a pain that
	// began, and Russian "начат" would take "начать", start it)
	"mg boshlangan",
	"помогает", "yordam bergan", "в прошлом", "o'tgan yili",
	// dripped, sprayed or rubbed in by the patient
	"капал", "закапывал", "брызгал", "мазал", "пользовал",
	"лечил", "davolangan", "yordam bermagan", "samara bermagan", "naf bermagan", "не помогло", "не помогал",
	// a reaction the drug caused: "на амоксициллин была крапивница"
	"была крапивница", "была сыпь", "была реакция", "реакция на", "был отёк", "был отек",
	"toshma chiqqan", "toshma chiqdi", "eshakemi chiqqan", "eshakemi bo'lgan", "reaksiya bergan"}

// intakeLists open the list of what the patient takes now ("Қабул
// қилаётган дорилари: ...", "Постоянно принимает: ..."): a sentence with
// one and no cue of the plan is history. They are no verb of one drug's
// intake, which would make a drug before them history too ("Amoksitsillin
// 500 mg, qabul qilayotgan dorilarni davom ettirish").
var intakeLists = []string{"qabul qilayotgan", "qabul qilyapti", "ichayotgan", "принимаемые", "постоянно принимает", "принимает постоянно"}

// dosedBrands are brands that are also words once normalised ("Найз",
// Uzbek "nayza", a spear, as in the bayonet deformity of a wrist): the
// lexicon of medicines leaves them out, and they name the drug only as a
// whole word followed by its dose ("Найз 100 мг"). Keyed by normalised
// form.
var dosedBrands = map[string]string{"nayz": "nimesulide"}

// stopVerbs near a drug order it stopped or kept from the patient: not
// prescribed, but an order of the plan ("Нафтизинни тўхтатиш.").
var stopVerbs = []string{"не назнач", "не принимать", "отменить", "отмена", "прекратить", "bekor qilish", "bekor qilinsin",
	"to'xtatish", "to'xtating", "to'xtatilsin", "ichmasin", "qabul qilmasin"}

// onsetCues are the history cues that only date when the illness began
// ("3 дня назад", "2 soat oldin"); a sentence with no other history cue
// that tells symptoms is the complaints (see complaintsFirst).
var onsetCues = []string{"дней назад", "дня назад", "день назад", "часа назад", "часов назад", "kun oldin", "недел назад", "месяц назад", "soat oldin", "hafta oldin", "oy oldin",
	// "since": "5 kundan beri", "yarim yildan beri"
	"soatdan beri", "kundan beri", "haftadan beri", "oydan beri", "yildan beri"}

// symptomWords name what a patient feels, as prefixes of normalised
// words: pain, fever, cough, nausea, vomiting, weakness, dizziness, itch,
// rash, swelling, breathlessness, a blocked or running nose.
var symptomWords = []string{
	"боль", "боли", "болит", "болят", "og'riq", "og'ri", "ogriq", "ogri", "isitma", "температур", "harorat",
	"кашель", "кашля", "yo'tal", "yotal", "тошнот", "ko'ngil ayn", "kongil ayn", "рвот", "qus", "слабост", "holsiz",
	"головокруж", "bosh aylan", "зуд", "qichi", "сыпь", "toshma", "отёк", "отек", "shish", "одышк", "hansira",
	"nafas qis", "насморк", "заложенн", "burun biti", "tumov", "санчиқ", "sanchiq", "ачиш", "achish",
}

// agoWords date what a sentence tells before this visit ("месяц
// назад", "3 oy oldin"); "oldin" alone is also "before" of the plan
// ("ovqatdan oldin").
var agoWords = []string{"назад", "kun oldin", "hafta oldin", "oy oldin", "yil oldin", "o'tgan yili", "в прошлом году"}

// historyOpeners begin the history in run-on dictation: the past, the
// family, habits, allergies. They stand at the start of their clause;
// Uzbek verbs of the history ("ichadi") end theirs and cannot open it.
var historyOpeners = []string{"avval", "ilgari", "ранее", "раньше", "в анамнезе", "anamnezida", "в прошлом",
	"otasi", "onasi", "в семье", "у матери", "у отца", "oilada", "oilasida", "курит", "аллерги", "allergi",
	"перенес", "перенёс"}

// stepWords move a regimen on to its next dose (see doseSteps).
var stepWords = []string{"затем", "потом", "далее", "keyin", "кейин", "so'ng", "сўнг", "then"}

// sinceChildhood and yearUnits say how long a disease has been had
// (yearUnits are prefixes of normalised words: "yil", "лет", "года",
// "oy", "месяцев").
var (
	sinceChildhood = []string{"с детства", "bolalikdan", "болаликдан"}
	yearUnits      = []string{"yil", "let", "god", "oy", "mesyats"}
)

// illIsWords ("болеет") followed by how long it has lasted (howLongWords
// whole, howLongStems as prefixes; normalised forms) open the history of
// the present illness in run-on dictation.
var (
	illIsWords   = []string{"boleet", "boleyet", "boleyut"}
	howLongWords = []string{"s", "v", "uje", "okolo", "den", "dnya", "dney"}
	howLongStems = []string{"vtor", "tret", "chetvert", "chetvyort", "pyat", "shest", "sedm", "vosm", "nedel", "mesyats",
		"sutk", "neskolk"}
)

// otherOrders are the plan's items that are not drugs; a drug's regimen
// ends where one begins.
var otherOrders = []string{"больничн", "листок нетрудоспособност", "mehnatga layoqatsizlik", "kasallik varaqa",
	"контроль", "nazorat", "консультац", "konsultatsiya", "повторн", "явка", "qayta ko'rik", "qayta kelish",
	"госпитализ", "gospitaliz", "осмотр через", "направлен", "yo'llanma",
	// self-monitoring: its count ("glyukometr bilan kuniga 3 marta") is
	// not the dose before it
	"глюкометр", "glyukometr", "glukometr", "тонометр", "tonometr", "самоконтрол", "измерять", "измерение",
	"o'lchash", "o'lchab turish",
	// saline, a measure and not a drug: its volume ("физиологик эритма
	// 400 мл") is not the dose of the drug before it
	"физраствор", "физиологическ", "fiziologik eritma", "saline",
	// isolation and staying away: their days are not a course
	"карантин", "karantin", "изоляци", "izolyatsiya", "izolyatsiyada", "не посещать", "bormasin", "bormaslik", "bog'chaga", "maktabga"}

// prohibitions next to a drug say it must not be given. They reach only a
// few words ("НПВС (диклофенак, ибупрофен) нельзя"), so that "метронидазол
// ... 7 дней, алкоголь нельзя" stays a prescription.
var prohibitions = []string{"mumkin emas", "bermaslik", "ishlatmaslik", "ichmaslik", "не вводить", "не давать",
	"нельзя", "противопоказан", "qarshi ko'rsatma", "избегать",
	// not needed, or not to be used
	"kerak emas", "shart emas", "не нужн", "не требуется", "не показан", "ishlatilmasin", "berilmasin"}

// restartBans say a drug is not to be restarted ("Доксициклин не
// возобновлять"): they count only right after its name, as further on
// they may be about smoking ("..., не возобновлять курение").
var restartBans = []string{"не возобновл", "qayta boshlamaslik", "qayta boshlanmasin", "qayta tayinlanmasin", "not to be restarted", "do not restart"}

// vitalKeys introduce a vital sign. The number comes within a few words.
var vitalKeys = map[string][]string{
	"bp": {"ад", "a/d", "артериальное давление", "давление", "qon bosimi", "arterial bosim", "qb", "bp",
		"bosim", "bosimi", "артериальное", "давления",
		// Uzbek "arterial qon bosimi": AQB, АҚБ.
		"aqb", "a.q.b", "arterial qon bosimi"},
	"pulse": {"пульс", "ps", "чсс", "puls", "yurak urish", "yurak qisqarish", "hr", "pulse", "ю.у.с", "юқс",
		"yuqs"},
	"temp": {"температура", "t", "т", "harorat", "tana harorati", "temp", "температуры", "t°", "тана ҳарорати"},
	"spo2": {"spo2", "сатурация", "saturatsiya", "sat", "сатурации", "saturatsiyasi", "kislorod"},
}

// vitalSkip are words allowed between a vital's key and its number.
var vitalSkip = []string{"тела", "tana", "тана", "равна", "равно", "составляет", "составила", "-", ":", "=", "°", "qon",
	"bosimi", "на", "уровне", "в", "norm", "urishi", "soni", "chastota", "sokrasheniy", "serdechnix", "серд",
	"сокращений", "частота", "harorati", "kislorodda", "havoda", "воздухе", "at", "of", "mm", "uchun",
	"o'lchanganda", "o'lchandi", "—", "qisqarishi", "qisqarish", "minutiga", "daqiqada", "в минуту", "(",
	"saturatsiya", "darajasi", "pul'si"}

// bpSeparators join systolic and diastolic: "140/90", "130 ga 85",
// "140 на 90".
var bpSeparators = []string{"/", "ga", "na", "на", "га", "\\", "-", "по"}

// localDrugs are medicines the notes engine knows beyond the lexicon of
// models/medicines: herbal remedies without an INN.
var localDrugs = map[string][]string{
	"valerian": {"валериан", "valeriana"},
}

// doseUnitWords map unit words to DoseUnits.
var doseUnitWords = map[string][]string{
	"mg":      {"мг", "mg", "миллиграмм", "milligramm", "mgr"},
	"g":       {"г", "g", "гр", "gr", "грамм", "gramm"},
	"mcg":     {"мкг", "mkg", "mcg", "микрограмм"},
	"ml":      {"мл", "ml", "миллилитр", "millilitr"},
	"IU":      {"ед", "ме", "iu", "xb", "ҳб", "единиц", "birlik", "тб", "tb"},
	"tablet":  {"таблет", "tabletka", "tab", "табл", "tabl", "таб"},
	"capsule": {"капсул", "kapsula", "kaps"},
	"drop":    {"капл", "капель", "tomchi"},
	"puff": {"вдох", "ингаляц", "ingalyatsiya", "inhalyatsiya", "puff", "doza", "доза", "дозы", "purkash", "впрыск", "нажат", "spray",
		"пшик", "puflash", "puflam"},
	"sachet": {"пакет", "paket", "sashe", "саше"},
}

// diagnosisModifiers qualify a diagnosis before its disease word: course,
// side, cause, extent ("острый диффузный наружный отит", "o'tkir
// pielonefrit"). They match as prefixes.
var diagnosisModifiers = []string{
	"остр", "подостр", "хронич", "рецидив", "обострен", "первичн", "вторичн", "o'tkir", "otkir", "surunkali",
	"двусторон", "правосторон", "левосторон", "односторон", "tomonlama",
	"вирусн", "бактериал", "грибков", "аллергич", "атопич", "контактн", "virusli", "bakterial", "allergik",
	"неспециф", "диффузн", "очагов", "гнойн", "катарал", "обструктив", "внебольнич", "наружн", "средн",
	"mavsumiy", "сезонн", "поясничн", "шейн", "железодефицит", "ишемич", "эссенциал", "вертеброген", "bronxial", "бронхиал",
	"опоясывающ", "эпидемическ", "epidemik", "герпетическ", "gerpetik", "паратонзилляр", "генерализован", "generalizatsiya",
	// the first word of a disease's name: "qandli diabet", "сахарный диабет"
	"qandli", "сахарн", "гипертоническ", "gipertonik", "ishemik",
	// where, what kind and how severe, in Russian and as Uzbek borrows them
	"артериал", "arterial", "lumbosakral", "пояснично-крестц", "гестацион", "gestatsion", "умерен", "o'rtacha",
	"депрессив", "depressiv", "тревожн", "медиальн", "латеральн", "закрыт", "открыт", "yopiq", "ochiq",
}

// findingNames before a disease make it what a finding says of it
// ("симптомы перитонита", "pielonefrit belgilari"), not the diagnosis.
var findingNames = []string{"признак", "симптом", "belgi", "данных", "исключ", "без", "подозр"}

// negations in a diagnosis-shaped phrase deny it: "перитонита нет".
var negations = []string{"нет", "не", "yo'q", "emas", "отсутств", "mavjud emas", "aniqlanmadi", "не выявлен",
	"отрицает", "inkor"}

// yearWords and yearStems after a number make it a calendar year: "2019
// йилда", "в 2019 году", "2019 г.".
var (
	yearWords = []string{"g", "y"}
	yearStems = []string{"yil", "god"}
)

// investigations are tests a plan orders, as whole words: "UTT", "УЗИ",
// "ЭКГ". With a colon or after "на" they bring a result instead.
var investigations = []string{"utt", "узи", "uzi", "экг", "ekg", "эхокг", "exokg", "мрт", "mrt", "кт", "skt", "мскт",
	"рентген", "rentgen", "рентгенография", "rentgenografiya", "флюорография", "flyuorografiya", "фгдс", "fgds",
	"эхокардиография", "exokardiografiya", "оак", "оам", "коагулограмма", "спирометрия", "spirometriya",
	"холтер", "xolter", "смад"}

// specialists followed by reviewWords are a referral: "Ginekolog
// ko'rigi", "кардиолог кўриги", "осмотр окулиста" is a heading word and
// is not needed here.
var (
	specialists = []string{"ginekolog", "kardiolog", "nevrolog", "nevropatolog", "urolog", "endokrinolog",
		"oftalmolog", "okulist", "lor", "otorinolaringolog", "pulmonolog", "gastroenterolog", "dermatolog",
		"revmatolog", "nefrolog", "onkolog", "jarroh", "xirurg", "travmatolog", "allergolog", "psixiatr",
		"pediatr", "infeksionist", "gematolog", "kardioxirurg", "stomatolog"}
	reviewWords = []string{"ko'rig", "korig", "konsult", "maslahat"}
)

// perDayWords say "a day" ("в сутки" is handled with its preposition);
// with no count ("kuniga 2 marta") a dose is taken once a day.
var perDayWords = []string{"kuniga", "sutkada", "daily", "perday"}

// doseLimits say that what follows is the most a dose on demand may be
// repeated ("не чаще 4 раз в сутки"), not how often to take it.
var doseLimits = []string{"не чаще", "не более", "не больше", "максимально", "максимум", "no more than",
	"at most", "ko'pi bilan", "кўпи билан"}

// dosageForms stand between a count and its unit: "по 1 жевательной
// таблетке", "1 ta chaynaladigan tabletka".
var dosageForms = []string{"жевательн", "шипуч", "растворим", "диспергир", "сублингвал", "chaynal", "eriydigan",
	"chewable", "effervescent"}

// labAnalytes are what a laboratory measures. With a value or a result
// word after them (labResults) they are a finding ("Глюкоза натощак 11,8",
// "лейкоциты сплошь"); without, an order ("1 ҳафтадан кейин калий ва
// креатинин").
var (
	labAnalytes = []string{"глюкоз", "glyukoza", "hba1c", "гликированн", "гемоглобин", "gemoglobin", "холестерин",
		"xolesterin", "креатинин", "kreatinin", "калий", "kaliy", "натрий", "билирубин", "bilirubin", "ттг", "ttg",
		"соэ", "ферритин", "ferritin", "мочевин", "лейкоцит", "leykotsit", "тромбоцит", "trombotsit", "эритроцит",
		"eritrotsit", "срб", "с-реактивн", "прокальцитонин", "тропонин", "troponin", "алт", "аст", "inr", "мно",
		// tests whose result is a word: "Экспресс-тест на грипп положительный"
		"тест", "test", "экспресс-тест", "ekspress-test", "пцр", "pcr", "ифа", "ifa", "посев", "ekma"}
	labResults = []string{"повышен", "снижен", "норм", "положительн", "отрицательн", "сплошь", "единичн", "много",
		"нет", "не обнаруж", "обнаруж", "в пределах", "yuqori", "past", "normada", "musbat", "manfiy", "oshgan",
		"pasaygan", "ko'p", "yo'q", "topil", "aniqlan"}
)
