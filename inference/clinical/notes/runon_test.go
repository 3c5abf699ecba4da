package notes

import (
	"strings"
	"testing"
)

func TestSectionsWithoutHeadings(t *testing.T) {
	for _, c := range []struct {
		text string
		sec  Section
		want string // a phrase that must land in sec
	}{
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
		{"bemor tomoq og'rig'iga shikoyat qiladi ko'rikda tomoq qizargan", Objective, "tomoq qizargan"},
		// A Russian infinitive ending like "-ит" is an instruction, not a
		// disease.
		{"Диагноз: ангина. Полоскать горло. Кипятить воду.", Plan, "Кипятить воду"},
	} {
		n := structure(t, c.text)
		if got := n.Sections.Get(c.sec); !strings.Contains(got, c.want) {
			t.Errorf("%q: %s = %q, want it to hold %q", c.text, c.sec, got, c.want)
		}
	}
}
