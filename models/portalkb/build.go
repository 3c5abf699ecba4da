package portalkb

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/oqim/oqim/models/portalkb/uztranslit"
)

// ServicesFile is the table of PQ-286's annexes 4 and 6, inside the
// source directory (<module root>/../shared/data).
const ServicesFile = "region/portal_services.csv"

// Version is the content version; bump it when the written text changes.
const Version = "2026.2"

// URLPattern documents how entry links are formed. The decrees do not give
// page addresses, so links follow this pattern rather than verified pages.
const URLPattern = "https://my.gov.uz/services/<entry id> for services and notifications and https://my.gov.uz/faq#<slug> for FAQ entries; a pattern, not verified addresses of live pages"

const (
	pq286Ref = "Decree PQ-286 of 16.09.2025"
	pq308Ref = "Decree PQ-308 of 14.09.2023, roadmap item 8"
)

// Build reads the decree tables under dataDir (region/ and portal/) and
// returns the knowledge base: PQ-286's annexes 4 and 6, its annex 5
// notifications, PQ-308's services, then the portal FAQ.
func Build(dataDir string) (*KB, error) {
	kb := &KB{
		Format:  FormatVersion,
		Version: Version,
		Source: Source{
			Decree:     pq286Ref + ", annexes 4, 5 and 6; " + pq308Ref,
			URLPattern: URLPattern,
			Notes: []string{
				"Titles and agencies of PQ-286 entries come from the decree table; Latin, Russian and English titles are the data set's translations, except the annex 5 Uzbek Latin (the decree's Cyrillic transliterated) and Russian (written for Oqim).",
				"PQ-308 names services only: titles are Oqim's rendering, source_title is the decree's own wording, and the text says the decree gives no agency, fee, documents or processing time and where to find them.",
				"Who may apply, documents, fees and how to apply are general text written for Oqim; the decrees give no fees, document lists or processing times, so the text points to the service page instead of quoting numbers.",
				"Due is the month by which PQ-286 requires the service or notification on the portal: the annex 4 deadline, the annex 5 deadline or the annex 6 launch date.",
				"The uz-Cyrl text is the uz-Latn text transliterated by rule (models/portalkb/uztranslit); URLs and product names such as OneID, E-IMZO, Uzcard and Humo are kept in Latin.",
			},
		},
	}
	steps := []struct {
		file string
		add  func(kb *KB, rows []map[string]string) error
	}{
		{ServicesFile, addAnnexServices},
		{NotificationsFile, addNotifications},
		{PQ308File, addPQ308},
	}
	for _, st := range steps {
		rows, sum, err := readTable(dataDir, st.file)
		if err != nil {
			return nil, err
		}
		kb.Source.Files = append(kb.Source.Files, SourceFile{Name: st.file, SHA256: sum})
		if err := st.add(kb, rows); err != nil {
			return nil, err
		}
	}
	for _, f := range faqs {
		kb.Entries = append(kb.Entries, Entry{
			ID:       "faq-" + f.slug,
			Kind:     KindFAQ,
			Ref:      helpRef,
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
	if err := kb.index(); err != nil {
		return nil, err
	}
	for _, tw := range annexTwins {
		e := kb.Entry(tw[0])
		if e == nil {
			return nil, fmt.Errorf("portalkb: annexTwins names %s, which is not in the knowledge base", tw[0])
		}
		e.Same = append(e.Same, tw[1])
	}
	// Sameness goes both ways: the PQ-286 entry names its PQ-308 twin too.
	for i := range kb.Entries {
		for _, id := range kb.Entries[i].Same {
			o := kb.Entry(id)
			if o == nil {
				return nil, fmt.Errorf("portalkb: %s is marked the same service as %s, which is not in the knowledge base", kb.Entries[i].ID, id)
			}
			if !slices.Contains(o.Same, kb.Entries[i].ID) {
				o.Same = append(o.Same, kb.Entries[i].ID)
			}
		}
	}
	return kb, nil
}

// readTable reads a CSV file under dir into rows keyed by column name,
// with the file's SHA-256.
func readTable(dir, name string) ([]map[string]string, string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return nil, "", fmt.Errorf("portalkb: %w", err)
	}
	sum := sha256.Sum256(raw)
	recs, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		return nil, "", fmt.Errorf("portalkb: reading %s: %w", name, err)
	}
	if len(recs) < 2 {
		return nil, "", fmt.Errorf("portalkb: %s has no rows", name)
	}
	rows := make([]map[string]string, 0, len(recs)-1)
	for _, r := range recs[1:] {
		m := make(map[string]string, len(r))
		for i, h := range recs[0] {
			m[h] = strings.TrimSpace(r[i])
		}
		rows = append(rows, m)
	}
	return rows, hex.EncodeToString(sum[:]), nil
}

// need checks that rows have the columns a step reads.
func need(name string, rows []map[string]string, cols ...string) error {
	for _, c := range cols {
		if _, ok := rows[0][c]; !ok {
			return fmt.Errorf("portalkb: %s lacks column %q", name, c)
		}
	}
	return nil
}

func itemNo(name string, line int, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("portalkb: %s line %d: item number %q: %w", name, line, v, err)
	}
	return n, nil
}

