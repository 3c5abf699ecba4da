package notes

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/oqim/oqim/inference/clinical/diagnosis/textmap"
)

type tokenKind uint8

const (
	wordTok tokenKind = iota
	numberTok
	punctTok
)

// token is a word, a number or one punctuation mark of the input. Words
// are normalised with textmap.NormalizeWord (lower case, Uzbek Latin
// script, one apostrophe), so Russian, Uzbek Cyrillic and Uzbek Latin meet
// in one alphabet.
type token struct {
	kind       tokenKind
	norm       string  // normalised word, or the punctuation mark
	num        float64 // value of a number
	start, end int     // byte offsets in the source
	lower      bool    // a word written with a lower-case first letter
}

func (t token) is(s string) bool { return t.kind == punctTok && t.norm == s }

// isSentenceEnd reports whether t ends a sentence. Commas do not: a
// prescription runs on across them.
func (t token) isSentenceEnd() bool {
	return t.kind == punctTok && (t.norm == "." || t.norm == "!" || t.norm == "?" || t.norm == ";" || t.norm == "\n")
}

// tokenize splits text into words, numbers ("37,8" and "37.8" are one
// number; "140/90" is a number, "/" and a number) and punctuation.
func tokenize(text string) []token {
	toks := make([]token, 0, len(text)/5)
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsLetter(r):
			j := i + size
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if unicode.IsLetter(r2) || (isApostrophe(r2) || r2 == '-') && j+s2 < len(text) && startsWithLetter(text[j+s2:]) {
					j += s2
					continue
				}
				break
			}
			norm := textmap.NormalizeWord(text[i:j])
			// SpO2 and SpO₂: the digit belongs to the word.
			if norm == "spo" && j < len(text) {
				if r2, s2 := utf8.DecodeRuneInString(text[j:]); r2 == '2' || r2 == '₂' {
					j += s2
					norm = "spo2"
				}
			}
			toks = append(toks, token{kind: wordTok, norm: norm, start: i, end: j, lower: unicode.IsLower(r)})
			i = j
		case r >= '0' && r <= '9':
			j := i
			for j < len(text) && text[j] >= '0' && text[j] <= '9' {
				j++
			}
			// A comma or point between digits is a decimal separator.
			if j+1 < len(text) && (text[j] == ',' || text[j] == '.') && text[j+1] >= '0' && text[j+1] <= '9' {
				j++
				for j < len(text) && text[j] >= '0' && text[j] <= '9' {
					j++
				}
			}
			v, _ := strconv.ParseFloat(strings.Replace(text[i:j], ",", ".", 1), 64)
			toks = append(toks, token{kind: numberTok, num: v, norm: formatNumber(v), start: i, end: j})
			i = j
		case unicode.IsSpace(r) && r != '\n':
			i += size
		default:
			p := string(r)
			if r == '—' || r == '–' {
				p = "-"
			}
			toks = append(toks, token{kind: punctTok, norm: p, start: i, end: i + size})
			i += size
		}
	}
	return joinSpokenNumbers(toks)
}

func startsWithLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '’', '‘', 'ʼ', 'ʻ', '´', '′':
		return true
	}
	return false
}

// numberWords are number words of Russian and Uzbek in normalised form,
// with the inflected forms dictation produces ("пяти дней", "beshta").
var numberWords = map[string]float64{
	// Russian
	"odin": 1, "odna": 1, "odno": 1, "odnu": 1, "odnomu": 1, "odnoy": 1, "dva": 2, "dve": 2, "dvux": 2, "tri": 3, "trex": 3, "tryox": 3,
	"chetire": 4, "chetirex": 4, "chetiryox": 4, "pyat": 5, "pyati": 5, "shest": 6, "shesti": 6,
	"sem": 7, "semi": 7, "vosem": 8, "vosmi": 8, "devyat": 9, "devyati": 9, "desyat": 10, "desyati": 10,
	"odinnadtsat": 11, "dvenadtsat": 12, "trinadtsat": 13, "chetirnadtsat": 14, "chetirnadtsati": 14,
	"pyatnadtsat": 15, "shestnadtsat": 16, "semnadtsat": 17, "vosemnadtsat": 18, "devyatnadtsat": 19,
	"dvadtsat": 20, "dvadtsati": 20, "tridtsat": 30, "tridtsati": 30, "sorok": 40, "pyatdesyat": 50, "shestdesyat": 60,
	"semdesyat": 70, "vosemdesyat": 80, "devyanosto": 90, "sto": 100, "dvesti": 200, "trista": 300,
	"chetiresta": 400, "pyatsot": 500, "shestsot": 600, "semsot": 700, "vosemsot": 800, "devyatsot": 900,
	"tisyacha": 1000, "tisyachu": 1000,
	// Uzbek
	"bir": 1, "ikki": 2, "uch": 3, "to'rt": 4, "besh": 5, "olti": 6, "yetti": 7, "sakkiz": 8, "to'qqiz": 9,
	"o'n": 10, "yigirma": 20, "o'ttiz": 30, "qirq": 40, "ellik": 50, "oltmish": 60, "yetmish": 70,
	"sakson": 80, "to'qson": 90, "yuz": 100, "ming": 1000, "nol": 0, "nul": 0,
	// Uzbek typed without the apostrophe of oʻ.
	"tort": 4, "toqqiz": 9, "ottiz": 30, "toqson": 90,
}

