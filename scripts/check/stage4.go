package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Stage 4, final (notes/04-final.md): the routes of the final server,
// pipelining, HEAD, the status codes of a router, the keep-alive rules of
// both versions, and static files that stay inside their root.

func stage4Checks() []check {
	return []check{
		{stage: 4, name: "plaintext", fn: plaintext,
			asks:  "GET /plaintext: 200, text/plain, Hello, World!",
			learn: "notes/04-final.md#the-handler-api"},
		{stage: 4, name: "pipelining", fn: pipelining,
			asks:  "three requests in one write: three answers, in order",
			learn: "notes/04-final.md#keep-alive-and-pipelining-one-write-per-batch"},
		{stage: 4, name: "head", fn: head,
			asks:  "HEAD /plaintext: the fields of GET, no body; the connection goes on",
			learn: "notes/04-final.md#the-handler-api"},
		{stage: 4, name: "not_found", fn: notFound,
			asks:  "GET of an unknown path: 404",
			learn: "notes/04-final.md#the-handler-api"},
		{stage: 4, name: "method_not_allowed", fn: methodNotAllowed,
			asks:  "DELETE /plaintext, GET /echo: 405 with Allow listing the methods",
			learn: "notes/04-final.md#the-handler-api"},
		{stage: 4, name: "http10", fn: http10,
			asks:  "HTTP/1.0: the close after the answer, unless keep-alive is agreed",
			learn: "notes/04-final.md#keep-alive-and-pipelining-one-write-per-batch"},
		{stage: 4, name: "static_files", fn: staticFiles,
			asks:  "files of {root} under /static/: bytes and type; a missing one: 404",
			learn: "notes/04-final.md#static-files-and-the-walls-around-the-root"},
		{stage: 4, name: "static_no_escape", fn: staticNoEscape,
			asks:  "paths that climb out of {root} (.., %2e%2e, symlinks): never the file",
			learn: "notes/04-final.md#static-files-and-the-walls-around-the-root"},
	}
}

// expectBody judges a 200 whose body and media type the contract fixes.
func (r *run) expectBody(resp *response, err error, body, mediaType string) (result, bool) {
	if res, ok := r.expectStatus(resp, err, 200); !ok {
		return res, false
	}
	if string(resp.body) != body {
		return failf("200 with the body %s", quoted(resp.body, 60)).expecting("the body %q", body), false
	}
	if mediaType != "" && resp.mediaType() != mediaType {
		ct, _ := resp.header("Content-Type")
		return failf("Content-Type: %q", ct).expecting("Content-Type: %s", mediaType), false
	}
	return result{}, true
}

func plaintext(r *run) result {
	_, resp, err := r.roundTrip("client", "GET", r.request("GET", "/plaintext"))
	if res, ok := r.expectBody(resp, err, "Hello, World!", "text/plain"); !ok {
		return res
	}
	return passf("200, text/plain, Hello, World!")
}

func pipelining(r *run) result {
	c, err := r.dial("client (three requests in one write)")
	if err != nil {
		return failf("%s", r.words(err))
	}
	reqs := [][]byte{
		r.request("GET", "/plaintext"),
		r.withBody("POST", "/echo", []byte("the second request"), "Content-Type: text/plain"),
		r.request("GET", "/plaintext"),
	}
	methods := []string{"GET", "POST", "GET"}
	bodies := []string{"Hello, World!", "the second request", "Hello, World!"}
	if err := c.send(bytes.Join(reqs, nil)); err != nil {
		return failf("%s", r.words(err))
	}
	for i := range reqs {
		resp, err := c.response(methods[i])
		if res, ok := r.expectBody(resp, err, bodies[i], ""); !ok {
			res.summary = fmt.Sprintf("response %d of 3: %s", i+1, res.summary)
			res.expected = "an answer to each request, in the order they came: bytes after one request are the start of the next (RFC 9112 §9.3.2)"
			return res
		}
		if resp.closes() && i < len(reqs)-1 {
			return failf("response %d of 3 says Connection: close; the rest were dropped", i+1).
				expecting("an answer to each request, in order (RFC 9112 §9.3.2)")
		}
	}
	return passf("3 answers, in order")
}

