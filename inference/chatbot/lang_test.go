package chatbot

import (
	"testing"

	"github.com/oqim/oqim/models/portalkb"
)

func TestDetectLang(t *testing.T) {
	cases := map[string]portalkb.Lang{
		"QQSni qanday qaytarib olsam boʻladi?":      portalkb.UzLatn,
		"kontrakt shartnomamni qayerdan olaman":     portalkb.UzLatn,
		"фирма очмоқчиман нима қилишим керак":       portalkb.UzCyrl,
		"ариза ҳолати":                              portalkb.UzCyrl,
		"Как вернуть НДС через портал?":             portalkb.Ru,
		"справка 086 онлайн":                        portalkb.Ru,
		"How do I get a VAT refund?":                portalkb.En,
		"I forgot my OneID password":                portalkb.En,
		"salom":                                     portalkb.UzLatn,
		"OneID ga kira olmayapman, parolni unutdim": portalkb.UzLatn,
	}
	for in, want := range cases {
		if got := DetectLang(in); got != want {
			t.Errorf("DetectLang(%q) = %s, want %s", in, got, want)
		}
	}
}