func agencyForms(id string, agencies []string) (uz, ru []string, err error) {
	for _, a := range agencies {
		names, ok := agencyNames[a]
		if !ok {
			return nil, nil, fmt.Errorf("portalkb: %s: agency %q has no Uzbek and Russian name", id, a)
		}
		uz, ru = append(uz, names[0]), append(ru, names[1])
	}
	return uz, ru, nil
}

// addAnnexServices adds PQ-286's annex 4 and annex 6 services.
func addAnnexServices(kb *KB, rows []map[string]string) error {
	if err := need(ServicesFile, rows, "source", "item_no", "section", "title_uz", "title_uz_latn", "title_ru", "title_en", "agency", "composite", "deadline", "launch_date"); err != nil {
		return err
	}
	for n, r := range rows {
		item, err := itemNo(ServicesFile, n+2, r["item_no"])
		if err != nil {
			return err
		}
		e := Entry{
			ID:          fmt.Sprintf("%s-%d", r["source"], item),
			Kind:        KindService,
			Source:      r["source"],
			ItemNo:      item,
			Ref:         fmt.Sprintf("%s, annex %s, item %d", pq286Ref, strings.TrimPrefix(r["source"], "annex"), item),
			Section:     r["section"],
			Agencies:    strings.Split(r["agency"], ";"),
			Composite:   r["composite"] == "true",
			Due:         r["deadline"],
			SourceTitle: r["title_uz"],
		}
		if e.Due == "" {
			e.Due = r["launch_date"]
		}
		e.URL = "https://my.gov.uz/services/" + e.ID
		nt, ok := serviceNotes[e.ID]
		if !ok {
			return fmt.Errorf("portalkb: %s line %d: no note for %s; add its audience and keywords to serviceNotes", ServicesFile, n+2, e.ID)
		}
		support := isSupport(r["title_en"])
		uzAg, ruAg, err := agencyForms(e.ID, e.Agencies)
		if err != nil {
			return err
		}
		uz := uzTexts.serviceContent(r["title_uz_latn"], nt.aud, support, e.Composite, uzAg, e.Due, nt.uz)
		e.Text = map[Lang]Content{
			UzLatn: uz,
			UzCyrl: cyrillicContent(uz),
			Ru:     ruTexts.serviceContent(r["title_ru"], nt.aud, support, e.Composite, ruAg, e.Due, nt.ru),
			En:     enTexts.serviceContent(r["title_en"], nt.aud, support, e.Composite, e.Agencies, e.Due, nt.en),
		}
		kb.Entries = append(kb.Entries, e)
	}
	if len(rows) != len(serviceNotes) {
		return fmt.Errorf("portalkb: %d services in %s but %d notes; remove notes of rows that left the source", len(rows), ServicesFile, len(serviceNotes))
	}
	return nil
}

