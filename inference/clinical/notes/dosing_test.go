package notes

import (
	"slices"
	"testing"
)

func TestDosingForms(t *testing.T) {
	for _, c := range []struct {
		text string
		want Medication
	}{
		{"Назначено: ибупрофен суспензия 100 мг/5 мл по 6 мл 3 раза в день.",
			Medication{Name: "ibuprofen", DoseValue: 6, DoseUnit: "ml", TimesPerDay: 3}},
		{"Назначено: сальбутамол 100 мкг 2 вдоха 4 раза в день.",
			Medication{Name: "salbutamol", DoseValue: 2, DoseUnit: "puff", TimesPerDay: 4}},
		{"Назначено: панкреатин 10000 ЕД, амоксициллин 250 мг по 2 капсулы 3 раза в день.",
			Medication{Name: "amoxicillin", DoseValue: 500, DoseUnit: "mg", TimesPerDay: 3}},
		{"Лечение: метоклопрамид 10 мг в/м однократно.",
			Medication{Name: "metoclopramide", DoseValue: 10, DoseUnit: "mg", TimesPerDay: 1, Route: "intramuscular", Once: true}},
		{"Tavsiya: Omeprazol 20 mg ovqatdan keyin 2 hafta.",
			Medication{Name: "omeprazole", DoseValue: 20, DoseUnit: "mg", DurationDays: 14}},
		{"Tavsiya: Enoksaparin 4000 TB kuniga 1 marta.",
			Medication{Name: "enoxaparin", DoseValue: 4000, DoseUnit: "IU", TimesPerDay: 1}},
		{"Назначено: цетиризин 10 мг в 21:00.",
			Medication{Name: "cetirizine", DoseValue: 10, DoseUnit: "mg", TimesPerDay: 1}},
		// An interval or a schedule is not a duration; nor are the numbers
		// of an order after the drug; a regimen "under control" goes on.
		{"Назначено: вакцина против бешенства 1 мл в/м по схеме 0-3-7-14-28 дней.",
			Medication{Name: "rabies vaccine", DoseValue: 1, DoseUnit: "ml", Route: "intramuscular"}},
		{"Tavsiya: Insulin glargin 12 TB kechqurun, dozani har 3 kun 2 TB oshirish.",
			Medication{Name: "insulin glargine", DoseValue: 12, DoseUnit: "IU", TimesPerDay: 1}},
		{"Назначено: инсулин гларгин 10 ЕД в 22:00, титровать по 2 ЕД каждые 3 дня.",
			Medication{Name: "insulin glargine", DoseValue: 10, DoseUnit: "IU", TimesPerDay: 1}},
		{"Назначено: ибупрофен 400 мг при боли, больничный лист на 7 дней.",
			Medication{Name: "ibuprofen", DoseValue: 400, DoseUnit: "mg"}},
		{"Назначено: метформин 500 мг 2 раза в день под контролем гликемии 3 месяца.",
			Medication{Name: "metformin", DoseValue: 500, DoseUnit: "mg", TimesPerDay: 2, DurationDays: 90}},
		{"Tavsiya: Metformin 500 mg kuniga 2 marta qand nazorati ostida 3 oy.",
			Medication{Name: "metformin", DoseValue: 500, DoseUnit: "mg", TimesPerDay: 2, DurationDays: 90}},
		// "Daily" with no count is once a day; a count outranks it.
		{"Назначено: лоратадин 10 мг ежедневно 10 дней.",
			Medication{Name: "loratadine", DoseValue: 10, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 10}},
		{"Tavsiya: Metformin 500 mg har kuni 1 oy.",
			Medication{Name: "metformin", DoseValue: 500, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 30}},
		{"Назначено: амоксициллин 500 мг ежедневно по 3 раза в день.",
			Medication{Name: "amoxicillin", DoseValue: 500, DoseUnit: "mg", TimesPerDay: 3}},
		// So is "a day" after the dose.
		{"Назначено: лоратадин 10 мг в сутки 7 дней.",
			Medication{Name: "loratadine", DoseValue: 10, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 7}},
		{"Tavsiya: Loratadin 10 mg kuniga 7 kun.",
			Medication{Name: "loratadine", DoseValue: 10, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 7}},
		// A limit on a dose on demand is not a schedule.
		{"Назначено: ибупрофен 200 мг при болях, не чаще чем каждые 6 часов.",
			Medication{Name: "ibuprofen", DoseValue: 200, DoseUnit: "mg"}},
		{"Назначено: парацетамол 500 мг при температуре выше 38,5 не более 4 раз в сутки.",
			Medication{Name: "paracetamol", DoseValue: 500, DoseUnit: "mg"}},
		{"Tavsiya: Paratsetamol 500 mg harorat ko'tarilganda sutkada 4 martadan ko'p emas.",
			Medication{Name: "paracetamol", DoseValue: 500, DoseUnit: "mg"}},
		// A count of self-monitoring that follows is not the drug's.
		{"tavsiya metforminni ming mg ertalab va kechqurun davom ettirish glyukometr bilan kuniga uch marta qandni o'lchash",
			Medication{Name: "metformin", DoseValue: 1000, DoseUnit: "mg", TimesPerDay: 2}},
		{"Назначено: метформин 850 мг 2 раза в день, глюкометр 4 раза в день.",
			Medication{Name: "metformin", DoseValue: 850, DoseUnit: "mg", TimesPerDay: 2}},
		// Days of isolation or of staying away from school are not the
		// course of the drug before them.
		{"Davolash: paratsetamol 500 mg kuniga 3 marta, uy sharoitida izolyatsiya 9 kun.",
			Medication{Name: "paracetamol", DoseValue: 500, DoseUnit: "mg", TimesPerDay: 3}},
		{"Назначено: парацетамол 250 мг при температуре, карантин 21 день.",
			Medication{Name: "paracetamol", DoseValue: 250, DoseUnit: "mg"}},
		{"tavsiya paratsetamol sirop 10 ml bog'chaga o'n kun bormasin",
			Medication{Name: "paracetamol", DoseValue: 10, DoseUnit: "ml"}},
		// A week or a month said alone, in the accusative, is the course;
		// "раз в неделю" is how often.
		{"Назначено: азитромицин 250 мг утром неделю.",
			Medication{Name: "azithromycin", DoseValue: 250, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 7}},
		{"Назначено: цетиризин 10 мг на ночь месяц.",
			Medication{Name: "cetirizine", DoseValue: 10, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 30}},
		{"Назначено: метотрексат 10 мг 1 раз в неделю.",
			Medication{Name: "methotrexate", DoseValue: 10, DoseUnit: "mg"}},
		// A combination written with a slash or a plus is the
		// combination, not its first part.
		{"Назначено: амоксициллин/клавуланат 625 мг 3 раза в день.",
			Medication{Name: "amoxicillin and clavulanate", DoseValue: 625, DoseUnit: "mg", TimesPerDay: 3}},
		{"Tavsiya: amoksitsillin + klavulanat 625 mg kuniga 3 marta.",
			Medication{Name: "amoxicillin and clavulanate", DoseValue: 625, DoseUnit: "mg", TimesPerDay: 3}},
		// Oʻn (ten) typed without its apostrophe, before days.
		{"Tavsiya: amoksitsillin 500 mg kuniga 3 marta on kun.",
			Medication{Name: "amoxicillin", DoseValue: 500, DoseUnit: "mg", TimesPerDay: 3, DurationDays: 10}},
		// So is a count said as the most: "up to 3 times a day".
		{"Tavsiya: Ketonal 100 mg og'riganda kuniga 2 martagacha.",
			Medication{Name: "ketoprofen", DoseValue: 100, DoseUnit: "mg"}},
		{"Назначено: кеторолак 10 мг при болях до 3 раз в день.",
			Medication{Name: "ketorolac", DoseValue: 10, DoseUnit: "mg"}},
		{"Plan: ibuprofen 400 mg for pain up to 3 times a day.",
			Medication{Name: "ibuprofen", DoseValue: 400, DoseUnit: "mg"}},
		// Puffs as Russian and Uzbek say them; zinc in Uzbek.
		{"Назначено: мометазон спрей по 2 пшика 1 раз в день.",
			Medication{Name: "mometasone", DoseValue: 2, DoseUnit: "puff", TimesPerDay: 1}},
		{"Tavsiya: mometazon spreyi 2 puflashdan kuniga 1 marta.",
			Medication{Name: "mometasone", DoseValue: 2, DoseUnit: "puff", TimesPerDay: 1}},
		{"Tavsiya: rux sulfat 20 mg kuniga 1 mahal 10 kun.",
			Medication{Name: "zinc sulfate", DoseValue: 20, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 10}},
		// A dosage form may stand between the count and its unit.
		{"Назначено: лоратадин по 1 шипучей таблетке 1 раз в день.",
			Medication{Name: "loratadine", DoseValue: 1, DoseUnit: "tablet", TimesPerDay: 1}},
	} {
		n := structure(t, c.text)
		var got *Medication
		for i := range n.Medications {
			if n.Medications[i].Name == c.want.Name {
				got = &n.Medications[i]
			}
		}
		if got == nil {
			t.Errorf("%q: no %s in %+v", c.text, c.want.Name, n.Medications)
			continue
		}
		g := *got
		g.Source = ""
		if g != c.want {
			t.Errorf("%q:\n got %+v\nwant %+v", c.text, g, c.want)
		}
	}
}

