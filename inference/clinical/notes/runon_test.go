package notes

import (
	"strings"
	"testing"

	"github.com/oqim/oqim/bench/growth"
)

// sectionCase is a text and a phrase of it that must land in section sec.
type sectionCase struct {
	text string
	sec  Section
	want string // a phrase that must land in sec
}

// checkSections structures each case's text and wants its phrase in its
// section.
func checkSections(t *testing.T, cases []sectionCase) {
	t.Helper()
	for _, c := range cases {
		n := structure(t, c.text)
		if got := n.Sections.Get(c.sec); !strings.Contains(got, c.want) {
			t.Errorf("%q: %s = %q, want it to hold %q", c.text, c.sec, got, c.want)
		}
	}
}

func TestSectionsWithoutHeadings(t *testing.T) {
	checkSections(t, []sectionCase{
		// A short sentence naming a disease is the assessment, and what
		// follows it is the plan.
		{"Кашель три дня. В лёгких хрипов нет. Острый трахеит. Пить тёплое.", Assessment, "Острый трахеит"},
		{"Кашель три дня. В лёгких хрипов нет. Острый трахеит. Пить тёплое.", Plan, "Пить тёплое"},
		{"Qorinda og'riq. Qorin yumshoq. Surunkali gastrit. Parhez saqlash.", Assessment, "Surunkali gastrit"},
		// Run-on dictation is split at the words that open a topic.
		{"боли в пояснице второй день при осмотре напряжение мышц спины думаю поясничный радикулит назначаю покой",
			Objective, "напряжение мышц спины"},
		{"боли в пояснице второй день при осмотре напряжение мышц спины думаю поясничный радикулит назначаю покой",
			Assessment, "поясничный радикулит"},
		{"bemor tomoq og'rig'iga shikoyat qiladi ko'rikda tomoq qizargan", Complaints, "tomoq og'rig'iga"},
		// A complaint verb makes its sentence the complaints, whatever
		// words of the examination describe what is felt.
		{"Мужчина 30 лет, жалобы на покраснение глаз и гнойное отделяемое. Объективно: конъюнктива гиперемирована.", Complaints, "покраснение глаз"},
		// A drug taken for years, ordered by someone before this visit, is
		// the history.
		{"Жалобы на слабость. Принимает бисопролол 5 мг и аторвастатин давно, кто назначил не помнит. АД 110/70.", History, "бисопролол 5 мг"},
		// A first sentence that tells symptoms and only since when they
		// began is the complaints, not the history.
		{"Ayol 45 yosh. Doimiy bosh og'rig'i, uyqusi buzilgan, yarim yildan beri. Ko'rikda: qon bosimi 130/80.", Complaints, "bosh og'rig'i"},
		{"bemor tomoq og'rig'iga shikoyat qiladi ko'rikda tomoq qizargan", Objective, "tomoq qizargan"},
		// Unpunctuated, a drug given with a dose opens the plan, even after
		// the examination with no word to say so; a drug the patient took
		// stays where it was said.
		{"кашель пять дней при осмотре зев гиперемирован температура 37,6 амброксол 30 мг 3 раза в день 5 дней",
			Plan, "амброксол 30 мг"},
		{"кашель пять дней при осмотре зев гиперемирован температура 37,6 амброксол 30 мг 3 раза в день 5 дней",
			Objective, "зев гиперемирован"},
		{"bosh og'rig'iga shikoyat qiladi ko'rikda qon bosimi 150 ga 95 amlodipin 5 mg kuniga 1 marta",
			Plan, "amlodipin 5 mg"},
		// Uzbek closes the diagnosis with its verb, after the findings it
		// follows from; the findings stay the examination.
		{"yo'talga shikoyat qiladi ko'rikda o'pkada nam xirillashlar harorat 38,4 o'ng tomonlama pnevmoniya deb hisoblayman",
			Objective, "o'pkada nam xirillashlar"},
		{"yo'talga shikoyat qiladi ko'rikda o'pkada nam xirillashlar harorat 38,4 o'ng tomonlama pnevmoniya deb hisoblayman",
			Assessment, "pnevmoniya"},
		{"ko'rikda qon bosimi 150 ga 90 yurak tonlari bo'g'iq bo'lmachalar fibrillyatsiyasi deb baholandi",
			Objective, "yurak tonlari bo'g'iq"},
		{"ko'rikda qon bosimi 150 ga 90 yurak tonlari bo'g'iq bo'lmachalar fibrillyatsiyasi deb baholandi",
			Assessment, "bo'lmachalar fibrillyatsiyasi"}, // the possessive ties the noun before
		// Without findings before it, all of the sentence is the diagnosis.
		{"Ko'rikda o'pkada xirillash. O'tkir o'ng tomonlama pnevmoniya deb hisoblayman.",
			Assessment, "O'tkir o'ng tomonlama pnevmoniya"},
		// "Болеет" with how long opens the history of the illness; said of
		// someone else, it opens nothing and stays with its subject.
		{"насморк чихание болеет четвёртый день при осмотре слизистая носа отёчна", History, "болеет четвёртый день"},
		{"насморк чихание болеет четвёртый день при осмотре слизистая носа отёчна", Complaints, "насморк чихание"},
		{"жалобы на жажду отец болеет диабетом при осмотре кожа сухая", Complaints, "отец болеет диабетом"},
		// A Russian infinitive ending like "-ит" is an instruction, not a
		// disease.
		{"Диагноз: ангина. Полоскать горло. Кипятить воду.", Plan, "Кипятить воду"},
	})
}

