// Command build writes the Single Portal knowledge base from the decrees'
// tables (region/portal_services.csv, region/notifications.csv and
// portal/pq308_services.csv under the data directory):
//
//	go run ./models/portalkb/build -src ../shared/data -out models/portalkb/kb.json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/oqim/oqim/models/portalkb"
)

func main() {
	src := flag.String("src", "", "data directory holding "+portalkb.ServicesFile+", "+portalkb.NotificationsFile+" and "+portalkb.PQ308File+" (required)")
	out := flag.String("out", "models/portalkb/kb.json", "file to write")
	flag.Parse()
	if *src == "" {
		fmt.Fprintln(os.Stderr, "build: -src is required: the data directory holding "+portalkb.ServicesFile+" and "+portalkb.PQ308File)
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
