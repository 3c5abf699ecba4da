package language

import "testing"

func TestDetect(t *testing.T) {
	cases := map[string]Tag{
		"QQSni qanday qaytarib olsam boʻladi?":  UzLatn,
		"kontrakt shartnomamni qayerdan olaman": UzLatn,
		"фирма очмоқчиман нима қилишим керак":   UzCyrl,
		"ариза ҳолати":                          UzCyrl,
		// Uzbek without ў қ ғ ҳ, told by its endings; Russian that
		// looks alike stays Russian.
		"Паролимни унутдим":              UzCyrl,
		"OneID паролимни унутдим":        UzCyrl,
		"Пулингиз кайтарилади":           UzCyrl,
		"Паспорт алмаштирмокчиман":       UzCyrl,
		"Мы видим гимн на экране":        Ru,
		"правани алмаштириш":             UzCyrl,
		"ер участкасини хусусийлаштириш": UzCyrl,
		"нотариал ишончнома":             UzCyrl,
		// Russian typed in Latin letters is answered in Russian.
		"kak poluchit spravku o nesudimosti":         Ru,
		"kak zaregistrirovat avtomobil":              Ru,
		"Ишсизлик нафакаси кандай олинади":           UzCyrl,
		"posobie po bezrabotice, kak oformit":        Ru,
		"Малыш и Карлсон, финиш гонки":               Ru,
		"Как восстановить пароль от OneID":           Ru,
		"Как вернуть НДС через портал?":              Ru,
		"справка 086 онлайн":                         Ru,
		"How do I get a VAT refund?":                 En,
		"I forgot my OneID password":                 En,
		"salom":                                      UzLatn,
		"OneID ga kira olmayapman, parolni unutdim":  UzLatn,
		"sore throat, fever 38.9, no cough":          En,
		"swollen glands, chest pain":                 En,
		"bosh og'rig'i, ko'ngil aynishi, harorat 38": UzLatn,
		"yo'tal, balg'am, chap ko'krakda og'riq":     UzLatn,
		"chaqaloq, chap qo'l":                        UzLatn,
		"паролни тиклаш керак":                       UzCyrl,
		"органларига мурожаат":                       UzCyrl,
		"как оформить пособие по уходу за ребёнком":  Ru,
		"органы опеки и попечительства":              Ru,
		"runny nose, fever":                          En,
		"fever, rash":                                En,
		"Uzcard kartamga pul tushmadi":               UzLatn,
		"Click ishlamayapti":                         UzLatn,
		"www.my.gov.uz saytiga kirolmayapman":        UzLatn,
		"isitma 39 C":                                UzLatn,
		"Ciprofloxacin 500 mg kuniga 2 marta 7 kun":  UzLatn,
		"Coldrex ichgan, isitma, bosh ogrigi":        UzLatn,
		"скрининг новорожденных":                     Ru,
		"Пора делать скрининг беременным?":           Ru,
		"шалаш у реки":                               Ru,
		"":                                           UzLatn,
	}
	for in, want := range cases {
		if got := Detect(in); got != want {
			t.Errorf("Detect(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestMixed(t *testing.T) {
	cases := map[string]bool{
		"bemor shikoyat qiladi на головную боль и тошноту": true,
		"Жалобы на головную боль, АД 140/90":               false, // Latin letters are a sliver
		"bemorda bosh og'rig'i, qon bosimi 140 ga 90":      false,
		"": false,
	}
	for in, want := range cases {
		if got := Count(in).Mixed(); got != want {
			t.Errorf("Count(%q).Mixed() = %v, want %v", in, got, want)
		}
	}
}
