//go:build linux

package main

import (
	_ "embed"

	"epollhttp/final/server"
)

// livePage is /live: one self-contained HTML file (its CSS and JavaScript
// inline, nothing fetched from elsewhere) that polls /stats once a second
// and draws the loops' counters as numbers and one-minute charts, large
// enough to read from the back of a classroom. It is embedded at build
// time, so the binary serves it wherever it runs.
//
//go:embed live.html
var livePage string

// live serves the page. no-store: a projector left on overnight should
// get the page of the server it is talking to, not yesterday's build.
func live(w *server.ResponseWriter, r *server.Request) {
	w.SetHeader("Content-Type", "text/html; charset=utf-8")
	w.SetHeader("Cache-Control", "no-store")
	w.WriteString(livePage)
}
