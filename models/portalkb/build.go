package portalkb

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/oqim/oqim/models/portalkb/uztranslit"
)

// ServicesFile is the decree table the builder reads, inside the source
// directory (../shared/data/region relative to the module root).
const ServicesFile = "portal_services.csv"

// Version is the content version; bump it when the written text changes.
const Version = "2026.1"

// URLPattern documents how entry links are formed. The decree does not give
// page addresses, so links follow this pattern rather than verified pages.
const URLPattern = "https://my.gov.uz/services/<entry id> for services and https://my.gov.uz/faq#<slug> for FAQ entries; a pattern, not verified addresses of live pages"

// Build reads the decree table from srcDir and writes the knowledge base.
func Build(srcDir string) (*KB, error) {
	path := filepath.Join(srcDir, ServicesFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("portalkb: %w", err)
	}
	sum := sha256.Sum256(raw)
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("portalkb: reading %s: %w", ServicesFile, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("portalkb: %s has no rows", ServicesFile)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, need := range []string{"source", "item_no", "section", "title_uz", "title_uz_latn", "title_ru", "title_en", "agency", "composite", "deadline", "launch_date"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("portalkb: %s lacks column %q", ServicesFile, need)
		}
	}
	kb := &KB{
		Format:  FormatVersion,
		Version: Version,
		Source: Source{
			Decree:     "Presidential Decree PQ-286 of 16.09.2025, annexes 4 and 6",
			File:       ServicesFile,
			SHA256:     hex.EncodeToString(sum[:]),
			URLPattern: URLPattern,
			Notes: []string{
				"Titles and agencies come from the decree table; Latin, Russian and English titles are the data set's translations.",
				"Who may apply, documents, fees and how to apply are general text written for Oqim; the decree gives no fees, document lists or processing times, so the text points to the service page instead of quoting numbers.",
				"Due is the month by which the decree requires the service on the portal: the annex 4 deadline or the annex 6 launch date.",
				"The uz-Cyrl text is the uz-Latn text transliterated by rule (models/portalkb/uztranslit); URLs and product names such as OneID, E-IMZO, Uzcard and Humo are kept in Latin.",
			},
		},
	}
	for n, r := range rows[1:] {
		get := func(c string) string { return strings.TrimSpace(r[col[c]]) }
		item, err := strconv.Atoi(get("item_no"))
		if err != nil {
			return nil, fmt.Errorf("portalkb: %s line %d: item_no %q: %w", ServicesFile, n+2, get("item_no"), err)
		}
		e := Entry{
			ID:          fmt.Sprintf("%s-%d", get("source"), item),
			Kind:        KindService,
			Source:      get("source"),
			ItemNo:      item,
			Section:     get("section"),
			Agencies:    strings.Split(get("agency"), ";"),
			Composite:   get("composite") == "true",
			Due:         get("deadline"),
			SourceTitle: get("title_uz"),
		}
		if e.Due == "" {
			e.Due = get("launch_date")
		}
		e.URL = "https://my.gov.uz/services/" + e.ID
		nt, ok := serviceNotes[e.ID]
		if !ok {
			return nil, fmt.Errorf("portalkb: %s line %d: no note for %s; add its audience and keywords to serviceNotes", ServicesFile, n+2, e.ID)
		}
		support := isSupport(get("title_en"))
		var uzAg, ruAg []string
		for _, a := range e.Agencies {
			names, ok := agencyNames[a]
			if !ok {
				return nil, fmt.Errorf("portalkb: %s: agency %q has no Uzbek and Russian name", e.ID, a)
			}
			uzAg, ruAg = append(uzAg, names[0]), append(ruAg, names[1])
		}
		uz := uzTexts.serviceContent(get("title_uz_latn"), nt.aud, support, e.Composite, uzAg, e.Due, nt.uz)
		e.Text = map[Lang]Content{
			UzLatn: uz,
			UzCyrl: cyrillicContent(uz),
			Ru:     ruTexts.serviceContent(get("title_ru"), nt.aud, support, e.Composite, ruAg, e.Due, nt.ru),
			En:     enTexts.serviceContent(get("title_en"), nt.aud, support, e.Composite, e.Agencies, e.Due, nt.en),
		}
		kb.Entries = append(kb.Entries, e)
	}
	for _, f := range faqs {
		kb.Entries = append(kb.Entries, Entry{
			ID:       "faq-" + f.slug,
			Kind:     KindFAQ,
			Agencies: []string{"Ministry of Digital Technologies"},
			URL:      "https://my.gov.uz/faq#" + f.slug,
			Text: map[Lang]Content{
				UzLatn: f.uz,
				UzCyrl: cyrillicContent(f.uz),
				Ru:     f.ru,
				En:     f.en,
			},
		})
	}
	if len(kb.Entries)-len(faqs) != len(serviceNotes) {
		return nil, fmt.Errorf("portalkb: %d services in %s but %d notes; remove notes of rows that left the source", len(kb.Entries)-len(faqs), ServicesFile, len(serviceNotes))
	}
	if err := kb.index(); err != nil {
		return nil, err
	}
	return kb, nil
}

// keepLatin matches what must not be transliterated: addresses, product
// and brand names, and Latin abbreviations.
var keepLatin = regexp.MustCompile(`https?://\S+|[a-z0-9.-]+\.(?:uz|com)\b|OneID|E-IMZO|Uzcard|Humo|Visa|Mastercard|Click|Payme|Uzum|Face ID|Google Play|App Store|Android|iOS|iPhone|SMS|PDF|QR|ID|push|AEO|PhD`)

// Cyrillic renders Uzbek Latin text in Uzbek Cyrillic, keeping the parts
// keepLatin matches as they are.
func Cyrillic(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range keepLatin.FindAllStringIndex(s, -1) {
		b.WriteString(uztranslit.ToCyrillic(s[last:m[0]]))
		b.WriteString(s[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(uztranslit.ToCyrillic(s[last:]))
	return b.String()
}

func cyrillicContent(c Content) Content {
	out := Content{
		Title:      Cyrillic(c.Title),
		What:       Cyrillic(c.What),
		Who:        Cyrillic(c.Who),
		Documents:  Cyrillic(c.Documents),
		Fee:        Cyrillic(c.Fee),
		Processing: Cyrillic(c.Processing),
		Agency:     Cyrillic(c.Agency),
		HowToApply: Cyrillic(c.HowToApply),
	}
	for _, k := range c.Keywords {
		out.Keywords = append(out.Keywords, Cyrillic(k))
	}
	return out
}
