// Command build writes the Single Portal knowledge base from the decree
// table:
//
//	go run ./models/portalkb/build -src ../shared/data/region -out models/portalkb/kb.json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/oqim/oqim/models/portalkb"
)

func main() {
	src := flag.String("src", "", "directory holding "+portalkb.ServicesFile+" (required)")
	out := flag.String("out", "models/portalkb/kb.json", "file to write")
	flag.Parse()
	if *src == "" {
		fmt.Fprintln(os.Stderr, "build: -src is required: the directory holding "+portalkb.ServicesFile)
		os.Exit(2)
	}
	kb, err := portalkb.Build(*src)
	if err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
	data, err := kb.Marshal()
	if err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s: %d entries, version %s\n", *out, len(kb.Entries), kb.Version)
}