// uzbekCountedUnits begin the Uzbek words a number counts in a note:
// days, weeks, months, years, times, hours, minutes, doses and their
// units ("on mg").
var uzbekCountedUnits = []string{"kun", "hafta", "oy", "yil", "yosh", "marta", "mahal", "soat", "daqiqa", "minut", "tabletka", "tomchi", "kapsula",
	"mg", "ml", "mkg", "gramm"}

// decimalWords join a whole and a fractional part said aloud: "тридцать
// семь и восемь", "o'ttiz yetti butun sakkiz", "37 запятая 8".
var decimalWords = map[string]bool{"butun": true, "vergul": true, "zapyataya": true, "tochka": true, "i": true}

func numberWord(w string) (float64, bool) {
	if v, ok := numberWords[w]; ok {
		return v, true
	}
	// Uzbek counting suffix: beshta, uchta, ikkita.
	for _, suf := range []string{"ta", "tadan"} {
		if stem, ok := strings.CutSuffix(w, suf); ok {
			if v, ok := numberWords[stem]; ok && v < 100 {
				return v, true
			}
		}
	}
	return 0, false
}

// joinSpokenNumbers replaces runs of number words with number tokens and
// joins a whole and a fraction said with a decimal word.
func joinSpokenNumbers(toks []token) []token {
	out := toks[:0]
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind == wordTok {
			v, ok := numberWord(t.norm)
			if !ok && t.norm == "on" && i+1 < len(toks) && hasAnyPrefix(toks[i+1].norm, uzbekCountedUnits...) {
				// oʻn (ten) typed without its apostrophe, before what
				// Uzbek counts: "on kun". Alone, "on" may be Russian "он".
				v, ok = 10, true
			}
			if ok {
				total, cur, last := 0.0, v, v
				j := i + 1
				for ; j < len(toks) && toks[j].kind == wordTok; j++ {
					w, ok := numberWord(toks[j].norm)
					if !ok && toks[j].norm == "on" {
						// "on" for oʻn (ten) only after another number
						// word: alone it is too common a word.
						w, ok = 10, true
					}
					if !ok {
						break
					}
					switch {
					case (w == 100 || w == 1000) && cur < 10 && cur == last:
						cur *= w // "ikki yuz", "besh yuz"
					case w < 10 && last >= 10 && last < 100 && int(last)%10 == 0:
						cur += w // "сорок пять", "oʻn besh"
					case w < 100 && last >= 100:
						cur += w // "сто сорок"
					default:
						goto done
					}
					last = w
				}
			done:
				total += cur
				out = append(out, token{kind: numberTok, num: total, norm: strconv.FormatFloat(total, 'f', -1, 64), start: t.start, end: toks[j-1].end})
				i = j - 1
				continue
			}
		}
		out = append(out, t)
	}
	// Decimal words: number, decimal word, optional "o'ndan" (tenths), digit.
	res := out[:0]
	for i := 0; i < len(out); i++ {
		t := out[i]
		// "два с половиной" is 2.5.
		if t.kind == numberTok && i+2 < len(out) && out[i+1].norm == "s" && strings.HasPrefix(out[i+2].norm, "polovin") {
			t.num += 0.5
			t.norm = formatNumber(t.num)
			t.end = out[i+2].end
			res = append(res, t)
			i += 2
			continue
		}
		// "ноль двадцать пять" is 0.25: a spoken zero, then the digits.
		if t.kind == numberTok && t.num == 0 && i+1 < len(out) && out[i+1].kind == numberTok && out[i+1].num >= 1 &&
			out[i+1].num < 100 && isWholeNumber(out[i+1].num) {
			f := out[i+1]
			digits := formatNumber(f.num)
			t.num, _ = strconv.ParseFloat("0."+digits, 64)
			t.norm = formatNumber(t.num)
			t.end = f.end
			res = append(res, t)
			i++
			continue
		}
		if t.kind == numberTok && i+2 < len(out) && out[i+1].kind == wordTok && decimalWords[out[i+1].norm] {
			k := i + 2
			if out[k].kind == wordTok && out[k].norm == "o'ndan" && k+1 < len(out) {
				k++
			}
			f := out[k]
			// "и" is also a conjunction: only a temperature-like whole
			// number takes a fraction through it.
			if f.kind == numberTok && f.num < 10 && f.num == math.Trunc(f.num) && t.num == math.Trunc(t.num) &&
				(out[i+1].norm != "i" || t.num >= 34 && t.num <= 42) {
				t.num += f.num / 10
				t.norm = strconv.FormatFloat(t.num, 'f', 1, 64)
				t.end = f.end
				res = append(res, t)
				i = k
				continue
			}
		}
		res = append(res, t)
	}
	return res
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// normalizeText is the comparison form of free text: normalised words and
// numbers separated by single spaces, punctuation dropped. The evaluation
// compares section phrases in this form.
func normalizeText(s string) string {
	var b strings.Builder
	for _, t := range tokenize(s) {
		if t.kind == punctTok {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.norm)
	}
	return b.String()
}

// NormalizeText returns the form in which section phrases are compared:
// lower case, Uzbek Latin script, one apostrophe, spoken numbers as
// digits, punctuation dropped, single spaces.
func NormalizeText(s string) string { return normalizeText(s) }

// startsWithLower reports whether the word t was written with a lower-case
// first letter; it needs the source, so tokens keep the first rune.
func startsWithLower(t token) bool { return t.lower }

func isWholeNumber(f float64) bool { return f == math.Trunc(f) }