func TestDrugsNotToGive(t *testing.T) {
	for _, text := range []string{
		"Tavsiya: paratsetamol 500 mg. Aspirin bermaslik.",
		"Назначено: парацетамол 500 мг. Аспирин не давать.",
		"Tavsiya: paratsetamol 500 mg. Uyda Metformin ichadi.",
	} {
		for _, m := range structure(t, text).Medications {
			if m.Name != "paracetamol" {
				t.Errorf("%q: %s is not prescribed", text, m.Name)
			}
		}
	}
}

func TestFrequencyFromTimesOfDay(t *testing.T) {
	for _, c := range []struct {
		text  string
		times int
	}{
		{"Tavsiya: Metformin 500 mg ertalab va tushlikdan keyin.", 2},
		{"Назначено: метформин 500 мг утром, днём и вечером.", 3},
		{"Назначено: амлодипин 5 мг вечером.", 1},
		{"Назначено: мелатонин нет; цетиризин 10 мг на ночь.", 1},
		{"Назначено: сначала парацетамол 500 мг.", 0},
	} {
		n := structure(t, c.text)
		if len(n.Medications) == 0 || n.Medications[len(n.Medications)-1].TimesPerDay != c.times {
			t.Errorf("%q: want %d times a day, got %+v", c.text, c.times, n.Medications)
		}
	}
}