func TestHistoryAndObjectiveCues(t *testing.T) {
	checkSections(t, []sectionCase{
		// The epidemiological and allergy histories are history headings.
		{"Жалобы на диарею. Эпиданамнез: пил воду из арыка. Объективно: живот мягкий.", History, "пил воду из арыка"},
		{"Кашель. Аллергоанамнез: на пенициллин отёк Квинке. Объективно: зев спокоен.", History, "на пенициллин"},
		// How long ago an event was makes the sentence history, even when
		// it names a disease.
		{"Одышка. Обострение после гриппа месяц назад. Объективно: хрипы.", History, "после гриппа"},
		// Uzbek "after having ..." of an event is how the illness began,
		// also after the complaint verb and a comma; after a meal it
		// describes the complaint.
		{"Bel og'rig'iga shikoyat qiladi, sovuq suvda cho'milgandan keyin. Ko'rikda mushaklar taranglashgan.", History, "cho'milgandan keyin"},
		{"Bel og'rig'iga shikoyat qiladi, sovuq suvda cho'milgandan keyin. Ko'rikda mushaklar taranglashgan.", Complaints, "Bel og'rig'iga"},
		{"Qorinda og'riq ovqatlangandan keyin kuchayadi. Ko'rikda qorin yumshoq.", Complaints, "ovqatlangandan keyin"},
		{"Кашель неделю. Привит по календарю. Курит 10 лет.", History, "Привит по календарю"},
		{"Yo'tal. Ilgari zotiljam bilan og'rigan. O'pkada quruq xirillash.", History, "Ilgari zotiljam"},
		{"Боль в ухе. Барабанная перепонка гиперемирована.", Objective, "Барабанная перепонка"},
		// A complaint verb outranks history words in its sentence.
		{"Homiladorlik 12 hafta, ko'ngil aynishiga shikoyat qiladi.", Complaints, "ko'ngil aynishiga"},
		// A drug without a verb of intake is prescribed even beside a
		// history word.
		{"Ibuprofen 200 mg hayz kunlarida kuniga 2 marta.", Plan, "Ibuprofen 200 mg"},
	})
}

// A drug the patient took, said with its dose in a run-on sentence, is
// history, not a prescription.
func TestRunOnIntakeIsNotPrescribed(t *testing.T) {
	for _, text := range []string{
		"головные боли неделю ранее принимал эналаприл 10 мг 2 раза в день при осмотре АД 160/100",
		// a reaction the drug caused
		"сыпь на теле на цефтриаксон была сыпь при осмотре кожа чистая",
		"bosh aylanishiga shikoyat qiladi uyda paratsetamol 500 mg ichgan ko'rikda harorat 37,2",
	} {
		if n := structure(t, text); len(n.Medications) != 0 {
			t.Errorf("%q: prescribed %+v, want none", text, n.Medications)
		}
	}
}

// A diagnosis named after the last finding of a run-on examination is
// split from it, with the words that qualify it, and orders that are not
// drugs after it are the plan.
func TestDiagnosisAfterFindings(t *testing.T) {
	const ru = "при осмотре миндалины увеличены налёт пульс девяносто температура тридцать восемь и два острый гнойный тонзиллит постельный режим обильное питьё"
	const uz = "ko'rikda o'pkada nam xirillashlar puls 96 harorat 38 o'tkir o'ng tomonlama pnevmoniya yotoq rejimi ko'p suyuqlik"
	checkSections(t, []sectionCase{
		{ru, Objective, "миндалины увеличены налёт"},
		{ru, Assessment, "острый гнойный тонзиллит"},
		{ru, Plan, "постельный режим обильное питьё"},
		{uz, Objective, "o'pkada nam xirillashlar"},
		{uz, Assessment, "o'tkir o'ng tomonlama pnevmoniya"},
		{uz, Plan, "yotoq rejimi"},
		// Before a closing verb too, the qualifiers go with the disease.
		{"ko'rikda o'pkada quruq xirillashlar harorat 37,8 surunkali bronxit qo'zg'alishi deb hisoblayman",
			Assessment, "surunkali bronxit"},
	})
	// A disease the findings deny or name a sign of is one of the findings.
	for _, c := range []struct{ text, finding string }{
		{"при осмотре язык влажный живот мягкий безболезненный пульс восемьдесят температура тридцать шесть и шесть перитонит не выявлен",
			"перитонит не выявлен"},
		{"при осмотре живот мягкий пульс восемьдесят температура тридцать шесть и шесть печень у края рёберной дуги признаки холецистита",
			"признаки холецистита"},
	} {
		n := structure(t, c.text)
		if n.Sections.Assessment != "" || !strings.Contains(n.Sections.Objective, c.finding) {
			t.Errorf("%q: objective %q, assessment %q; want %q a finding", c.text, n.Sections.Objective, n.Sections.Assessment, c.finding)
		}
	}
}

// Words that only look like diseases: "болезненный" (painful) begins
// like "болезнь", a "-цит" is a blood cell.
func TestFindingsThatLookLikeDiseases(t *testing.T) {
	checkSections(t, []sectionCase{
		{"Объективно: пульс 80. Живот болезненный в эпигастрии.", Objective, "Живот болезненный"},
		{"Объективно: пульс 80. Эритроциты единичные.", Objective, "Эритроциты единичные"},
		// "отит" is too short for the shape of "-ит" and is listed.
		{"Объективно: зев чистый. Острый средний отит.", Assessment, "Острый средний отит"},
		// A grade of severity is said of a diagnosis.
		{"Ko'rikda tomoq qizargan. Streptokokkli jarayon, og'ir shakl.", Assessment, "Streptokokkli jarayon, og'ir shakl"},
	})
}

