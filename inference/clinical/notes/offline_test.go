package notes

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/oqim/oqim/inference/clinical/diagnosis"
)

func structure(t *testing.T, text string) *Note {
	t.Helper()
	n, err := NewOffline().Structure(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOfflineSectionsAcrossScripts(t *testing.T) {
	for _, c := range []struct {
		text string
		want Sections
	}{
		{"Жалобы: головная боль. Анамнез: болеет 3 дня. Объективно: зев гиперемирован. Диагноз: ОРВИ. Назначено: обильное питьё.",
			Sections{Complaints: "головная боль", History: "болеет 3 дня", Objective: "зев гиперемирован", Assessment: "ОРВИ", Plan: "обильное питьё"}},
		{"Shikoyatlari: yo'tal. Anamnez: 2 kun. Ob'ektiv ko'rik: tomoq qizargan. Tashxis: faringit. Tavsiyalar: ko'p suyuqlik.",
			Sections{Complaints: "yo'tal", History: "2 kun", Objective: "tomoq qizargan", Assessment: "faringit", Plan: "ko'p suyuqlik"}},
		{"Шикоятлари: йўтал. Анамнез: 2 кун. Объектив кўрик: томоқ қизарган. Ташхис: фарингит. Тавсиялар: кўп суюқлик.",
			Sections{Complaints: "йўтал", History: "2 кун", Objective: "томоқ қизарган", Assessment: "фарингит", Plan: "кўп суюқлик"}},
		// A heading with a colon opens a section even without a full stop before it.
		{"Жалобы: кашель Анамнез: курит", Sections{Complaints: "кашель", History: "курит"}},
		// A second diagnosis after the first stays in the assessment; an
		// order without a heading goes to the plan.
		{"Диагноз: ОРВИ. Простые фебрильные судороги. Лечение: парацетамол 150 мг.",
			Sections{Assessment: "ОРВИ Простые фебрильные судороги", Plan: "парацетамол 150 мг"}},
		{"Диагноз: ушиб мягких тканей. Швы не накладывать.",
			Sections{Assessment: "ушиб мягких тканей", Plan: "Швы не накладывать"}},
		// What was done at the visit, under its heading, is the plan;
		// without a colon the word is an ordinary one.
		{"Ташхис: ўткир отит. Муолажа: қулоқ ювилди.",
			Sections{Assessment: "ўткир отит", Plan: "қулоқ ювилди"}},
		{"Диагноз: абсцесс предплечья. Манипуляция: абсцесс вскрыт, дренирован.",
			Sections{Assessment: "абсцесс предплечья", Plan: "абсцесс вскрыт, дренирован"}},
	} {
		if got := structure(t, c.text).Sections; got != c.want {
			t.Errorf("%q:\n got %+v\nwant %+v", c.text, got, c.want)
		}
	}
}

func TestOfflineVitals(t *testing.T) {
	for _, c := range []struct {
		text string
		want Vitals
	}{
		{"Объективно: АД 140/90 мм рт. ст., пульс 88, температура 37,8, SpO2 96%.", Vitals{140, 90, 88, 37.8, 96}},
		{"Ob'ektiv: qon bosimi 130 ga 85, puls 72, harorat 36.6, saturatsiya 98.", Vitals{130, 85, 72, 36.6, 98}},
		{"Объективно: давление сто сорок на девяносто, температура тридцать семь и восемь.", Vitals{BPSystolic: 140, BPDiastolic: 90, TemperatureC: 37.8}},
		{"Ko'rikda harorat o'ttiz sakkiz butun ikki, puls to'qson olti.", Vitals{Pulse: 96, TemperatureC: 38.2}},
		// Reported, not measured: no vital.
		{"Жалобы: температура до 39. Анамнез: давление поднимается до 180/100.", Vitals{}},
		// Out of range is a recognition error, not a finding.
		{"Объективно: пульс 900, SpO2 130.", Vitals{}},
	} {
		if got := structure(t, c.text).Vitals; got != c.want {
			t.Errorf("%q:\n got %+v\nwant %+v", c.text, got, c.want)
		}
	}
}

func TestOfflineMedications(t *testing.T) {
	for _, c := range []struct {
		text string
		want []Medication
	}{
		{"Назначено: парацетамол 500 мг 3 раза в день 5 дней.", []Medication{{Name: "paracetamol", DoseValue: 500, DoseUnit: "mg", TimesPerDay: 3, DurationDays: 5}}},
		{"Tavsiya: amoksitsillin 500 mg kuniga 3 mahal 7 kun.", []Medication{{Name: "amoxicillin", DoseValue: 500, DoseUnit: "mg", TimesPerDay: 3, DurationDays: 7}}},
		{"Тавсия: цефтриаксон 1 г кунига 1 маҳал 2 ҳафта.", []Medication{{Name: "ceftriaxone", DoseValue: 1, DoseUnit: "g", TimesPerDay: 1, DurationDays: 14}}},
		{"Назначено: ибупрофен 400 мг каждые 8 часов, лоперамид не назначать.", []Medication{{Name: "ibuprofen", DoseValue: 400, DoseUnit: "mg", TimesPerDay: 3}}},
		// Taken before, not prescribed.
		{"Анамнез: принимал парацетамол 500 мг.", nil},
		// Uzbek Cyrillic "фолат кислотаси"; a brand of silver sulfadiazine.
		{"Даволаш: Фолат кислотаси 5 мг кунига 1 марта 1 ой.", []Medication{{Name: "folic acid", DoseValue: 5, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 30}}},
		{"Тавсия: Сульфаргин малҳами кунига 2 марта.", []Medication{{Name: "silver sulfadiazine", TimesPerDay: 2, Route: "topical"}}},
		// With breakfast or dinner is a time of day: once a day.
		{"Reja: Diabeton MV 30 mg nonushta paytida.", []Medication{{Name: "gliclazide", DoseValue: 30, DoseUnit: "mg", TimesPerDay: 1}}},
		{"Назначено: аторвастатин 20 мг за ужином.", []Medication{{Name: "atorvastatin", DoseValue: 20, DoseUnit: "mg", TimesPerDay: 1}}},
		// Not needed, stopped, or dripped by the patient before: none of
		// them is prescribed.
		{"Reja: antirabik emlash hozircha shart emas, ibuprofen 200 mg kuniga 3 marta 3 kun.", []Medication{{Name: "ibuprofen", DoseValue: 200, DoseUnit: "mg", TimesPerDay: 3, DurationDays: 3}}},
		{"План: Називин прекратить. Цетиризин 10 мг на ночь 10 дней.", []Medication{{Name: "cetirizine", DoseValue: 10, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 10}}},
		{"Заложенность в ухе. Капал Отипакс по 3 капли неделю. Осмотр через 3 дня.", nil},
		// "on" is oʻn (ten) before a dose unit too; after breakfast, for
		// six months; the same drug again after "keyin" is a second course.
		{"Reja: amlodipin on mg ertalab.", []Medication{{Name: "amlodipine", DoseValue: 10, DoseUnit: "mg", TimesPerDay: 1}}},
		{"Тавсия: сертралин 50 мг эрталаб нонуштадан кейин олти ой.", []Medication{{Name: "sertraline", DoseValue: 50, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 180}}},
		{"Reja: deksametazon 4 mg kuniga 1 marta ikki kun keyin deksametazon 2 mg kuniga 1 marta uch kun.", []Medication{
			{Name: "dexamethasone", DoseValue: 4, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 2},
			{Name: "dexamethasone", DoseValue: 2, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 3}}},
		{"Назначено: Аркоксиа 60 мг 1 раз в день 5 дней.", []Medication{{Name: "etoricoxib", DoseValue: 60, DoseUnit: "mg", TimesPerDay: 1, DurationDays: 5}}},
	} {
		got := structure(t, c.text).Medications
		for i := range got {
			got[i].Source = ""
		}
		if len(got) != len(c.want) {
			t.Errorf("%q: got %+v, want %+v", c.text, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: got %+v, want %+v", c.text, got[i], c.want[i])
			}
		}
	}
}

func TestOfflineLanguage(t *testing.T) {
	for text, want := range map[string]string{
		"Жалобы на кашель": "ru", "Шикоятлари: йўтал": "uz-Cyrl", "Shikoyatlari: yo'tal": "uz-Latn",
		"Shikoyatlari: yo'tal, bosh og'rig'i. Объективно: давление": "mixed",
	} {
		if got := structure(t, text).Language; got != want {
			t.Errorf("%q: %q, want %q", text, got, want)
		}
	}
}

type recordingAudit struct {
	mu     sync.Mutex
	events []AuditEvent
}

func (a *recordingAudit) Record(_ context.Context, e AuditEvent) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, e)
}