func TestProhibitionsReachOnlyNearbyDrugs(t *testing.T) {
	n := structure(t, "Назначено: метронидазол 500 мг 2 раза в день 7 дней, алкоголь на время лечения нельзя. НПВС (диклофенак, ибупрофен) нельзя.")
	if len(n.Medications) != 1 || n.Medications[0].Name != "metronidazole" {
		t.Errorf("want metronidazole only, got %+v", n.Medications)
	}
	n = structure(t, "Tavsiya: metforminni to'xtatish, Gliklazid 60 mg ertalab.")
	if len(n.Medications) != 1 || n.Medications[0].Name != "gliclazide" {
		t.Errorf("want gliclazide only, got %+v", n.Medications)
	}
}

func TestSpokenFractions(t *testing.T) {
	for _, c := range []struct {
		text string
		dose float64
	}{
		{"назначено сальбутамол два с половиной миллиграмма через небулайзер", 2.5},
		{"назначено будесонид ноль пять миллиграмма два раза в день", 0.5},
	} {
		n := structure(t, c.text)
		if len(n.Medications) != 1 || n.Medications[0].DoseValue != c.dose {
			t.Errorf("%q: want dose %v, got %+v", c.text, c.dose, n.Medications)
		}
	}
}

// A drug named again with another regimen is a second course; named
// again without one, it completes the first.
func TestRepeatedDrug(t *testing.T) {
	for _, c := range []struct {
		text string
		want []Medication
	}{
		{"Назначено: пантопразол 40 мг 2 раза в день 10 дней, затем пантопразол 20 мг утром 3 недели.",
			[]Medication{{Name: "pantoprazole", DoseValue: 40, DoseUnit: "mg", TimesPerDay: 2, DurationDays: 10},
				{Name: "pantoprazole", DoseValue: 20, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 21}}},
		{"Tavsiya: Paratsetamol 500 mg kuniga 3 marta. Paratsetamol 5 kun davomida.",
			[]Medication{{Name: "paracetamol", DoseValue: 500, DoseUnit: "mg", TimesPerDay: 3, DurationDays: 5}}},
	} {
		n := structure(t, c.text)
		got := make([]Medication, len(n.Medications))
		for i, m := range n.Medications {
			m.Source = ""
			got[i] = m
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.text, got, c.want)
		}
	}
}