func head(r *run) result {
	c, err := r.dial("client")
	if err != nil {
		return failf("%s", r.words(err))
	}
	if err := c.send(r.request("HEAD", "/plaintext")); err != nil {
		return failf("%s", r.words(err))
	}
	resp, err := c.response("HEAD")
	if res, ok := r.expectStatus(resp, err, 200); !ok {
		return res
	}
	if cl, n := resp.header("Content-Length"); n > 0 && cl != "13" {
		return failf("Content-Length: %s", cl).expecting("no Content-Length, or the one GET would send: 13 (RFC 9110 §9.3.2)")
	}
	err = c.quiet(300 * time.Millisecond)
	var eb *extraBytes
	if errors.As(err, &eb) {
		return failf("after the HEAD response: %s", r.words(err)).
			expecting("no body: a response to HEAD ends with its blank line (RFC 9110 §9.3.2)")
	}
	if err != nil || resp.closes() {
		return passf("200, no body (the server closed after it)")
	}
	if err := c.send(r.request("GET", "/plaintext")); err != nil {
		return failf("the next request: %s", r.words(err))
	}
	resp, err = c.response("GET")
	if res, ok := r.expectBody(resp, err, "Hello, World!", ""); !ok {
		res.summary = "the next request on the connection: " + res.summary
		return res
	}
	return passf("200, no body; the next request on the connection: 200")
}

func notFound(r *run) result {
	_, resp, err := r.roundTrip("client", "GET", r.request("GET", "/no/such/page"))
	if res, ok := r.expectStatus(resp, err, 404); !ok {
		return res
	}
	return passf("404")
}

func methodNotAllowed(r *run) result {
	var found []string
	for _, t := range []struct{ method, target, allow string }{
		{"DELETE", "/plaintext", "GET"},
		{"GET", "/echo", "POST"},
	} {
		_, resp, err := r.roundTrip(t.method+" "+t.target, t.method, r.request(t.method, t.target))
		if res, ok := r.expectStatus(resp, err, 405); !ok {
			res.summary = t.method + " " + t.target + ": " + res.summary
			return res.expectingIfEmpty("405")
		}
		allow, n := resp.header("Allow")
		if n == 0 || !resp.hasToken("Allow", t.allow) {
			return failf("%s %s: 405, but Allow: %q", t.method, t.target, allow).
				expecting("an Allow field listing %s: a 405 must say what the resource does take (RFC 9110 §15.5.6)", t.allow)
		}
		found = append(found, fmt.Sprintf("%s %s: 405, Allow: %s", t.method, t.target, allow))
	}
	return passf("%s", strings.Join(found, "; "))
}

