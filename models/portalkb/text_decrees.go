package portalkb

import (
	"fmt"
	"strings"
)

// decreeTexts are one language's sentences for the entries whose decree
// says less than annexes 4 and 6 do: PQ-308 names a service but no
// agency, due month, fee, document list or processing time, and annex 5
// names a notification and the service it leads to. Each sentence says
// what the decree does not give and where to find it, rather than
// inventing it.
type decreeTexts struct {
	pq308What, pq308Docs, pq308Fee, pq308Processing, pq308Agency string

	notifWhat, notifWho, notifDocs, notifFee, notifProcessing, notifHow string
}

var enDecreeTexts = decreeTexts{
	pq308What:       "%s. Decree PQ-308 of 14.09.2023 (roadmap item 8) names this service among those the Single Portal (my.gov.uz) is to offer online, first in its mobile app.",
	pq308Docs:       "The decree lists no documents for this service. The application form on the service page asks for what is needed; your personal data come from state databases through OneID.",
	pq308Fee:        "The decree sets no fee. If a state fee applies, the service page shows it before you pay, and you can pay it online.",
	pq308Processing: "The decree sets no processing time; the service page shows it, and you can follow your application under “My applications”.",
	pq308Agency:     "The decree does not name the responsible agency; the service page on my.gov.uz names it, and the 1242 call centre can tell you.",

	notifWhat:       "Automatic notification: “%s”. Decree PQ-286 (annex 5) has the Single Portal send it when this happens, with the service it leads to: %s.",
	notifWho:        "Everyone with a OneID account whom the event concerns; the notification comes to the personal account on my.gov.uz and to the mobile app.",
	notifDocs:       "None: the notification is made from state databases, without an application.",
	notifFee:        "The notification is free of charge; if the service it offers has a fee, the service page shows it before you pay.",
	notifProcessing: "Under Decree PQ-286 (annex 5) the notification is to work by %s. Notification settings are in the personal account.",
	notifHow:        "Sign in to my.gov.uz or the mobile app with OneID and keep notifications on. When the notification arrives, open it and choose: %s. For help call 1242.",
}

var uzDecreeTexts = decreeTexts{
	pq308What:       "%s. PQ-308-son qaror (14.09.2023, yoʻl xaritasining 8-bandi) bu xizmatni Yagona portal (my.gov.uz) onlayn, avvalo mobil ilovada koʻrsatishi kerak boʻlgan xizmatlar qatorida nomlaydi.",
	pq308Docs:       "Qarorda bu xizmat uchun hujjatlar roʻyxati berilmagan. Kerakli hujjatlarni xizmat sahifasidagi ariza shakli soʻraydi; shaxsiy maʼlumotlaringiz OneID orqali davlat bazalaridan olinadi.",
	pq308Fee:        "Qarorda toʻlov belgilanmagan. Davlat boji olinsa, u toʻlovdan oldin xizmat sahifasida koʻrsatiladi va uni onlayn toʻlash mumkin.",
	pq308Processing: "Qarorda koʻrib chiqish muddati berilmagan; u xizmat sahifasida koʻrsatiladi, arizangizni esa “Mening arizalarim” boʻlimida kuzatishingiz mumkin.",
	pq308Agency:     "Qarorda masʼul idora nomlanmagan; uni my.gov.uz dagi xizmat sahifasi koʻrsatadi, 1242 call-markazi ham aytib beradi.",

	notifWhat:       "Avtomatik xabarnoma: “%s”. PQ-286-son qaror (5-ilova) boʻyicha Yagona portal bu holatda xabarnoma va u bilan bogʻliq xizmatni taklif qiladi: %s.",
	notifWho:        "Voqea taalluqli boʻlgan, OneID hisobiga ega har bir shaxs; xabarnoma my.gov.uz shaxsiy kabinetiga va mobil ilovaga keladi.",
	notifDocs:       "Kerak emas: xabarnoma arizasiz, davlat bazalaridagi maʼlumotlar asosida yuboriladi.",
	notifFee:        "Xabarnoma bepul; taklif qilingan xizmat pullik boʻlsa, narxi toʻlovdan oldin xizmat sahifasida koʻrsatiladi.",
	notifProcessing: "PQ-286-son qaror (5-ilova) boʻyicha xabarnoma %sgacha ishga tushirilishi kerak. Xabarnoma sozlamalari shaxsiy kabinetda.",
	notifHow:        "my.gov.uz yoki mobil ilovaga OneID orqali kiring va xabarnomalarni yoqing. Xabarnoma kelganda uni oching va tanlang: %s. Yordam uchun 1242 ga qoʻngʻiroq qiling.",
}

