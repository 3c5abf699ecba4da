package ingest

import "github.com/oqim/oqim/pipelines/schema"

func mustRegistry() *schema.Registry {
	r, err := schema.Load()
	if err != nil {
		panic(err) // the embedded registry is checked by its own tests
	}
	return r
}
