package notes

import "testing"

func TestMedicinesByBrandAndSpelling(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"Назначено: Конкор 5 мг утром.", "bisoprolol"},
		{"Tavsiya: Siprolet 500 mg kuniga 2 mahal 7 kun.", "ciprofloxacin"},
		{"Tavsiya: siprofloksatsin 500 mg.", "ciprofloxacin"},
		{"Тавсия: Нексиум 40 мг.", "esomeprazole"},
		{"Plan: rosuvastatin 10 mg at night.", "rosuvastatin"},
		{"Назначено: инсулин Лантус 18 ЕД вечером.", "insulin glargine"},
		// the lexicon's second edition: psychiatry, neurology, eye, veins
		{"Назначено: Ципралекс 10 мг утром.", "escitalopram"},
		{"Tavsiya: essitalopram 10 mg ertalab.", "escitalopram"},
		{"Тавсия: Берлитион 600 мг кунига 1 марта.", "thioctic acid"},
		{"Назначено: латанопрост 1 капля на ночь.", "latanoprost"},
		// the third: hepatitis C, hypoglycaemia, allergy of the eye, and
		// Advantan, which is methylprednisolone aceponate, not hydrocortisone
		{"Тавсия: Софосбувир 400 мг кунига 1 марта 12 ҳафта.", "sofosbuvir"},
		{"Tavsiya: daklatasvir 60 mg kuniga 1 marta.", "daclatasvir"},
		{"Назначено: глюкагон 1 мг в/м при тяжёлой гипогликемии.", "glucagon"},
		{"Назначено: Опатанол по 1 капле 2 раза в день.", "olopatadine"},
		{"Назначено: Адвантан крем 1 раз в день 7 дней.", "methylprednisolone aceponate"},
		// the fourth: kidneys, bowel, throat, eye; combinations by brand
		{"Назначено: севеламер 800 мг 3 раза в день во время еды.", "sevelamer"},
		{"Тавсия: Рекормон 2000 МЕ ҳафтасига 3 марта.", "epoetin beta"},
		{"Tavsiya: Salofalk 500 mg kuniga 3 marta.", "mesalazine"},
		{"Назначено: Тантум Верде полоскание 3 раза в день.", "benzydamine"},
		{"Назначено: Азопт по 1 капле 2 раза в день.", "brinzolamide"},
		{"Назначено: Престанс 5/5 мг утром.", "perindopril and amlodipine"},
		{"Tavsiya: Kalsiy D3 Nikomed kuniga 2 marta.", "calcium carbonate and colecalciferol"},
		{"Tavsiya: Detraleks 1000 mg kuniga 1 marta.", "diosmin and hesperidin"},
		{"Назначено: Энтерол 1 пакетик 2 раза в день.", "saccharomyces boulardii"},
		// the fifth: neurology, ENT and acne; human insulin by its INN,
		// whether its brand's R is typed in Latin or Cyrillic
		{"Назначено: Аксамон 20 мг 3 раза в день 1 месяц.", "ipidacrine"},
		{"Tavsiya: Izofra bir purkashdan kuniga 3 marta.", "framycetin"},
		{"Назначено: Дифферин гель на ночь 3 месяца.", "adapalene"},
		{"Назначено: бензоила пероксид гель утром на очаги.", "benzoyl peroxide"},
		{"Назначено: Хумулин Р 6 ЕД перед едой.", "insulin human"},
		{"Назначено: Humulin R 6 ЕД перед едой.", "insulin human"},
		// the sixth: allergy, stomach, colic, ear, glaucoma, eye allergy
		{"Тавсия: Ксизал 5 мг кунига 1 марта 10 кун.", "levocetirizine"},
		{"Tavsiya: Fosfalyugel 1 paketdan kuniga 3 marta.", "aluminium phosphate"},
		{"Назначено: платифиллин 2 мг п/к однократно.", "platyphylline"},
		{"Даволаш: Нормакс 4 томчидан кунига 2 марта.", "norfloxacin"},
		{"Назначено: пилокарпин 1% по 1 капле 4 раза в день.", "pilocarpine"},
		{"Назначено: Диакарб 250 мг 2 раза в день 3 дня.", "acetazolamide"},
		{"Tavsiya: kromoglikat ko'z tomchisi 1 tomchidan kuniga 4 marta.", "cromoglicic acid"},
		// Uzbek puts the letter first; a deficiency of it is a diagnosis
		// (see TestSentencesByPlace)
		{"Tavsiya: D vitamini 2000 ME kuniga 1 marta.", "colecalciferol"},
		// A brand that is also a word counts with its dose only.
		{"Назначено: Найз 100 мг 2 раза в день после еды.", "nimesulide"},
		{"Назначено: Корнерегель в оба глаза на ночь.", "dexpanthenol"},
	} {
		n := structure(t, c.text)
		if len(n.Medications) != 1 || n.Medications[0].Name != c.want {
			t.Errorf("%q: want one medication %s, got %+v", c.text, c.want, n.Medications)
		}
	}
}

func TestWordsThatLookLikeBrands(t *testing.T) {
	for _, text := range []string{
		"Ko'rikda bilakda nayza deformatsiyasi, shish.",
		"Кўрикда сигмасимон ичак спазмланган, оғриқли.",
	} {
		n := structure(t, text)
		if len(n.Medications) != 0 {
			t.Errorf("%q: no drug is named, got %+v", text, n.Medications)
		}
		if n.Sections.Get(Objective) == "" {
			t.Errorf("%q: want the objective section, got %+v", text, n.Sections)
		}
	}
}

func TestShortBrandsMatchWithEndingsOnly(t *testing.T) {
	if n := structure(t, "Tavsiya: Omezni 20 mg ertalab."); len(n.Medications) != 1 || n.Medications[0].Name != "omeprazole" {
		t.Errorf("Omezni: want omeprazole, got %+v", n.Medications)
	}
	if n := structure(t, "Tavsiya: enaplashtirilgan parhez."); len(n.Medications) != 0 {
		t.Errorf("a longer word that begins with a short brand is not the brand: %+v", n.Medications)
	}
}
