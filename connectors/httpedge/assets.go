package httpedge

import (
	"io/fs"
	"net/http"
	"strings"
)

// Assets serves the files of fsys's folder dir (an embedded tree, such as
// "assets") under prefix (such as "/chat"): the bare
// prefix redirects to prefix + "/", every answer says nosniff, and headers,
// when set, adds a surface's own (caching, Content-Security-Policy) for the
// file name asked for ("/", "/widget.js"). Each embedded page serves its
// files the same way through it.
func Assets(fsys fs.FS, dir, prefix string, headers func(name string, h http.Header)) http.Handler {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic("httpedge: assets folder " + dir + ": " + err.Error()) // embedded trees are fixed at build time
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, prefix)
		if name == "" {
			http.Redirect(w, r, prefix+"/", http.StatusMovedPermanently)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if headers != nil {
			headers(name, w.Header())
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = name
		files.ServeHTTP(w, r2)
	})
}