// A disease denied or dated is the history; a test or a specialist's
// review named on its own is ordered.
func TestHistoryAndOrdersWithoutCues(t *testing.T) {
	checkSections(t, []sectionCase{
		{"Shikoyatlari: yo'tal. Sil kasalligi yo'q.", History, "Sil kasalligi yo'q"},
		{"Жалобы на изжогу. Язва желудка в 2015 году.", History, "Язва желудка"},
		{"Жалобы на боли в груди. Курит 20 лет. ЭКГ.", Plan, "ЭКГ"},
		{"Anamnez: hayz muntazam. Kichik chanoq UTT hayzning 5 kunida. Ginekolog ko'rigi.", Plan, "UTT"},
		{"Anamnez: hayz muntazam. Ginekolog ko'rigi.", Plan, "Ginekolog ko'rigi"},
	})
	// With its result, a test is a finding, not an order.
	if got := structure(t, "Жалобы на перебои. Курит 20 лет. ЭКГ: ритм синусовый.").Sections.Plan; got != "" {
		t.Errorf("plan %q, want none", got)
	}
	checkSections(t, []sectionCase{
		{"Жалобы на перебои. Курит 20 лет. ЭКГ: ритм синусовый.", Objective, "ритм синусовый"},
		{"Объективно: пульс 80. Нитриты в моче положительные.", Objective, "Нитриты в моче"},
		// A disease named before the examination of a note whose
		// diagnosis follows it is one the patient has.
		{"Жалобы на одышку. Хронический бронхит. При осмотре хрипы. Диагноз: пневмония.", History, "Хронический бронхит"},
		// Without a later diagnosis, it is the diagnosis.
		{"Жалобы на кашель. Острый бронхит. При осмотре хрипы. Назначено: обильное питьё.", Assessment, "Острый бронхит"},
	})
}

// Run-on dictation also moves to the history at what the patient ties
// the illness to, what came before it and an allergy, and to the
// examination at the affected part or the method.
func TestMoreTopicOpeners(t *testing.T) {
	const ru = "сыпь на руках связывает с новым кремом аллергия на пенициллин локально папулы на тыле кистей"
	checkSections(t, []sectionCase{
		{ru, Complaints, "сыпь на руках"},
		{ru, History, "связывает с новым кремом"},
		{ru, History, "аллергия на пенициллин"},
		{ru, Objective, "папулы на тыле кистей"},
		{"слабость желтушность неделю до этого был насморк при осмотре склеры желтушные", History, "до этого был насморк"},
		{"слабость желтушность неделю до этого был насморк при осмотре склеры желтушные", Complaints, "слабость желтушность неделю"},
		{"зуд кожи аллергия на пенициллин локально расчёсы", Complaints, "зуд кожи"},
		{"Bosh og'rig'i. Stress bilan bog'laydi yurak tonlari aniq ritmik", History, "Stress bilan bog'laydi"},
		{"Bosh og'rig'i. Stress bilan bog'laydi yurak tonlari aniq ritmik", Objective, "yurak tonlari aniq"},
		{"Боль в правом ухе. При отоскопии перепонка розовая.", Objective, "перепонка розовая"},
	})
}

// A temperature the patient has seen over days, as a range or in the
// evenings, is not measured at the visit: the sentence stays the
// complaint, and the examination's value is the vital sign.
func TestReportedTemperatureIsNotAVital(t *testing.T) {
	for _, text := range []string{
		"кашель неделю, температура 37,2–37,6. При осмотре зев спокоен, температура 36,8.",
		"кашель неделю, по вечерам температура 37,4. При осмотре зев спокоен, температура 36,8.",
	} {
		n := structure(t, text)
		if n.Vitals.TemperatureC != 36.8 || !strings.Contains(n.Sections.Complaints, "кашель неделю") {
			t.Errorf("%q: temperature %v, complaints %q; want 36.8 and the cough a complaint", text, n.Vitals.TemperatureC, n.Sections.Complaints)
		}
	}
}

// A laboratory value is a finding wherever it is said; an analyte named
// without one is ordered. A value the patient brought before the
// examination does not start it.
func TestLaboratoryValuesAndOrders(t *testing.T) {
	checkSections(t, []sectionCase{
		{"Анамнез: болеет 5 лет. Глюкоза натощак 7,8 ммоль/л.", Objective, "Глюкоза натощак 7,8"},
		{"Объективно: живот мягкий. Фруктоза в моче.", Objective, "Фруктоза в моче"},
		{"Объективно: пульс 80. Калий и креатинин через неделю.", Plan, "Калий и креатинин"},
		{"Жалобы на слабость. ТТГ 14,2. Гипертоническая болезнь. При осмотре отёки. Диагноз: гипотиреоз.",
			History, "Гипертоническая болезнь"},
	})
}

// A disease's name one letter from a brand ("диабетом", "Диабетон") is
// not the drug.
func TestDiseaseIsNotATypoOfABrand(t *testing.T) {
	n := structure(t, "Анамнез: болеет 3 года. Мать страдает диабетом. Назначено: обильное питьё.")
	if len(n.Medications) != 0 || !strings.Contains(n.Sections.History, "Мать страдает диабетом") {
		t.Errorf("medications %+v, history %q; want none and the mother's diabetes in the history", n.Medications, n.Sections.History)
	}
}