func TestOfflineAudits(t *testing.T) {
	a := &recordingAudit{}
	text := "Жалобы: кашель."
	if _, err := NewOffline(WithAudit(a)).Structure(context.Background(), text); err != nil {
		t.Fatal(err)
	}
	if len(a.events) != 1 || a.events[0].Engine != "offline" || a.events[0].Chars != len(text) {
		t.Fatalf("audit events %+v", a.events)
	}
}

func TestDiagnoseGivesICD10(t *testing.T) {
	eng, err := diagnosis.NewDefaultEngine()
	if err != nil {
		t.Fatal(err)
	}
	n := structure(t, "Жалобы: кашель с мокротой, температура, одышка, боль в груди при дыхании. Анамнез: болеет 4 дня.")
	d, err := Diagnose(context.Background(), eng, n, 50, diagnosis.Male)
	if err != nil {
		t.Fatal(err)
	}
	// Decision support comes with its disclaimer, in the note's language.
	if !strings.Contains(d.Disclaimer, "врач") {
		t.Errorf("disclaimer %q, want the Russian one", d.Disclaimer)
	}
	diff := d.Candidates
	if len(diff) == 0 || diff[0].Rank != 1 && !diff[0].RedFlag {
		t.Fatalf("differential %+v", diff)
	}
	withCodes := 0
	for _, c := range diff {
		if len(c.ICD10) > 0 {
			withCodes++
		}
	}
	if withCodes == 0 {
		t.Fatalf("no ICD-10 code in %+v", diff)
	}
	// A Russian note's conditions are also named in Russian.
	for _, c := range diff {
		if c.LocalName == "" || c.LocalName == c.Name || !strings.ContainsAny(c.LocalName, "аеиоуыэюя") {
			t.Errorf("%s: local name %q beside %q, want the Russian one", c.ConditionID, c.LocalName, c.Name)
		}
	}
	// A differential from a complaint or two says how little it rests on.
	d, err = Diagnose(context.Background(), eng, structure(t, "Жалобы: кашель."), 50, diagnosis.Male)
	if err != nil || d.Warning == "" || !strings.Contains(d.Warning, "(1,") || strings.Contains(d.Warning, "вопрос") {
		t.Errorf("one finding: warning %q, err %v; want the few-findings warning counting 1, and no question to answer (a note has none)", d.Warning, err)
	}
	_, err = Diagnose(context.Background(), eng, &Note{}, 50, diagnosis.Male)
	if !errors.Is(err, ErrNoFindings) {
		t.Fatalf("empty note: got %v", err)
	}
	_, err = Diagnose(context.Background(), eng, structure(t, "Жалоб нет. Температуры нет, кашля нет."), 50, diagnosis.Male)
	if !errors.Is(err, ErrNoFindings) {
		t.Fatalf("a note denying everything: got %v", err)
	}
}