// A regimen that moves on to a new dose of the same drug is two courses,
// each with its own frequency and duration. A taper's step, another
// drug's course and a review date are not a new dose.
func TestDoseStepsAreCoursesOfTheirOwn(t *testing.T) {
	for _, c := range []struct {
		text string
		want []Medication
	}{
		{"Назначено: кветиапин 25 мг на ночь 3 дня, затем 50 мг на ночь 1 месяц.", []Medication{
			{Name: "quetiapine", DoseValue: 25, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 3},
			{Name: "quetiapine", DoseValue: 50, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 30}}},
		{"Reja: essitalopram 5 mg ertalab 1 hafta, so'ng 10 mg kuniga 1 marta 3 oy.", []Medication{
			{Name: "escitalopram", DoseValue: 5, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 7},
			{Name: "escitalopram", DoseValue: 10, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 90}}},
		{"Назначено: дексаметазон 8 мг в/м 3 дня, затем снижать по 2 мг через день.", []Medication{
			{Name: "dexamethasone", DoseValue: 8, DoseUnit: "mg", DurationDays: 3, Route: "intramuscular"}}},
		{"Tavsiya: paratsetamol 500 mg kuniga 3 marta 5 kun, 5 kundan keyin qayta ko'rik.", []Medication{
			{Name: "paracetamol", DoseValue: 500, DoseUnit: "mg", TimesPerDay: 3, DurationDays: 5}}},
		// A step that changes only how often keeps the dose.
		{"Назначено: тобрамицин 1 капля 4 раза в день 5 дней, затем 2 раза в день ещё 5 дней.", []Medication{
			{Name: "tobramycin", DoseValue: 1, DoseUnit: "drop", TimesPerDay: 4, DurationDays: 5},
			{Name: "tobramycin", DoseValue: 1, DoseUnit: "drop", TimesPerDay: 2, DurationDays: 5}}},
		// The drug replaced is not prescribed; saline's volume is not the
		// dose of the drug before it.
		{"Назначено: вместо эналаприла лозартан 50 мг утром.", []Medication{
			{Name: "losartan", DoseValue: 50, DoseUnit: "mg", TimesPerDay: 1}}},
		{"Davolash: tiamin 100 mg kuniga 1 marta 5 kun, fiziologik eritma 400 ml tomir ichiga.", []Medication{
			{Name: "thiamine", DoseValue: 100, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 5}}},
	} {
		got := structure(t, c.text).Medications
		for i := range got {
			got[i].Source = ""
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.text, got, c.want)
		}
	}
}