// Where a sentence stands decides what a bare disease in it is: denied
// during the examination, a finding; named among the orders, an order. A
// deficiency of a vitamin is a diagnosis, not the vitamin prescribed; a
// test with its result word is a finding; a test whose result follows a
// colon or names a disease is not ordered.
func TestSentencesByPlace(t *testing.T) {
	checkSections(t, []sectionCase{
		{"Ko'rikda: puls 80, oyoqlar iliq. Yaralar yo'q. Tashxis: diabetik tovon.", Objective, "Yaralar yo'q"},
		{"Диагноз: артроз. Назначено: мелоксикам 7,5 мг. Школа артроза.", Plan, "Школа артроза"},
		{"Tashxis: osteoporoz. D vitamini yetishmovchiligi. Tavsiya: parhez.", Assessment, "D vitamini yetishmovchiligi"},
		{"Диагноз: остеопороз, дефицит витамина D. Назначено: кальций карбонат 500 мг 2 раза в день.", Assessment, "дефицит витамина D"},
		{"Жалобы на боль в горле. Экспресс-тест на стрептококк A положительный.", Objective, "Экспресс-тест на стрептококк"},
		{"Объективно: живот мягкий. Учитывая ФГДС — ГЭРБ.", Assessment, "ГЭРБ"},
		{"Жалобы на изжогу. Курит. ФГДС от 01.02: эзофагит.", Objective, "ФГДС от 01.02"},
		// Orders that are neither drugs nor tests.
		{"Ko'rikda: qorin yumshoq. Emizishni davom ettirish.", Plan, "Emizishni davom ettirish"},
		{"Ko'rikda: qorin yumshoq. Sut mahsulotlarini cheklash.", Plan, "Sut mahsulotlarini cheklash"},
		// Stopping a drug is an order; one stopped before is history.
		{"Anamnez: 10 kun. Naftizinni to'xtatish.", Plan, "Naftizinni to'xtatish"},
		{"Anamnez: 10 kun. Naftizinni o'zi to'xtatgan.", History, "Naftizinni o'zi to'xtatgan"},
		{"Анамнез: ИБС. Дигоксин отменить в прошлом году.", History, "Дигоксин отменить"},
		// A number before days is when, not a value; a test's result may
		// stand a few words on; a test that finds a disease is no order.
		{"Объективно: пульс 80. Креатинин через 3 дня.", Plan, "Креатинин через 3 дня"},
		{"Жалобы на боль в груди. Тест на тропонин отрицательный.", Objective, "Тест на тропонин"},
		{"Объективно: живот мягкий. По данным УЗИ желчнокаменная болезнь.", Assessment, "желчнокаменная болезнь"},
		{"Tashxis: osteoporoz. Yiqilishning oldini olish.", Plan, "Yiqilishning oldini olish"},
	})
	// A drug that did not help is history.
	n := structure(t, "Shikoyatlari: bosh og'rig'i. Paratsetamol yordam bermagan. Ko'rikda: puls 70.")
	if len(n.Medications) != 0 || !strings.Contains(n.Sections.History, "Paratsetamol yordam bermagan") {
		t.Errorf("medications %+v, history %q", n.Medications, n.Sections.History)
	}
}

// Unpunctuated dictation moves from what the patient says to the
// examination at the first vital sign measured now; a value the patient
// reports or a threshold of the plan opens nothing.
func TestMeasurementOpensTheExamination(t *testing.T) {
	runOn := []string{
		"bemor 61 yosh nafas qisishi zinadan chiqqanda bir haftadan beri yurak yetishmovchiligi 6 yil furosemid ichadi qon bosimi 155/95 puls 92 oyoqlarda shish bor",
		"женщина 47 лет беспокоит головокружение неделю сахарный диабет 8 лет принимает метформин давление 160 на 100 пульс 84 тоны сердца приглушены",
	}
	checkSections(t, []sectionCase{
		{runOn[0], Objective, "qon bosimi 155/95"},
		{runOn[0], History, "furosemid ichadi"},
		{runOn[1], Objective, "давление 160 на 100"},
		{runOn[1], History, "принимает метформин"},
		// a heading or the plan says what the sentence is
		{"Анамнез: гипертония 10 лет рабочее давление 130/80", History, "рабочее давление 130/80"},
		{"назначаю лозартан 50 мг утром целевое давление 130 на 80", Plan, "целевое давление 130 на 80"},
	})
	for _, c := range []struct {
		text string
		want Vitals
	}{
		{runOn[0], Vitals{BPSystolic: 155, BPDiastolic: 95, Pulse: 92}},
		{runOn[1], Vitals{BPSystolic: 160, BPDiastolic: 100, Pulse: 84}},
		// reported before the visit: not measured, and no examination
		{"бола 5 ёш йўтал ҳарорат 39 гача кўтарилган 3 кундан бери", Vitals{}},
		// a threshold in the plan
		{"Reja: paratsetamol 500 mg harorat 38,5 dan oshganda, ko'p suyuqlik", Vitals{}},
	} {
		if got := structure(t, c.text).Vitals; got != c.want {
			t.Errorf("%q: vitals %+v, want %+v", c.text, got, c.want)
		}
	}
}

// A sentence the examination opened keeps its diagnosis after the
// measurements: they do not open it a second time.
func TestMeasurementAfterExaminationOpener(t *testing.T) {
	checkSections(t, []sectionCase{
		{"qorin og'rig'i uch kundan beri ko'rikda qorin yumshoq kindik atrofida og'riqli harorat 37,2 najas tahlilida gijja tuxumlari topilgan askaridoz albendazol 400 mg bir marta",
			Assessment, "askaridoz"},
		{"боли в животе три дня при осмотре живот мягкий болезненный около пупка температура 37,2 в анализе кала найдены яйца глистов аскаридоз альбендазол 400 мг однократно",
			Assessment, "аскаридоз"},
	})
}

// An order dated before this visit is history, and its drug is not
// prescribed; a date elsewhere in a run-on sentence does not move the
// plan.
func TestOrderDatedBeforeTheVisitIsHistory(t *testing.T) {
	past := []string{
		"Жалобы на бессонницу. Полгода назад назначен диазепам на ночь, после него слабость. Диагноз: инсомния.",
		"Shikoyatlari: bosh aylanishi. 3 oy oldin metformin buyurilgan, ichmayapti. Tashxis: qandli diabet 2 tip.",
	}
	checkSections(t, []sectionCase{
		{past[0], History, "назначен диазепам"},
		{past[1], History, "metformin buyurilgan"},
		{"bel og'rig'i ikki haftadan beri og'ir narsa ko'targandan keyin oxirgi hayz sakkiz kun oldin kelgan bo'lgan edi bel sohasida mushaklar taranglashgan yotoq rejimi va issiq kompress",
			Plan, "yotoq rejimi"},
	})
	for _, text := range past {
		if ms := structure(t, text).Medications; len(ms) != 0 {
			t.Errorf("%q: prescribed %+v, want nothing", text, ms)
		}
	}
}

