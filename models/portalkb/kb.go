// Package portalkb holds the Single Portal (my.gov.uz) knowledge base that
// the citizen chatbot answers from: one entry per service of Decree
// PQ-286 annexes 4 and 6, and portal FAQ entries (OneID, payment, tracking,
// the 1242 call centre, notifications, the mobile app).
//
// Every entry is written in four language forms: Uzbek Latin, Uzbek
// Cyrillic, Russian and English. Titles and agencies come from the decree's
// table; the rest is text written for Oqim. Where the source has no fact
// (fees, document lists, processing times), the text says so in general
// terms and points to the service page instead of inventing numbers.
//
// The knowledge base is a single versioned JSON document, kb.json,
// embedded in the binary and rebuilt by ./build from the decrees' tables.
package portalkb

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/oqim/oqim/models/kbdoc"
	"github.com/oqim/oqim/models/language"
)

// FormatVersion is the version of the JSON layout. Bump it when a field
// changes meaning; Load rejects documents of another version.
const FormatVersion = 2

// Lang names a language form of the text; it is the tag that
// language.Detect reads from a question.
type Lang = language.Tag

const (
	UzLatn = language.UzLatn
	UzCyrl = language.UzCyrl
	Ru     = language.Ru
	En     = language.En
)

// Langs lists the language forms every entry carries, in a stable order.
var Langs = []Lang{UzLatn, UzCyrl, Ru, En}

// Kind says what an entry describes.
type Kind string

const (
	KindService Kind = "service" // a Single Portal service from the decree
	KindFAQ     Kind = "faq"     // a question about the portal itself
	// KindNotification is a life-event notification of PQ-286 annex 5 and
	// the service it leads to.
	KindNotification Kind = "notification"
)

// Content is an entry in one language form. Every field is a complete
// sentence or short paragraph that an answer can quote on its own.
type Content struct {
	Title      string `json:"title"`
	What       string `json:"what"`
	Who        string `json:"who"`
	Documents  string `json:"documents"`
	Fee        string `json:"fee"`
	Processing string `json:"processing"`
	Agency     string `json:"agency"`
	HowToApply string `json:"how_to_apply"`
	// Keywords are the words citizens use for the service that its title
	// lacks (colloquial names, abbreviations, synonyms); search only.
	Keywords []string `json:"keywords,omitempty"`
}

// Entry is one service or FAQ item.
type Entry struct {
	// ID is "<source>-<item_no>" for services (annex4-12) and
	// "faq-<slug>" for FAQ entries.
	ID     string `json:"id"`
	Kind   Kind   `json:"kind"`
	Source string `json:"source,omitempty"`
	ItemNo int    `json:"item_no,omitempty"`
	// Section is the decree's section heading (annex 6 only).
	Section string `json:"section,omitempty"`
	// Ref names the decree and item the entry comes from ("Decree PQ-286
	// of 16.09.2025, annex 4, item 12"), for citations.
	Ref string `json:"ref"`
	// Same lists entries that are the same service named by the other
	// decree (PQ-308 and PQ-286 overlap); citing either is right.
	Same      []string `json:"same,omitempty"`
	Agencies  []string `json:"agencies,omitempty"`
	Composite bool     `json:"composite,omitempty"`
	// Due is when the decree says the service must be on the portal
	// (annex 4 deadline or annex 6 launch date), YYYY-MM.
	Due string `json:"due,omitempty"`
	// URL follows the documented pattern in Source.URLPattern; it is a
	// pattern, not a verified address of the live page.
	URL string `json:"url"`
	// SourceTitle is the decree's own Uzbek Cyrillic wording of the
	// service, verbatim, for citations; it carries the OCR errors of the
	// source text. FAQ entries, which no decree words, have none.
	SourceTitle string `json:"source_title,omitempty"`

	Text map[Lang]Content `json:"text"`
}

// In returns the entry's content in lang, falling back to Uzbek Latin.
func (e *Entry) In(lang Lang) Content {
	if c, ok := e.Text[lang]; ok {
		return c
	}
	return e.Text[UzLatn]
}

// Source attributes what the knowledge base was built from.
type Source struct {
	Decree     string       `json:"decree"`
	Files      []SourceFile `json:"files"`
	URLPattern string       `json:"url_pattern"`
	Notes      []string     `json:"notes"`
}

// SourceFile is one source table, by its path under the data directory.
type SourceFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// KB is the knowledge base. Entries keep the order of the source file,
// followed by the FAQ, so that indexes are stable between builds.
type KB struct {
	Format  int     `json:"format"`
	Version string  `json:"version"`
	Source  Source  `json:"source"`
	Entries []Entry `json:"entries"`

	byID map[string]int
}

// Entry returns the entry with id, or nil.
func (kb *KB) Entry(id string) *Entry {
	i, ok := kb.byID[id]
	if !ok {
		return nil
	}
	return &kb.Entries[i]
}

//go:embed kb.json
var embedded []byte

// Default parses the embedded knowledge base. Each call returns a fresh
// copy, so callers may not share mutations by accident.
func Default() (*KB, error) {
	return Load(bytes.NewReader(embedded))
}

// Load reads and checks a knowledge base document.
func Load(r io.Reader) (*KB, error) {
	var kb KB
	if err := kbdoc.Decode(r, &kb, &kb.Format, FormatVersion, kb.index); err != nil {
		return nil, fmt.Errorf("portalkb: %w", err)
	}
	return &kb, nil
}

func (kb *KB) index() error {
	if len(kb.Entries) == 0 {
		return errors.New("portalkb: no entries")
	}
	kb.byID = make(map[string]int, len(kb.Entries))
	for i := range kb.Entries {
		e := &kb.Entries[i]
		if _, dup := kb.byID[e.ID]; dup {
			return fmt.Errorf("portalkb: duplicate entry id %q", e.ID)
		}
		for _, l := range Langs {
			c, ok := e.Text[l]
			if !ok || c.Title == "" || c.What == "" || c.HowToApply == "" {
				return fmt.Errorf("portalkb: entry %s: missing %s text", e.ID, l)
			}
		}
		kb.byID[e.ID] = i
	}
	return nil
}

// Marshal returns the canonical indented JSON of kb, as kb.json stores it.
func (kb *KB) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(kb); err != nil {
		return nil, fmt.Errorf("portalkb: encoding: %w", err)
	}
	return buf.Bytes(), nil
}
