// Command build writes the diagnostic knowledge base from the DDXPlus
// release files:
//
//	go run ./models/ddxplus/build -src DIR -out models/ddxplus/kb.json
//
// DIR must hold release_conditions.json, release_evidences.json and
// dev_patients.csv.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/oqim/oqim/models/ddxplus"
)

func main() {
	src := flag.String("src", "", "directory with the DDXPlus release files (required)")
	out := flag.String("out", "", "file to write, indented JSON (required)")
	flag.Parse()
	if *src == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "build: -src and -out are required")
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(src, out string) error {
	kb, err := ddxplus.Build(src)
	if err != nil {
		return err
	}
	if missing := kb.MissingTranslations(); len(missing) > 0 {
		return fmt.Errorf("build: %d texts lack a translation in translations.txt:\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
	var buf bytes.Buffer
	if _, err := kb.WriteTo(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	fmt.Fprintf(os.Stderr, "build: wrote %s (%d conditions, %d evidences, stats over %d patients, %d bytes)\n",
		out, len(kb.Conditions), len(kb.Evidences), kb.Stats.Patients, buf.Len())
	return nil
}