// addNotifications adds PQ-286's annex 5 life-event notifications.
func addNotifications(kb *KB, rows []map[string]string) error {
	if err := need(NotificationsFile, rows, "item_no", "title_uz", "title_en", "agency", "deadline", "offered_service_uz", "offered_service_en"); err != nil {
		return err
	}
	for n, r := range rows {
		item, err := itemNo(NotificationsFile, n+2, r["item_no"])
		if err != nil {
			return err
		}
		nt, ok := notifications[item]
		if !ok {
			return fmt.Errorf("portalkb: %s line %d: no entry for notification %d in notifications", NotificationsFile, n+2, item)
		}
		e := Entry{
			ID:          fmt.Sprintf("annex5-%d", item),
			Kind:        KindNotification,
			Source:      "annex5",
			ItemNo:      item,
			Ref:         fmt.Sprintf("%s, annex 5, item %d", pq286Ref, item),
			Agencies:    strings.Split(r["agency"], ";"),
			Due:         r["deadline"],
			SourceTitle: r["title_uz"],
		}
		e.URL = "https://my.gov.uz/services/" + e.ID
		uzAg, ruAg, err := agencyForms(e.ID, e.Agencies)
		if err != nil {
			return err
		}
		uz := uzDecreeTexts.notifContent(&uzTexts, uztranslit.ToLatin(r["title_uz"]), uztranslit.ToLatin(r["offered_service_uz"]), uzAg, e.Due, nt.uz)
		e.Text = map[Lang]Content{
			UzLatn: uz,
			UzCyrl: cyrillicContent(uz),
			Ru:     ruDecreeTexts.notifContent(&ruTexts, nt.ru, nt.ruOffer, ruAg, e.Due, nt.note.ru),
			En:     enDecreeTexts.notifContent(&enTexts, r["title_en"], r["offered_service_en"], e.Agencies, e.Due, nt.en),
		}
		kb.Entries = append(kb.Entries, e)
	}
	if len(rows) != len(notifications) {
		return fmt.Errorf("portalkb: %d notifications in %s but %d in the notifications table", len(rows), NotificationsFile, len(notifications))
	}
	return nil
}

// addPQ308 adds PQ-308's services, one entry per service; a row that
// names several services has several entries.
func addPQ308(kb *KB, rows []map[string]string) error {
	if err := need(PQ308File, rows, "no", "title_uz", "title_en"); err != nil {
		return err
	}
	byItem := map[int][]*pq308Service{}
	for i := range pq308Services {
		s := &pq308Services[i]
		byItem[s.item] = append(byItem[s.item], s)
	}
	for n, r := range rows {
		item, err := itemNo(PQ308File, n+2, r["no"])
		if err != nil {
			return err
		}
		svcs := byItem[item]
		if len(svcs) == 0 {
			return fmt.Errorf("portalkb: %s line %d: no entry for service %d in pq308Services", PQ308File, n+2, item)
		}
		delete(byItem, item)
		for _, s := range svcs {
			e := Entry{
				ID:          s.id,
				Kind:        KindService,
				Source:      "pq308",
				ItemNo:      item,
				Ref:         fmt.Sprintf("%s, service %d", pq308Ref, item),
				Same:        s.same,
				URL:         "https://my.gov.uz/services/" + s.id,
				SourceTitle: r["title_uz"],
			}
			uz := uzDecreeTexts.pq308Content(&uzTexts, s.uz, s.aud, s.note.uz)
			e.Text = map[Lang]Content{
				UzLatn: uz,
				UzCyrl: cyrillicContent(uz),
				Ru:     ruDecreeTexts.pq308Content(&ruTexts, s.ru, s.aud, s.note.ru),
				En:     enDecreeTexts.pq308Content(&enTexts, s.en, s.aud, s.note.en),
			}
			kb.Entries = append(kb.Entries, e)
		}
	}
	if len(byItem) > 0 {
		return fmt.Errorf("portalkb: pq308Services has services %v, which %s lacks", slices.Sorted(maps.Keys(byItem)), PQ308File)
	}
	return nil
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
