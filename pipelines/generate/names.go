package generate

import (
	"hash/fnv"
	"strings"

	"github.com/oqim/oqim/models/ident"
	"github.com/oqim/oqim/models/region"
)

// district is a district (tuman) or city (shahar) of a region.
type district struct {
	name string
	city bool
}

// districts are a few real districts and cities of each region, enough to
// give facilities realistic names; not a complete list.
var districts = map[string][]district{
	"UZ-QR": {{"Nukus", true}, {"Beruniy", false}, {"Toʻrtkoʻl", false}, {"Xoʻjayli", false}, {"Chimboy", false}, {"Qoʻngʻirot", false}},
	"UZ-AN": {{"Andijon", true}, {"Asaka", false}, {"Shahrixon", false}, {"Xoʻjaobod", false}, {"Qoʻrgʻontepa", false}},
	"UZ-BU": {{"Buxoro", true}, {"Gʻijduvon", false}, {"Kogon", true}, {"Vobkent", false}, {"Romitan", false}},
	"UZ-JI": {{"Jizzax", true}, {"Zomin", false}, {"Gʻallaorol", false}, {"Forish", false}, {"Paxtakor", false}},
	"UZ-QA": {{"Qarshi", true}, {"Shahrisabz", true}, {"Kitob", false}, {"Gʻuzor", false}, {"Koson", false}},
	"UZ-NW": {{"Navoiy", true}, {"Zarafshon", true}, {"Karmana", false}, {"Nurota", false}, {"Qiziltepa", false}},
	"UZ-NG": {{"Namangan", true}, {"Chust", false}, {"Pop", false}, {"Uchqoʻrgʻon", false}, {"Kosonsoy", false}},
	"UZ-SA": {{"Samarqand", true}, {"Urgut", false}, {"Kattaqoʻrgʻon", true}, {"Pastdargʻom", false}, {"Bulungʻur", false}},
	"UZ-SI": {{"Guliston", true}, {"Yangiyer", true}, {"Sirdaryo", false}, {"Boyovut", false}, {"Sardoba", false}},
	"UZ-SU": {{"Termiz", true}, {"Denov", false}, {"Sherobod", false}, {"Sariosiyo", false}, {"Boysun", false}},
	"UZ-TO": {{"Chirchiq", true}, {"Olmaliq", true}, {"Angren", true}, {"Zangiota", false}, {"Qibray", false}, {"Boʻstonliq", false}},
	"UZ-FA": {{"Fargʻona", true}, {"Margʻilon", true}, {"Qoʻqon", true}, {"Rishton", false}, {"Quva", false}},
	"UZ-XO": {{"Urganch", true}, {"Xiva", true}, {"Hazorasp", false}, {"Xonqa", false}, {"Gurlan", false}},
	"UZ-TK": {{"Yunusobod", false}, {"Chilonzor", false}, {"Mirzo Ulugʻbek", false}, {"Yakkasaroy", false}, {"Shayxontohur", false}, {"Olmazor", false}},
}