func http10(r *run) result {
	c, resp, err := r.roundTrip("HTTP/1.0 client", "GET", []byte("GET /plaintext HTTP/1.0\r\n\r\n"))
	if res, ok := r.expectBody(resp, err, "Hello, World!", ""); !ok {
		res.summary = "HTTP/1.0: " + res.summary
		return res
	}
	if res, ok := r.closeAfter(c, "an HTTP/1.0 connection closes unless the request asks for keep-alive (RFC 9112 §9.3)"); !ok {
		res.summary = "HTTP/1.0: " + res.summary
		return res
	}
	// Keep-alive in HTTP/1.0 is the server's choice (RFC 9112 §9.3); what
	// it must not do is keep the connection without saying so.
	req := []byte("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	c, resp, err = r.roundTrip("HTTP/1.0 client asking for keep-alive", "GET", req)
	if res, ok := r.expectBody(resp, err, "Hello, World!", ""); !ok {
		res.summary = "HTTP/1.0 with keep-alive: " + res.summary
		return res
	}
	if !resp.hasToken("Connection", "keep-alive") {
		if res, ok := r.closeAfter(c, "the response did not say Connection: keep-alive, so an HTTP/1.0 client waits for the close (RFC 9112 §9.3)"); !ok {
			res.summary = "HTTP/1.0 with keep-alive: " + res.summary
			return res
		}
		return passf("1.0: answered, then the close; 1.0 asking for keep-alive: the same")
	}
	if err := c.send(req); err != nil {
		return failf("HTTP/1.0, kept alive, the next request: %s", r.words(err))
	}
	resp, err = c.response("GET")
	if res, ok := r.expectBody(resp, err, "Hello, World!", ""); !ok {
		res.summary = "HTTP/1.0, the response said keep-alive, the next request: " + res.summary
		return res
	}
	return passf("1.0: answered, then closed; 1.0 with keep-alive: kept, and said so")
}

func staticFiles(r *run) result {
	root := r.s.root
	for _, f := range root.files {
		_, resp, err := r.roundTrip("GET /static/"+f.name, "GET", r.request("GET", "/static/"+f.name))
		if res, ok := r.expectStatus(resp, err, 200); !ok {
			res.summary = "/static/" + f.name + ": " + res.summary
			return res.expectingIfEmpty("200 and the file")
		}
		if !bytes.Equal(resp.body, f.body) {
			return failf("/static/%s: %d bytes, %s", f.name, len(resp.body), firstDifference(resp.body, f.body)).
				expecting("the file's %d bytes, exactly", len(f.body))
		}
		if f.mediaType != "" && resp.mediaType() != f.mediaType {
			ct, _ := resp.header("Content-Type")
			return failf("/static/%s: Content-Type %q", f.name, ct).expecting("Content-Type: %s", f.mediaType)
		}
	}
	_, resp, err := r.roundTrip("GET /static/no-such-file.txt", "GET", r.request("GET", "/static/no-such-file.txt"))
	if res, ok := r.expectStatus(resp, err, 404); !ok {
		res.summary = "/static/no-such-file.txt: " + res.summary
		return res
	}
	return passf("%d files, their bytes and types; a missing one: 404", len(root.files)).showing()
}

func firstDifference(got, want []byte) string {
	for i := 0; i < len(got) && i < len(want); i++ {
		if got[i] != want[i] {
			return fmt.Sprintf("differing from the file at byte %d", i)
		}
	}
	return fmt.Sprintf("where the file has %d", len(want))
}

func staticNoEscape(r *run) result {
	root := r.s.root
	targets := []string{
		"/static/../secret.txt",
		"/static/%2e%2e/secret.txt",
		"/static/%2E%2E%2Fsecret.txt",
		"/static/..%2fsecret.txt",
		"/static/sub/../../secret.txt",
		"/static/sub/%2e%2e/%2e%2e/secret.txt",
		"/static/" + root.secret, // /static//tmp/…: an absolute path
		"/static/link.txt",       // a symlink to ../secret.txt
		"/static/up/secret.txt",  // through a symlink to ..
	}
	for _, target := range targets {
		c, resp, err := r.roundTrip("GET "+target, "GET", r.request("GET", target))
		expect := "a refusal (4xx, or a redirect) and never a byte of a file outside the root"
		if err != nil {
			return failf("%s: %s", target, r.words(err)).expecting("%s", expect).showing(c)
		}
		if bytes.Contains(resp.body, []byte(root.token)) {
			return failf("%s: %d with the secret file's content, from outside the root", target, resp.status).
				expecting("%s", expect).showing(c)
		}
		if resp.status < 300 || resp.status >= 500 {
			return failf("%s: status %d", target, resp.status).expecting("%s", expect).showing(c)
		}
	}
	return passf("%d paths out of the root, all refused", len(targets)).showing()
}