// Unpunctuated dictation turns from the complaints to the history at a
// word of the past, the family or habits, or at a disease given with how
// long the patient has had it.
func TestHistoryOpensARunOnComplaint(t *testing.T) {
	byDisease := "ayol 64 yosh bosh aylanishi va quloqda shang'illash ikki haftadan beri gipertoniya kasalligi 12 yil amlodipin ichadi"
	byWord := "мужчина 50 лет давящая боль за грудиной при ходьбе неделю ранее перенес инфаркт курит 30 лет"
	checkSections(t, []sectionCase{
		{byDisease, Complaints, "quloqda shang'illash"},
		{byDisease, History, "gipertoniya kasalligi 12 yil"},
		{byWord, Complaints, "давящая боль за грудиной"},
		{byWord, History, "перенес инфаркт"},
	})
}

// spans must answer as the scans it replaced, for every range of every
// sentence, or the run-on rules would split differently.
func TestSpansAgreeWithScans(t *testing.T) {
	o := NewOffline()
	for _, text := range []string{
		"bemor 3 kundan beri bosh og'rig'i ko'ngil aynishi shikoyat qiladi avval gipertoniya 10 yil ko'rikda qon bosimi 160/100 tashxis gipertonik kriz reja kaptopril 25 mg",
		"Жалобы на кашель. Объективно: хрипы, ЧДД 22. Диагноз: бронхит. Назначено: амоксициллин 500 мг 3 раза в день 7 дней, контроль через неделю",
		"беморда иситма 38,5 йўтал, анамнезида астма, курикда хириллашлар, режа сальбутамол ингалятор",
	} {
		toks := tokenize(text)
		drugs := o.drugHits(toks)
		sp := o.spans(toks, drugs)
		for from := 0; from <= len(toks); from++ {
			for to := from; to <= len(toks); to++ {
				for _, sec := range sectionOrder {
					if got, want := sp.cue(sec, from, to), containsPhrase(o.cues[sec], toks, from, to); got != want {
						t.Fatalf("%q [%d,%d) %s: cue %v, scan %v", text, from, to, sec, got, want)
					}
				}
				if got, want := sp.wordCount(from, to), wordCount(toks, from, to); got != want {
					t.Fatalf("%q [%d,%d): %d words, scan %d", text, from, to, got, want)
				}
				hasDrug := false
				for k := from; k < to; k++ {
					hasDrug = hasDrug || drugs[k].n > 0
				}
				if sp.hasDrug(from, to) != hasDrug {
					t.Fatalf("%q [%d,%d): hasDrug %v", text, from, to, !hasDrug)
				}
			}
		}
	}
}

// Unpunctuated dictation is one sentence however long it runs; the run-on
// rules must stay linear in it, or one long request ties up a core.
func TestLongRunOnDictationStaysLinear(t *testing.T) {
	unit := "bemor 1 oydan beri qandli diabet 10 yil metformin ichadi bosh og'riq "
	growth.Linear(t, func(n int) { structure(t, strings.Repeat(unit, n)) }, 100, 8, 24)
}

// "-ит" names an inflammation even where "-цит" ends it ("аппендицит");
// only "-оцит" is a cell. And a disease is never a medicine's typo:
// "панкреатит" is one letter from "панкреатин".
func TestDiagnosesShapedLikeCellsOrMedicines(t *testing.T) {
	for _, d := range []string{"Острый аппендицит", "O'tkir appenditsit", "Острый панкреатит", "Surunkali pankreatit"} {
		n := structure(t, "Боль в животе. При осмотре живот напряжён, пульс 100. "+d+". Госпитализация в хирургию.")
		if got := n.Sections.Get(Assessment); got != d || len(n.Medications) != 0 {
			t.Errorf("%q: assessment %q, medications %+v; want the diagnosis and no drug", d, got, n.Medications)
		}
	}
	n := structure(t, "Объективно: живот мягкий. Лейкоциты 14,2. Диагноз: гастрит.")
	if got := n.Sections.Get(Objective); !strings.Contains(got, "Лейкоциты 14,2") {
		t.Errorf("a cell count left the examination: %+v", n.Sections)
	}
}

