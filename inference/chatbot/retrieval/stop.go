package retrieval

import "strings"

// Stop words carry no meaning for finding a service. uzStop is in folded
// spelling (see fold); ruStop and enStop are lower case as typed.
var uzStop = foldSet(`men menga meni mening biz bizga sen siz sizga u ular bu shu ana mana va ham yoki bilan uchun
	kerak kerakmi qanday kanday kanaka qanaqa qaerda kaerda kayerda qayerda qachon kachon nima nimalar necha kancha qancha
	mumkin mumkinmi bormi bor yok yoq edi ekan emas deb qilib kilib qilish kilish qilsam kilsam qilaman kilaman
	olsam olaman olish berish beriladi boladi bolsa bola kanday nega nimaga iltimos salom assalomu alaykum rahmat
	haqida hakida boyicha orqali orkali kerakli kk qilay qilamiz olay olamiz bering ayting aytib tushuntiring
	da ni ga ku chi mi xam ham hamda lekin ammo agar keyin oldin dan
	kil kilin kilinad kilingan bol bolad olin olinad ber berilad ayt kerak kil ket
	qayerga qayerdan kayerga kayerdan beraman beramiz olsa boladimi bolsam mening menda uzbekiston ozbekiston uzbek ozbek`)

var ruStop = set(`я мне меня мой моя мои моё моей моего моему моим моих мою мы нам нас наш наша наши ты вы вам вас ваш ваша ваши он она они оно это этот эта эти тот
	и или а но да нет не ни в во на с со к ко по за из от до для о об при про у же ли бы как какой какие какая
	где когда что чтобы кто сколько нужно надо можно могу хочу хотел хотела ли пожалуйста здравствуйте привет
	спасибо подскажите скажите помогите есть был была было быть ещё еще уже там тут здесь если то чем его её их
	делать сделать получить подать оформить куда откуда узбекистан узбекистана узбекистане
	другой другая другое другие другую другого другом новый новая новое новую`)

var enStop = set(`i me my mine we us our you your he she it its they them their this that these those
	a an the and or but if of to in on at by for with from about as into how what where when which who whom
	why can could do does did is are was were be been am have has had get got need want would should will
	one please hello hi thanks thank there here any some not no yes so than then just also i'm it's don't
	uzbekistan uzbek`)

// ruLatinStop are Russian stop words as typed in Latin letters ("kak
// poluchit spravku"), checked for Latin words.
var ruLatinStop = set(`kak kakoy kakaya kakie chto chtoby gde kogda kuda skolko mne menya moy moya moi moe moyu nam nas
	nuzhno nado mozhno mogu khochu hochu xochu poluchit oformit podat sdelat cherez dlya pri bez ili eto eta etot est
	pozhaluysta pojaluysta podskazhite skazhite zdravstvuyte privet spasibo uzhe eshche tam tut zdes esli uznat`)

func set(words string) map[string]bool {
	m := map[string]bool{}
	w := ""
	for _, r := range words + " " {
		if r == ' ' || r == '\n' || r == '\t' {
			if w != "" {
				m[w] = true
			}
			w = ""
			continue
		}
		w += string(r)
	}
	return m
}

func foldSet(words string) map[string]bool {
	var b strings.Builder
	m := map[string]bool{}
	for w := range set(words) {
		m[fold(&b, w)] = true
	}
	return m
}

func isStop(folded string) bool { return uzStop[folded] }