var ruDecreeTexts = decreeTexts{
	pq308What:       "%s. Постановление ПП-308 от 14.09.2023 (пункт 8 дорожной карты) называет эту услугу среди тех, что Единый портал (my.gov.uz) должен оказывать онлайн, в первую очередь в мобильном приложении.",
	pq308Docs:       "Перечень документов для этой услуги постановление не приводит. Нужное запросит форма заявления на странице услуги; ваши персональные данные берутся из государственных баз через OneID.",
	pq308Fee:        "Плату постановление не устанавливает. Если взимается государственная пошлина, она показывается на странице услуги до оплаты, оплатить её можно онлайн.",
	pq308Processing: "Срок рассмотрения постановление не устанавливает; он указан на странице услуги, а заявление можно отслеживать в разделе «Мои заявки».",
	pq308Agency:     "Ответственное ведомство постановление не называет; его указывает страница услуги на my.gov.uz, подскажет и колл-центр 1242.",

	notifWhat:       "Автоматическое уведомление: «%s». По постановлению ПП-286 (приложение 5) Единый портал присылает его при этом событии вместе с услугой, к которой оно ведёт: %s.",
	notifWho:        "Каждый, у кого есть учётная запись OneID и кого касается событие; уведомление приходит в личный кабинет на my.gov.uz и в мобильное приложение.",
	notifDocs:       "Не нужны: уведомление формируется по данным государственных баз, без заявления.",
	notifFee:        "Уведомление бесплатно; если предлагаемая услуга платная, цена показывается на её странице до оплаты.",
	notifProcessing: "По постановлению ПП-286 (приложение 5) уведомление должно заработать до %s. Настройки уведомлений — в личном кабинете.",
	notifHow:        "Войдите на my.gov.uz или в мобильное приложение через OneID и не отключайте уведомления. Когда уведомление придёт, откройте его и выберите: %s. Если нужна помощь, звоните 1242.",
}

// pq308Content writes a PQ-308 entry's text in one language form.
func (d *decreeTexts) pq308Content(t *texts, title string, aud audience, keywords string) Content {
	return Content{
		Title:      title,
		What:       fmt.Sprintf(d.pq308What, title),
		Who:        t.who[aud],
		Documents:  d.pq308Docs,
		Fee:        d.pq308Fee,
		Processing: d.pq308Processing,
		Agency:     d.pq308Agency,
		HowToApply: fmt.Sprintf(t.how, title),
		Keywords:   splitKeywords(keywords),
	}
}

// notifContent writes an annex 5 entry's text in one language form.
func (d *decreeTexts) notifContent(t *texts, title, offer string, agencies []string, due, keywords string) Content {
	c := Content{
		Title:      title,
		What:       fmt.Sprintf(d.notifWhat, title, offer),
		Who:        d.notifWho,
		Documents:  d.notifDocs,
		Fee:        d.notifFee,
		Processing: fmt.Sprintf(d.notifProcessing, t.month(due)),
		HowToApply: fmt.Sprintf(d.notifHow, offer),
		Keywords:   splitKeywords(keywords),
	}
	if len(agencies) > 1 {
		c.Agency = fmt.Sprintf(t.agencies, strings.Join(agencies, "; "))
	} else {
		c.Agency = fmt.Sprintf(t.agency, strings.Join(agencies, "; "))
	}
	return c
}

func splitKeywords(s string) []string {
	var out []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}