// Where the diagnosis is said without a heading:
//   - straight after a short run-on examination that measured a vital
//     sign (a short sentence that measured nothing is classified whole);
//   - after the last finding of a run-on examination, until the plan's
//     first drug, whether or not its dose opens a sentence of its own
//     (epilepsy, herpes and an abscess are diagnoses, with the words
//     that qualify them);
//   - in a few words between the examination and the plan, in words the
//     lexicon may not know, when the note names no other diagnosis.
//
// A sign (cyanosis) or a finding there is the examination's.
func TestWhereTheDiagnosisIs(t *testing.T) {
	for _, c := range []struct {
		text, want string
		drugs      int // the drugs prescribed, or -1 when the case is not about them
	}{
		{"bemor qirq besh yosh ikki kundan beri bosh og'rig'iga shikoyat qiladi ko'rikda bosim bir yuz yetmish ga bir yuz puls to'qson gipertonik kriz kaptopril yigirma besh milligramm til ostiga", "gipertonik kriz", -1},
		{"жалобы на кашель три дня при осмотре хрипы справа сатурация девяносто четыре пульс сто внебольничная пневмония амоксициллин тысяча миллиграмм три раза в день", "внебольничная пневмония", -1},
		{"бемор эллик ёш кўрикда тери қуруқ босим юз йигирма га саксон пульс етмиш гипотиреоз компенсация эутирокс юз микрограмм эрталаб", "гипотиреоз компенсация", -1},
		{"при осмотре ЧСС 96 АД 110/70 ЧДД 24 акроцианоз шейные вены набухшие. Диагноз: ХСН.", "ХСН", -1},
		{"жалобы на слабость при осмотре кожа бледная давление сто десять на семьдесят пульс девяносто железодефицитная анемия средней степени сорбифер по одной таблетке два раза в день", "железодефицитная анемия средней степени", 1},
		{"приступ судорог вчера при осмотре очаговой симптоматики нет давление сто двадцать на восемьдесят пульс семьдесят эпилепсия генерализованная форма назначено вальпроевая кислота пятьсот миллиграмм два раза в день", "эпилепсия генерализованная форма", 1},
		{"боль и пузырьки на коже справа при осмотре пузырьки по ходу межреберья температура тридцать семь пульс восемьдесят опоясывающий герпес справа ацикловир восемьсот миллиграмм пять раз в день", "опоясывающий герпес справа", 1},
		{"bemor tomoq og'rig'i ko'rikda bodomcha bezi yonida shish harorat o'ttiz sakkiz puls yuz paratonzillyar absess seftriakson bir gramm kuniga bir marta", "paratonzillyar absess", 1},
		{"Жалобы на запоры неделю. Объективно: живот мягкий, АД 120/80. Функциональный запор. Назначено: лактулоза 15 мл утром.", "Функциональный запор", -1},
		{"Shikoyatlari: xavotir, uyqusizlik. Ko'rikda AQB 130/85, puls 96. Xavotirli buzilish. Tavsiya: essitalopram 10 mg ertalab.", "Xavotirli buzilish", -1},
		{"Жалобы на запоры. Объективно: АД 120/80. Живот мягкий, безболезненный. Назначено: лактулоза 15 мл утром.", "", -1},
	} {
		n := structure(t, c.text)
		if got := n.Sections.Get(Assessment); got != c.want {
			t.Errorf("%q: assessment %q, want %q", c.text, got, c.want)
		}
		if c.drugs >= 0 && len(n.Medications) != c.drugs {
			t.Errorf("%q: medications %+v, want %d", c.text, n.Medications, c.drugs)
		}
	}
}

// "oldin" (before) turns to the history only after a time ("3 kun
// oldin", "2 soat oldin"): alone it begins "oldinga" (forward) and
// "oldingi" (anterior), which describe the complaint or a finding.
func TestOldinIsHistoryOnlyAfterATime(t *testing.T) {
	n := structure(t, "Bemor 40 yosh, 3 kundan beri bel sohasida og'riq, oldinga engashganda kuchayadi. 2 soat oldin og'ir yuk ko'targan.")
	if got := n.Sections.Get(Complaints); !strings.Contains(got, "oldinga engashganda kuchayadi") {
		t.Errorf("complaints %q, want the pain that bending forward makes worse; sections %+v", got, n.Sections)
	}
	if got := n.Sections.Get(History); !strings.Contains(got, "2 soat oldin og'ir yuk ko'targan") {
		t.Errorf("history %q, want what happened two hours before", got)
	}
}

// A run-on sentence that tells the history and then the examination,
// whose first words name no opener, moves to the examination at its first
// word once a vital sign measured at the visit follows: the measurements
// are the visit's, not the history's.
func TestExaminationOpensAtItsFirstWordBeforeAMeasurement(t *testing.T) {
	for _, c := range []struct {
		text string
		exam string
		want Vitals
	}{
		{"приступы судорог с детства принимал вальпроат бросил год назад менингеальных симптомов нет давление сто тридцать на восемьдесят пульс семьдесят два", "менингеальных симптомов нет", Vitals{BPSystolic: 130, BPDiastolic: 80, Pulse: 72}},
		{"bemor ilgari sil bilan og'rigan otasi ham davolangan o'pkada vezikulyar nafas puls sakson ikki harorat o'ttiz olti butun olti", "o'pkada vezikulyar nafas", Vitals{Pulse: 82, TemperatureC: 36.6}},
	} {
		n := structure(t, c.text)
		if got := n.Sections.Get(Objective); !strings.HasPrefix(got, c.exam) {
			t.Errorf("%q: objective %q, want it to begin %q; sections %+v", c.text, got, c.exam, n.Sections)
		}
		if n.Vitals != c.want {
			t.Errorf("%q: vitals %+v, want %+v", c.text, n.Vitals, c.want)
		}
	}
}

// "yotqizish" (to admit to hospital) is an order, whatever else its
// sentence names: "operatsiyaga tayyorlash" is preparing the surgery, not
// a past one.
func TestAdmissionIsAnOrder(t *testing.T) {
	n := structure(t, "Qorinda og'riq. Ko'rikda qorin taranglashgan, puls 100. O'tkir xoletsistit. Jarrohlik bo'limiga yotqizish, operatsiyaga tayyorlash.")
	if got := n.Sections.Get(Plan); !strings.Contains(got, "bo'limiga yotqizish") {
		t.Errorf("plan %q, want the admission; sections %+v", got, n.Sections)
	}
}

// Said in one breath after its heading, the diagnosis ends where a drug
// with its dose begins the orders; a drug named without a dose may be
// part of the diagnosis.
func TestDiagnosisEndsAtADosedDrug(t *testing.T) {
	const text = "bola besh yosh tomoq og'rig'i isitma tomoq qizargan диагноз ангина средней тяжести амоксициллин суспензия 250 мг/5 мл по 7 мл kuniga uch marta o'n kun ko'p suyuqlik"
	n := structure(t, text)
	if strings.Contains(n.Sections.Assessment, "амоксициллин") || !strings.Contains(n.Sections.Assessment, "ангина средней тяжести") {
		t.Errorf("assessment %q; want the diagnosis without the drug", n.Sections.Assessment)
	}
	if len(n.Medications) != 1 || n.Medications[0].TimesPerDay != 3 || n.Medications[0].DurationDays != 10 {
		t.Errorf("medications %+v; want amoxicillin 3 times a day for 10 days", n.Medications)
	}
	checkSections(t, []sectionCase{
		{"Жалобы на рвоту. Диагноз: передозировка парацетамола. Назначено: ацетилцистеин 600 мг.", Assessment, "передозировка парацетамола"},
		{"Tashxis: paratsetamol bilan zaharlanish 10 g. Reja: atsetiltsistein.", Assessment, "paratsetamol bilan zaharlanish"},
	})
}