// Drugs the plan stops, lists as taken, or began before this visit are
// not prescribed; what it does prescribe still is.
func TestDrugsStoppedTakenOrBegunBefore(t *testing.T) {
	for _, c := range []struct {
		text       string
		prescribed []string
	}{
		// Two drugs before one verb share it.
		{"Назначено: амлодипин и лизиноприл отменить. Бисопролол 5 мг утром.", []string{"bisoprolol"}},
		{"Режа: диазепам ва диклофенакни тўхтатиш. Парацетамол 500 мг кунига 3 марта.", []string{"paracetamol"}},
		// "Not to be restarted" is no order to take it.
		{"Рекомендовано: цетиризин 10 мг на ночь. Доксициклин не возобновлять.", []string{"cetirizine"}},
		// The list of what the patient takes now is history.
		{"Қабул қилаётган дорилари: амлодипин 10 мг, индапамид 2,5 мг. Режа: эналаприл 10 мг эрталаб.", []string{"enalapril"}},
		// A course begun weeks ago, with its dose, is history; its new dose is the plan.
		{"6 hafta oldin depressiya bilan sertralin 50 mg boshlangan. Davolash: sertralin 100 mg ertalab.", []string{"sertraline"}},
		// Brands of acne treatments.
		{"Рекомендовано: Эффезел гель на ночь, Скинорен гель утром, Цинктерал 124 мг 2 раза в день.", []string{"adapalene and benzoyl peroxide", "azelaic acid", "zinc sulfate"}},
	} {
		var got []string
		for _, m := range structure(t, c.text).Medications {
			got = append(got, m.Name)
		}
		slices.Sort(got)
		want := slices.Clone(c.prescribed)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q: prescribed %v, want %v", c.text, got, want)
		}
	}
	// The new dose of a course begun before is the one prescribed.
	for _, m := range structure(t, "6 hafta oldin depressiya bilan sertralin 50 mg boshlangan. Davolash: sertralin 100 mg ertalab.").Medications {
		if m.DoseValue != 100 {
			t.Errorf("sertraline at %v mg, want the new 100", m.DoseValue)
		}
	}
}

// What the plan prescribes stays prescribed beside the rules that take
// drugs out: "начать" is no course begun before, a verb belongs to the
// list right before it, a ban on restarting reaches only the drug it
// follows, and "the drugs taken" is no verb of the drug before it.
func TestPlansKeepWhatTheyPrescribe(t *testing.T) {
	for text, want := range map[string][]string{
		"Назначено: амоксициллин 500 мг начать сегодня, 3 раза в день 7 дней.":                                            {"amoxicillin"},
		"План: бисопролол 2,5 мг начать, через неделю контроль.":                                                          {"bisoprolol"},
		"Назначено: амлодипин и лизиноприл 10 мг утром, отменить эналаприл.":                                              {"amlodipine"},
		"Davolash: amlodipin va lizinopril 10 mg ertalab, ilgari qabul qilgan enalaprilni to'xtatish.":                    {"amlodipine"},
		"Назначено: цефтриаксон 1 г в/м, парацетамол, ибупрофен при температуре, ранее получал амоксициллин без эффекта.": {"ceftriaxone", "paracetamol"},
		"Рекомендовано: омепразол 20 мг 2 раза, амоксициллин и кларитромицин по схеме, не возобновлять курение.":          {"omeprazole", "amoxicillin", "clarithromycin"},
		"Reja: paratsetamol va ibuprofen, ichayotgan dorilarni davom ettirish.":                                           {"paracetamol", "ibuprofen"},
		"Yo'tal 3 kun. Tashxis: bronxit. Amoksitsillin 500 mg kuniga 3 marta, qabul qilayotgan dorilarni davom ettirish.": {"amoxicillin"},
	} {
		var got []string
		for _, m := range structure(t, text).Medications {
			got = append(got, m.Name)
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%q: prescribed %v, missing %s", text, got, w)
			}
		}
	}
}
