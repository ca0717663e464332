//go:build linux

package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"epollhttp/final/server"
	"epollhttp/step1-socket/servertest"
)

// HEAD answers like GET without the body (RFC 9110 §9.3.2), and a
// Content-Length sent with it must be the one GET would send (§8.6), on
// every route, errors included. /stats is left out: its numbers change
// between any two requests.
func TestHEADAnswersLikeGETEverywhere(t *testing.T) {
	s := startFinal(t, "-quiet", "-root", staticRootForTest(t))
	c, err := net.DialTimeout("tcp", s.Addr, servertest.Patience)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for _, path := range []string{
		"/", "/plaintext", "/echo", "/headers", "/healthz", "/live", "/nope",
		"/static/", "/static/hello.txt", "/static/sub", "/static/missing", "/static/a%2fb", "/static/.hidden",
	} {
		get := roundTrip(t, c, br, "GET", path)
		head := roundTrip(t, c, br, "HEAD", path)
		if get.StatusCode != head.StatusCode {
			t.Errorf("%s: GET %d, HEAD %d", path, get.StatusCode, head.StatusCode)
		}
		for _, field := range []string{"Content-Length", "Content-Type", "Allow", "Location"} {
			if g, h := get.Header.Get(field), head.Header.Get(field); g != h {
				t.Errorf("%s: %s: GET %q, HEAD %q", path, field, g, h)
			}
		}
	}
}

func roundTrip(t *testing.T, c net.Conn, br *bufio.Reader, method, path string) *http.Response {
	t.Helper()
	if _, err := io.WriteString(c, method+" "+path+" HTTP/1.1\r\nHost: t\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, path, nil)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatalf("%s %s: body: %v", method, path, err)
	}
	resp.Body.Close()
	return resp
}

// The lifecycle diagram in note 4 is the one the server draws: the notes
// checker runs `go run ./final -lifecycle`, and this compares the Mermaid
// block beside it.
func TestNoteShowsTheLifecycleTheServerDraws(t *testing.T) {
	note, err := os.ReadFile("../notes/04-final.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(note), "```mermaid\n"+server.LifecycleDiagram()+"```") {
		t.Fatal("notes/04-final.md has no Mermaid block equal to `go run ./final -lifecycle`: paste the new one")
	}
}