// A referral the patient came with is how the visit began, not an order;
// "we start" a drug is; a mental status is what the examination found.
func TestReferralsStartsAndMentalStatus(t *testing.T) {
	const text = "Пациентка 30 лет пришла по направлению терапевта. Два месяца бессонница, ничего не радует. " +
		"Алкоголь не употребляет. Внешне опрятна, фон настроения снижен. АД 120/80. Депрессивный эпизод. Начинаем сертралин 50 мг утром."
	checkSections(t, []sectionCase{
		{text, Complaints, "пришла по направлению терапевта"},
		{text, Objective, "фон настроения снижен"},
		{text, Plan, "Начинаем сертралин"},
		{"Жалобы на кашель. Направлена на рентген.", Plan, "Направлена на рентген"},
	})
}

// A closing verb ends the complaints also when a number said as a word
// follows it; a rhinitis is a diagnosis, though too short for the "-ит"
// shape.
func TestCloserBeforeANumberAndRhinitis(t *testing.T) {
	const text = "bemor burun bitishi aksirishga shikoyat qiladi ikki haftadan beri onasida astma bor " +
		"ko'rikda burun shilliq qavati shishgan puls yetmish ikki allergik rinit desloratadin besh mg kuniga bir marta"
	n := structure(t, text)
	if strings.Contains(n.Sections.Complaints, "onasida") || !strings.Contains(n.Sections.History, "onasida astma") {
		t.Errorf("complaints %q, history %q; want the mother's asthma in the history", n.Sections.Complaints, n.Sections.History)
	}
	if !strings.Contains(n.Sections.Assessment, "allergik rinit") {
		t.Errorf("assessment %q; want the rhinitis", n.Sections.Assessment)
	}
}

// Recurring is not "repeat" (an order); a drug the patient has been
// instilling is history.
func TestRecurringAndDrugsInUse(t *testing.T) {
	const text = "bemor har yili bahorda takrorlanadigan aksirishga shikoyat qiladi onasida astma bor galazolin tomizib yurgan ko'rikda burun shishgan"
	checkSections(t, []sectionCase{
		{text, Complaints, "takrorlanadigan aksirishga"},
		{text, History, "galazolin tomizib yurgan"},
		{"Диагноз: ОРВИ. Общий анализ крови takrorlash.", Plan, "takrorlash"},
		// given or received before the visit
		{"Anamnez: operatsiyadan keyin Kleksan 10 kun olgan. Tashxis: tromboz.", History, "Kleksan 10 kun olgan"},
		{"бола йўталади уйда парацетамол берган кўрикда томоқ қизарган", History, "парацетамол берган"},
	})
}

// Uzbek names a diagnosis with a noun tied to it by the possessive
// ending, a participle before it, or a suspicion word after it; each
// belongs to the diagnosis, and what follows the suspicion word is the
// plan.
func TestUzbekDiagnosisPhrases(t *testing.T) {
	const suspected = "qorin og'riydi ko'rikda o'ng yonbosh sohasi og'riqli puls 104 o'tkir appenditsit gumoni jarroh ko'rigi"
	checkSections(t, []sectionCase{
		{"nafas qisadi ko'rikda oyoqlarda shish puls 96 surunkali yurak yetishmovchiligi furosemid 40 mg ertalab",
			Assessment, "surunkali yurak yetishmovchiligi"},
		{"бел оғрийди кўрикда Пастернацкий симптоми мусбат ҳарорат 37,9 сурункали қайталанувчи пиелонефрит цефтриаксон 1 г",
			Assessment, "сурункали қайталанувчи пиелонефрит"},
		{"qorni burab og'riydi ko'rikda qorin dam puls 90 ichak sanchig'i drotaverin 40 mg ikki marta",
			Assessment, "ichak sanchig'i"},
		{"yo'tal ikki oydan beri ko'rikda o'pkada nam xirillashlar SpO2 95 o'pka sili gumoni balg'am tahlili",
			Assessment, "o'pka sili gumoni"},
		{suspected, Assessment, "o'tkir appenditsit gumoni"},
		{"Ko'z og'riydi. Ko'rikda ko'z ichi bosimi 42. Ikkilamchi glaukoma. Timolol 0,5% kuniga 2 marta.",
			Assessment, "Ikkilamchi glaukoma"},
	})
	if got := structure(t, suspected).Sections.Assessment; strings.Contains(got, "jarroh") {
		t.Errorf("assessment %q runs on past the suspicion word", got)
	}
}

// Who sent or brought the patient is said on arrival: it opens neither
// the plan ("направлена на консультацию" would) nor the family history
// ("onasida diabet" would), so the complaints that follow are the
// complaints.
func TestArrivalIsNotPlanOrFamilyHistory(t *testing.T) {
	checkSections(t, []sectionCase{
		{"Направлена терапевтом. Третий день боль в горле, трудно глотать. При осмотре зев гиперемирован.", Complaints, "трудно глотать"},
		{"Направлена терапевтом. Третий день боль в горле, трудно глотать. При осмотре зев гиперемирован.", Objective, "зев гиперемирован"},
		{"Боль в горле. При осмотре зев гиперемирован. Направлена на консультацию к ЛОР-врачу.", Plan, "консультацию к ЛОР"},
		{"5 yoshli o'g'il bola otasi bilan keldi. Uch kundan beri quloqda og'riq, uyqusi buzilgan. Ko'rikda nog'ora parda qizargan.", Complaints, "uyqusi buzilgan"},
		{"Onasida qandli diabet. Ko'rikda teri qoplami toza.", History, "qandli diabet"},
	})
}