func TestNormalizeText(t *testing.T) {
	if got, want := NormalizeText("Ўткир бронхит, 37,8°"), "o'tkir bronxit 37.8"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !strings.Contains(NormalizeText("Oʻtkir"), "o'tkir") {
		t.Fatal("apostrophe variants not unified")
	}
}

var benchNote = "Жалобы: на головную боль, заложенность носа, слабость. Анамнез: болеет 3 дня, связывает с переохлаждением. " +
	"Объективно: состояние удовлетворительное. Зев гиперемирован. АД 120/80 мм рт. ст., пульс 84 уд/мин, температура 37,6. " +
	"Диагноз: ОРВИ. Назначено: парацетамол 500 мг 3 раза в день 5 дней, амоксициллин 500 мг 3 раза в день 7 дней, обильное питьё."

func BenchmarkOfflineStructure(b *testing.B) {
	o := NewOffline()
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(benchNote)))
	for b.Loop() {
		if _, err := o.Structure(ctx, benchNote); err != nil {
			b.Fatal(err)
		}
	}
}

// The differential reads the first 64 KiB of the complaints and history,
// as much as the diagnosis API takes: a note padded past that cannot make
// it read a megabyte, and what lies beyond is not read.
func TestDiagnoseReadsTheFirst64KiB(t *testing.T) {
	eng, err := diagnosis.NewDefaultEngine()
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("ё", maxFindingText/2) // two bytes a letter: the cut falls inside none
	n := &Note{Sections: Sections{Complaints: pad + " кашель с мокротой, температура, одышка"}}
	if _, err := Diagnose(context.Background(), eng, n, 50, diagnosis.Male); !errors.Is(err, ErrNoFindings) {
		t.Fatalf("findings past the first 64 KiB were read: %v", err)
	}
	n.Sections.Complaints = "кашель с мокротой, температура, одышка " + pad
	if _, err := Diagnose(context.Background(), eng, n, 50, diagnosis.Male); err != nil {
		t.Fatalf("findings at the start of a long note: %v", err)
	}
}
