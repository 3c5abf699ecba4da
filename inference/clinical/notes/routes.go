package notes

// routeWords say how a drug is given, in Russian, Uzbek and English.
// Abbreviations are written as doctors write them: "в/м" is a word, a
// slash and a word once tokenised.
var routeWords = map[string][]string{
	"intramuscular": {"в/м", "внутримышечно", "v/m", "m/i", "mushak ichiga", "i/m", "intramuscular"},
	"intravenous":   {"в/в", "внутривенно", "капельно", "v/v", "v/i", "vena ichiga", "tomir ichiga", "i/v", "intravenous", "болюс", "bolyus"},
	"subcutaneous":  {"п/к", "подкожно", "p/k", "teri ostiga", "s/c", "subcutaneous"},
	"sublingual":    {"под язык", "сублингвально", "til ostiga", "sublingual"},
	"oral":          {"внутрь", "перорально", "per os", "ichishga", "og'iz orqali", "orally", "by mouth"},
	"inhaled":       {"ингаляц", "небулайзер", "через спейсер", "ingalyatsiya", "nebulayzer", "inhaled", "inhaler", "nebuliser"},
	"nasal":         {"в нос", "носовой ход", "носовые ходы", "интраназально", "burunga", "burun yo'li", "burunning", "nasal"},
	"topical":       {"мазь", "крем", "гель", "наружно", "surtish", "surtma", "krem", "gel", "malham", "topical", "cream", "ointment"},
	"ear":           {"в ухо", "ушные капли", "в наружный слуховой проход", "quloqqa", "quloq tomchi", "ear drops"},
	"eye":           {"в глаз", "глазные капли", "в конъюнктивальный мешок", "ko'zga", "ko'z tomchi", "eye drops"},
	"rectal":        {"ректально", "свечи ректальные", "shamcha", "rectal", "suppositor"},
	"vaginal":       {"вагинально", "интравагинально", "qin ichiga", "vaginal", "pessary"},
}

type routePhrase struct {
	route string
	p     phrase
}

func compileRoutes() []routePhrase {
	var out []routePhrase
	for _, r := range Routes() {
		for _, p := range compilePhrases(routeWords[r]) {
			out = append(out, routePhrase{r, p})
		}
	}
	return out
}

// routeIn returns the first route said in toks[from:to], or "".
func (o *Offline) routeIn(toks []token, from, to int) string {
	for i := from; i < to; i++ {
		best, n := "", 0
		for _, rp := range o.routes {
			if k := rp.p.matchAt(toks, i); k > n && i+k <= to {
				best, n = rp.route, k
			}
		}
		if n > 0 {
			return best
		}
	}
	return ""
}