// A diagnosis said straight after the findings keeps its qualifiers: a
// Russian adjective that agrees with the disease (not the finding's
// adjective before it), and the qualifiers Uzbek borrows ("arterial").
// Shingles, an episode of a mental disorder and an injury are diseases.
func TestDiagnosisQualifiersAndNames(t *testing.T) {
	checkSections(t, []sectionCase{
		{"боли в правом подреберье после жирного при осмотре живот мягкий давление 125 на 80 симптом Ортнера отрицательный желчнокаменная болезнь урсодезоксихолевая кислота 500 мг на ночь",
			Assessment, "желчнокаменная болезнь"},
		{"ko'rikda qon bosimi 165 ga 100 puls 80 arterial gipertenziya ikkinchi daraja lozartan 50 mg ertalab",
			Assessment, "arterial gipertenziya"},
		{"ko'rikda harorat 37,4 qovurg'alar bo'ylab pufakchalar temiratki asiklovir 800 mg kuniga 5 marta 7 kun",
			Assessment, "temiratki"},
		{"плохое настроение два месяца при осмотре гипомимия пульс 76 депрессивный эпизод средней тяжести флуоксетин 20 мг утром",
			Assessment, "депрессивный эпизод"},
	})
	n := structure(t, "боли в правом подреберье после жирного при осмотре живот мягкий давление 125 на 80 симптом Ортнера отрицательный желчнокаменная болезнь урсодезоксихолевая кислота 500 мг на ночь")
	if a := n.Sections.Get(Assessment); strings.Contains(a, "отрицательный") {
		t.Errorf("assessment %q holds the finding's adjective", a)
	}
}

// A note that opens, without a heading, with what the patient feels and
// when it began has complaints, though the date is a history word; an
// event it followed, or a drug taken, keeps it the history.
func TestSymptomsWithTheirOnsetAreComplaints(t *testing.T) {
	checkSections(t, []sectionCase{
		{"Мужчина 50 лет. 2 дня назад появились сильная боль в горле и слабость. При осмотре зев гиперемирован.", Complaints, "боль в горле"},
		{"40 yoshli ayol, 3 soat oldin to'satdan qorinda kuchli og'riq boshlangan, ko'ngil aynishi bor. Ko'rikda qorin yumshoq.", Complaints, "kuchli og'riq"},
		{"Мужчина 50 лет. 2 дня назад принимал ибупрофен от боли в спине. При осмотре кожа чистая.", History, "ибупрофен"},
	})
}

// An organ named with its diseases is the history of them, not the
// examination of the organ.
func TestOrganDiseasesAreHistory(t *testing.T) {
	checkSections(t, []sectionCase{
		{"Оёқ бармоқлари орасида қичишиш. Жигар касаллиги йўқ. Кўрикда тирноқлар сарғайган.", History, "Жигар касаллиги йўқ"},
		{"Oyoq barmoqlari orasida qichishish. Jigar kasalliklari yo'q. Ko'rikda tirnoqlar sarg'aygan.", History, "Jigar kasalliklari"},
	})
}

// A procedure done at this visit is the plan's: a wound cleaned, sutured
// or left open.
func TestProceduresDoneArePlan(t *testing.T) {
	checkSections(t, []sectionCase{
		{"Itni tishlashi. Ko'rikda boldirda ikki yara. Yara antiseptik bilan qayta ishlandi, tikilmadi. Ertaga bog'lash.", Plan, "tikilmadi"},
		{"Порез ладони. При осмотре рана 2 см. Рана промыта, ушита тремя швами. Перевязка завтра.", Plan, "ушита"},
	})
}

// A temperature said "тридцать семь пять", which a recogniser writes
// "37 5", keeps its tenths; a count of days after a whole number is no
// tenth.
func TestTemperatureTenthsWithoutASeparator(t *testing.T) {
	for text, want := range map[string]float64{
		"Объективно: температура 37 5 пульс 88.":                37.5,
		"Ko'rik: harorat 38 2, puls 96.":                        38.2,
		"Объективно: температура 36 6.":                         36.6,
		"Объективно: температура 38. Пульс 90.":                 38,
		"Объективно: температура 37 5 дней держится, пульс 80.": 37,
		// Nor is a count of days, weeks or hours in any of its forms.
		"Ko'rik: harorat 38 2 kundan beri, puls 96.":                        38,
		"Объективно: температура 37 2 недели.":                              37,
		"Объективно: температура 38 2 часа назад была 39, сейчас пульс 90.": 38,
	} {
		if got := structure(t, text).Vitals.TemperatureC; got != want {
			t.Errorf("%q: temperature %v, want %v", text, got, want)
		}
	}
}

// Without a colon, the allergy history's heading is what the sentence
// says, and stays in the history's text; so does a heading word said
// mid-sentence.
func TestAllergyHistoryKeepsItsWords(t *testing.T) {
	for text, want := range map[string]string{
		"Жалобы: кашель. Аллергологический анамнез не отягощён.":                          "Аллергологический анамнез не отягощён",
		"Анамнез: гипертоническая болезнь 10 лет, аллергологический анамнез не отягощён.": "аллергологический анамнез не отягощён",
		"Жалобы: кашель. Аллергоанамнез не отягощен.":                                     "Аллергоанамнез не отягощен",
	} {
		if got := structure(t, text).Sections.History; !strings.Contains(got, want) {
			t.Errorf("%q: history %q, want it to hold %q", text, got, want)
		}
	}
}