// districtOf is the district of region r that key (an application, a
// call, a mahalla) lies in: drawn from its hash, not from the generator's
// random stream, so every other value a seed gives stays as it was, and
// every event of one application or mahalla has the same district.
func (g *Generator) districtOf(r int, key string) string {
	ds := districts[g.regions[r].ID]
	if len(ds) == 0 {
		return ""
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return ds[h.Sum32()%uint32(len(ds))].name
}

// place is a health facility and the district it serves.
type place struct {
	facility string
	district string
}

// placesFor names each region's facilities: the regional multi-profile
// medical centre (district empty), then per district its medical
// association (tuman tibbiyot birlashmasi) or, in cities, a family
// polyclinic. Tashkent city's districts are city districts.
func placesFor(regions []region.Region) [][]place {
	out := make([][]place, len(regions))
	for i, r := range regions {
		var ps []place
		switch r.ID {
		case "UZ-QR":
			ps = append(ps, place{facility: "Qoraqalpogʻiston Respublikasi koʻp tarmoqli tibbiyot markazi"})
		case "UZ-TK":
			ps = append(ps, place{facility: "Toshkent shahar koʻp tarmoqli klinik shifoxonasi"})
		default:
			stem := strings.TrimSuffix(r.NameUz, " viloyati")
			ps = append(ps, place{facility: stem + " viloyat koʻp tarmoqli tibbiyot markazi"})
		}
		for k, d := range districts[r.ID] {
			switch {
			case r.ID == "UZ-TK":
				ps = append(ps, place{d.name + " tumani " + itoa(k+14) + "-son oilaviy poliklinikasi", d.name})
			case d.city:
				ps = append(ps, place{d.name + " shahar tibbiyot birlashmasi", d.name},
					place{d.name + " shahar " + itoa(k+1) + "-son oilaviy poliklinikasi", d.name})
			default:
				ps = append(ps, place{d.name + " tuman tibbiyot birlashmasi", d.name})
			}
		}
		out[i] = ps
	}
	return out
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// mahallaNames are a few mahallas (citizens' assemblies) per region, as
// agencies actually write them: ʻ (U+02BB), ' , ‘ and ` for the Uzbek
// apostrophe, "MFY" or "mahallasi", and some in Cyrillic, so that the
// normalised search key has work to do.
var mahallaNames = map[string][]string{
	"UZ-QR": {"Ajiniyoz MFY", "Do'stlik mahallasi", "Qoraqalpogʻiston MFY", "Шымбай МФЙ", "Qo'ng'irot MFY"},
	"UZ-AN": {"Bogʻishamol MFY", "Navro'z mahallasi", "Oltinko‘l MFY", "Бобур МФЙ", "Yangi hayot MFY"},
	"UZ-BU": {"Gʻijduvon MFY", "Bahouddin Naqshband mahallasi", "Qo`ng`irot MFY", "Кўкалдош МФЙ", "Navbahor MFY"},
	"UZ-JI": {"Oʻzbekiston MFY", "Do'stlik MFY", "Navroʻz mahallasi", "Гулистон МФЙ", "Yangiobod MFY", "Bo‘ston MFY"},
	"UZ-QA": {"Oqsaroy MFY", "Ko'kdala mahallasi", "Gʻuzor MFY", "Насаф МФЙ", "Mustaqillik MFY"},
	"UZ-NW": {"Zarafshon MFY", "Karmana mahallasi", "Nurota MFY", "Қизилтепа МФЙ", "G'alaba MFY"},
	"UZ-NG": {"Chust MFY", "Bog'bon mahallasi", "Uychi MFY", "Косонсой МФЙ", "Mashrab MFY"},
	"UZ-SA": {"Registon MFY", "Bogʻishamol mahallasi", "Ulug'bek MFY", "Сиёб МФЙ", "Ko‘ksaroy MFY", "Afrosiyob MFY"},
	"UZ-SI": {"Guliston MFY", "Sayxun mahallasi", "Boyovut MFY", "Мирзачўл МФЙ", "Yangiyer MFY"},
	"UZ-SU": {"Termiz MFY", "Alpomish mahallasi", "Sherobod MFY", "Денов МФЙ", "Bo'ysun MFY"},
	"UZ-TO": {"Chirchiq MFY", "Bo`stonliq mahallasi", "Olmaliq MFY", "Ангрен МФЙ", "Qibray MFY"},
	"UZ-FA": {"Margʻilon MFY", "Qo'qon mahallasi", "Rishton MFY", "Фарғона МФЙ", "To‘ytepa MFY"},
	"UZ-XO": {"Ichan qal'a MFY", "Urganch mahallasi", "Xiva MFY", "Хазорасп МФЙ", "Gurlan MFY"},
	"UZ-TK": {"Yunusobod MFY", "Chilonzor-9 mahallasi", "Mirzo Ulugʻbek MFY", "Бешёғоч МФЙ", "Oqtepa MFY", "Ko'kcha mahallasi"},
}

func mahallasFor(regions []region.Region) [][]string {
	out := make([][]string, len(regions))
	for i, r := range regions {
		out[i] = mahallaNames[r.ID]
		if len(out[i]) == 0 {
			out[i] = []string{strings.TrimSuffix(r.NameUz, " viloyati") + " MFY"}
		}
	}
	return out
}

// bca is the base calculation amount (bazaviy hisoblash miqdori) in UZS as
// of 2025. State fees are set as multiples of it; the multiples below are
// an approximation by kind of service, not the legal tariff of each one.
const bca = 375_000

// fee is what an issued application of a service costs.
type fee struct {
	bcaMultiple float64 // fixed state fee, or
	lo, hi      float64 // a priced service (laboratories, utilities), UZS
}

func (f fee) paid() bool { return f.bcaMultiple > 0 || f.hi > 0 }

// feeFor classifies a service by its title: subsidies, reimbursements,
// benefits and applications for aid are free; registrations, patents and
// licences carry a state fee in BCA multiples; technical services are
// priced by the provider.
func feeFor(s region.Service) fee {
	t := strings.ToLower(s.TitleEn)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(t, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("subsid", "reimburse", "benefit", "aid", "pension", "refund", "cashback", "exemption",
		"recommendation", "joining", "admission", "queueing", "viewing", "transfer", "disability", "fitness"):
		return fee{}
	case has("patent"):
		return fee{bcaMultiple: 3}
	case has("licence"):
		return fee{bcaMultiple: 5}
	case has("connection to"):
		return fee{lo: 2_500_000, hi: 18_000_000}
	case has("verification", "calibration", "testing", "conformity", "metrological", "competence"):
		return fee{lo: 150_000, hi: 3_500_000}
	case has("maintenance", "removal", "construction and installation"):
		return fee{lo: 120_000, hi: 2_400_000}
	case has("expert review", "environmental certification"):
		return fee{bcaMultiple: 2}
	case has("state registration of business", "re-registration"):
		return fee{bcaMultiple: 1}
	case has("registration", "register", "certificate", "certification", "extract", "leasing",
		"duplicate", "replacement", "restoration", "cadastral", "architectural", "nostrification", "liquidation"):
		return fee{bcaMultiple: 0.5}
	}
	return fee{}
}

// Payment methods with their share of payments on the portal; legal
// entities' large fees go by bank transfer more often.
var (
	methods       = []string{"click", "payme", "uzcard", "humo", "visa", "mastercard", "bank_transfer"}
	methodWeights = []float64{30, 26, 19, 16, 2, 2, 5}
)

// datasetTopic is a kind of dataset agencies publish on the open-data
// portal.
type datasetTopic struct {
	slug, title string
	rows        int64
	every       int // update cadence in days
	format      string
}

var datasetTopics = []datasetTopic{
	{"service-requests", "Applications for public services by region and month", 2_000, 30, "csv"},
	{"register", "Public register", 40_000, 7, "json"},
	{"offices", "Addresses and opening hours of regional offices", 200, 90, "xlsx"},
	{"budget", "Budget execution", 500, 91, "xlsx"},
	{"statistics", "Key indicators", 1_200, 30, "csv"},
	{"tariffs", "Fees and tariffs for services", 150, 365, "xml"},
	{"procurement", "Public procurement contracts", 8_000, 7, "csv"},
	{"vacancies", "Open vacancies", 300, 7, "api"},
	{"licences", "Licences and permits issued", 15_000, 1, "api"},
	{"appeals", "Citizens' appeals and their outcome", 5_000, 30, "json"},
}

// dataset is one entry of the open-data catalogue.
type dataset struct {
	agency string
	id     string
	title  string
	format string
	rows   int64
	every  int
	url    string
}

// catalogueFor derives the open-data catalogue from the agencies named in
// the portal's services: each agency publishes two to five datasets. It
// depends only on the reference data, so every run has the same
// catalogue.
func catalogueFor(services []region.Service) []dataset {
	var agencies []string
	seen := map[string]bool{}
	for _, s := range services {
		for _, a := range strings.Split(s.Agency, ";") {
			if a = strings.TrimSpace(a); a != "" && !seen[a] {
				seen[a] = true
				agencies = append(agencies, a)
			}
		}
	}
	var out []dataset
	for _, a := range agencies {
		h := hash64(a)
		n := 2 + int(h%4)
		first := int(h >> 8 % uint64(len(datasetTopics)))
		for k := 0; k < n; k++ {
			tp := datasetTopics[(first+k*3)%len(datasetTopics)]
			id := ident.Slug(a) + "." + tp.slug
			hid := hash64(id)
			out = append(out, dataset{
				agency: a, id: id, title: a + ": " + tp.title, format: tp.format,
				rows:  tp.rows/2 + int64(hid%uint64(tp.rows+1)),
				every: tp.every,
				url:   "https://data.egov.uz/eng/data/" + hex24(hid),
			})
		}
	}
	return out
}

func hash64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

func hex24(x uint64) string {
	const digits = "0123456789abcdef"
	var b [24]byte
	for i := range b {
		b[i] = digits[x&15]
		x = x>>4 | x<<60
		if i == 15 {
			x ^= 0x5bd1e9955bd1e995
		}
	}
	return string(b[:])
}

// Telecom operators and their shares of each region's plan: Uztelecom
// builds most of the fibre; base stations are shared by the four mobile
// networks (Uzmobile is Uztelecom's).
var (
	operators     = []string{"Uztelecom", "Ucell", "Beeline", "Mobiuz"}
	fibreShare    = []float64{0.72, 0.1, 0.08, 0.1}
	stationsShare = []float64{0.28, 0.27, 0.2, 0.25}
)

// 112 services, their share of calls and median response in seconds
// (call to arrival): ambulance about 12 minutes, fire 8, police 10.
var (
	callServices    = []string{"ambulance", "police", "fire", "gas", "rescue"}
	callWeights     = []float64{55, 25, 7, 8, 5}
	responseMedianS = []float64{720, 600, 480, 1500, 900}
)

// remoteness stretches response times where distances are long: the
// deserts of Karakalpakstan and Navoi, the mountains of Surxondaryo; the
// capital is fastest.
var remoteness = map[string]float64{
	"UZ-QR": 1.5, "UZ-NW": 1.3, "UZ-SU": 1.2, "UZ-BU": 1.15, "UZ-QA": 1.15, "UZ-JI": 1.15,
	"UZ-XO": 1.1, "UZ-SI": 1.05, "UZ-AN": 0.95, "UZ-NG": 0.95, "UZ-FA": 0.95, "UZ-TK": 0.8,
}

// Mahalla appeal categories and their shares.
var (
	categories      = []string{"utilities", "roads", "social_support", "land", "employment", "public_order", "other"}
	categoryWeights = []float64{30, 14, 20, 10, 10, 6, 10}
)

// innWeights skews a prescription's number of active ingredients (INN)
// low: 1 to 6.
var innWeights = []float64{40, 27, 16, 9, 5, 3}

var channelWeights = []float64{44, 42, 14} // web, mobile, mahalla
var channels = []string{"web", "mobile", "mahalla"}
