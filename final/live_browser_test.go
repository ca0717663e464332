//go:build linux

package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
)

// browsers are the names headless Chromium goes by (Debian: chromium);
// CHROMIUM names another binary.
var browsers = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

func findBrowser() string {
	if path := os.Getenv("CHROMIUM"); path != "" {
		return path
	}
	for _, name := range browsers {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// TestLivePageInBrowser loads /live in headless Chromium while a client
// keeps the server busy, and reads back the DOM the page's own script
// left: the page counts script errors (a syntax error included) and its
// successful polls of /stats as data- attributes on <html>, and the
// request counter it showed first and last.
//
// --virtual-time-budget runs the page's timers for that many milliseconds
// of the page's clock, which waits while a fetch is in flight, then
// --dump-dom prints the DOM: no debugging protocol needed.
func TestLivePageInBrowser(t *testing.T) {
	browser := findBrowser()
	if browser == "" {
		t.Skip("headless Chromium is not installed (apt-get install chromium, or set CHROMIUM=/path/to/it): the live page was not tried in a browser")
	}
	s := servertest.Start(t, "-addr", "127.0.0.1:0", "-loops", "2", "-quiet")
	base := "http://" + s.Addr
	client := &http.Client{Timeout: servertest.Patience}

	// The load: keep-alive requests until the browser is done, bounded in
	// count and, through the client's timeout, in time.
	stop := make(chan struct{})
	var loading sync.WaitGroup
	loading.Add(1)
	go func() {
		defer loading.Done()
		for i := 0; i < 1_000_000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			resp, err := client.Get(base + "/plaintext")
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()

	profile, err := os.MkdirTemp("", "live-browser-test-")
	if err != nil {
		t.Fatal(err)
	}
	// Chromium's helper processes may still be writing to the profile for
	// a moment after it exits: remove what can be removed, and move on.
	t.Cleanup(func() { os.RemoveAll(profile) })

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--no-first-run", "--user-data-dir="+profile,
		"--virtual-time-budget=6000", "--dump-dom", base+"/live")
	cmd.Env = append(os.Environ(), "HOME="+profile, "XDG_CONFIG_HOME="+profile, "XDG_CACHE_HOME="+profile)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	close(stop)
	loading.Wait()
	if err != nil {
		t.Fatalf("%s: %v\nstderr (last part):\n%s", browser, err, tail(stderr.String(), 2000))
	}

	attrs := htmlAttributes(t, string(dom))
	if attrs["data-errors"] != "0" {
		t.Errorf("the page counted %s script error(s); the last: %q", attrs["data-errors"], attrs["data-last-error"])
	}
	if n := attrs["data-fetch-failures"]; n != "" {
		t.Errorf("%s polls of /stats failed", n)
	}
	updates := atoi(t, attrs, "data-updates")
	if updates < 3 {
		t.Errorf("the page showed %d answers from /stats, want at least 3 in 6 s of its time", updates)
	}
	first, last := atoi(t, attrs, "data-first-requests"), atoi(t, attrs, "data-requests")
	// The page's own polls are requests too; more than those means it
	// saw the client's load.
	if last-first <= updates {
		t.Errorf("requests went from %d to %d over %d polls: the page did not see the load", first, last, updates)
	}
	for _, id := range []string{"rps", "wps", "rpw", "spr", "conns"} {
		if text := elementText(string(dom), id); text == "" || text == "–" {
			t.Errorf("#%s shows %q, want a number", id, text)
		}
	}
	if t.Failed() {
		t.Logf("the DOM as the browser left it:\n%s", tail(string(dom), 4000))
	}
}

var htmlTag = regexp.MustCompile(`(?s)<html\b[^>]*>`)
var attribute = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)

func htmlAttributes(t *testing.T, dom string) map[string]string {
	t.Helper()
	tag := htmlTag.FindString(dom)
	if tag == "" {
		t.Fatalf("no <html> tag in what the browser printed:\n%s", tail(dom, 2000))
	}
	attrs := map[string]string{}
	for _, m := range attribute.FindAllStringSubmatch(tag, -1) {
		attrs[m[1]] = m[2]
	}
	return attrs
}

func atoi(t *testing.T, attrs map[string]string, name string) int {
	t.Helper()
	n, err := strconv.Atoi(attrs[name])
	if err != nil {
		t.Fatalf("<html %s=%q>: not a number", name, attrs[name])
	}
	return n
}

// elementText is the text of the element with that id, when it holds
// nothing but text.
func elementText(dom, id string) string {
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(dom)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
