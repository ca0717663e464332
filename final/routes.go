//go:build linux

package main

import (
	"epollhttp/final/server"
)

// routes are the course's routes, built on the router; the home page
// (index) links each of them.
func routes(rt *router, static *staticFiles, stats *statsPage) {
	rt.handle("GET", "/", index)
	rt.handle("GET", "/plaintext", plaintext)
	rt.handle("POST", "/echo", echo)
	rt.handle("GET", "/headers", headers)
	rt.handle("GET", "/healthz", healthz)
	rt.handle("GET", "/stats", stats.serve)
	rt.handle("GET", "/live", live)
	rt.handle("GET", "/static/", static.serve)
}

// plaintext is the benchmark route: the smallest useful response.
func plaintext(w *server.ResponseWriter, r *server.Request) {
	w.SetHeader("Content-Type", "text/plain; charset=utf-8")
	w.WriteString("Hello, World!")
}

func healthz(w *server.ResponseWriter, r *server.Request) {
	w.SetHeader("Content-Type", "text/plain; charset=utf-8")
	w.WriteString("ok")
}

// echo sends the request body back with the same Content-Type.
func echo(w *server.ResponseWriter, r *server.Request) {
	contentType := r.Header("Content-Type")
	if contentType == nil {
		contentType = []byte("application/octet-stream")
	}
	w.SetHeaderBytes("Content-Type", contentType)
	w.Write(r.Body)
}

// headers shows the request as the parser saw it.
func headers(w *server.ResponseWriter, r *server.Request) {
	h := r.Head
	w.SetHeader("Content-Type", "text/plain; charset=utf-8")
	// r.Method, not h.Method: a HEAD request is served as GET, and must
	// get GET's Content-Length (RFC 9110 §8.6).
	w.WriteString(string(r.Method) + " " + string(h.Target) + " " + string(h.Version) + "\n")
	for _, f := range h.Headers {
		w.WriteString(string(f.Name) + ": " + string(f.Value) + "\n")
	}
	w.WriteString("\nframing: " + h.Framing.String() + "\n")
	keepAlive := "no"
	if h.KeepAlive {
		keepAlive = "yes"
	}
	w.WriteString("keep-alive: " + keepAlive + "\n")
	w.WriteString("remote: " + r.Remote.String() + "\n")
	w.WriteString("loop: " + itoa(r.Loop) + "\n")
}

func itoa(n int) string {
	if n < 10 && n >= 0 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// index is the home page: a map of the course and of these routes.
func index(w *server.ResponseWriter, r *server.Request) {
	w.SetHeader("Content-Type", "text/html; charset=utf-8")
	w.WriteString(indexPage)
}

const indexPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>epollhttp: an HTTP server from a raw socket to epoll</title>
<link rel="stylesheet" href="/static/course.css">
</head>
<body>
<h1>epollhttp</h1>
<p>You are talking to the final server of the course: several epoll event
loops, no net package, no HTTP library. Every byte of this page went out
through a write(2) it made itself.</p>

<h2>The course</h2>
<ol>
<li><b>step1-socket</b>: socket, bind, listen, accept, read, write by hand; one client at a time.</li>
<li><b>step2-epoll</b>: non-blocking sockets and one epoll loop; level- versus edge-triggered.</li>
<li><b>step3-parse</b>: an incremental HTTP/1.1 parser, a state machine over bytes.</li>
<li><b>final</b>: this server. notes/04-final.md walks through it.</li>
</ol>

<h2>Routes</h2>
<ul>
<li><a href="/plaintext">GET /plaintext</a>: Hello, World! (the benchmark route)</li>
<li>POST /echo: your body back: <code>curl -d hello http://HOST/echo</code></li>
<li><a href="/headers">GET /headers</a>: your request as the parser saw it</li>
<li><a href="/healthz">GET /healthz</a>: ok</li>
<li><a href="/stats">GET /stats</a>: counters per event loop, as JSON</li>
<li><a href="/live">GET /live</a>: those counters live, as numbers and charts, for a projector</li>
<li><a href="/static/">GET /static/</a>: files, sent with sendfile(2)</li>
</ul>
</body>
</html>
`
