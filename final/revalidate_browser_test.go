//go:build linux

package main

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
)

// A browser that loads / twice revalidates the page's stylesheet the second
// time (its ETag, with Cache-Control: no-cache) and gets 304 Not Modified:
// no second copy of the file. Headless Chromium with one profile for both
// loads keeps its disk cache between them; the server's access log says
// what each load asked for.
func TestABrowserReloadGets304(t *testing.T) {
	browser := findBrowser()
	if browser == "" {
		t.Skip("headless Chromium is not installed (apt-get install chromium, or set CHROMIUM=/path/to/it): revalidation was not tried in a browser")
	}
	s := servertest.Start(t, "-addr", "127.0.0.1:0", "-loops", "1")
	profile, err := os.MkdirTemp("", "revalidate-browser-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	css := regexp.MustCompile(`"GET /static/course\.css HTTP/1\.1" (\d+) `)
	for load := 1; load <= 2; load++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, browser,
			"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
			"--disable-background-networking", "--disable-component-update",
			"--disable-sync", "--no-first-run", "--user-data-dir="+profile,
			"--virtual-time-budget=2000", "--dump-dom", "http://"+s.Addr+"/")
		cmd.Env = append(os.Environ(), "HOME="+profile, "XDG_CONFIG_HOME="+profile, "XDG_CACHE_HOME="+profile)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		_, err := cmd.Output()
		cancel()
		if err != nil {
			t.Fatalf("load %d: %s: %v\nstderr (last part):\n%s", load, browser, err, tail(stderr.String(), 2000))
		}
		line, err := s.Stdout.WaitForNth(css, load, servertest.Patience)
		if err != nil {
			t.Fatalf("load %d: the stylesheet was not requested: %v\naccess log:\n%s", load, err, s.Stdout)
		}
		want := map[int]string{1: "200", 2: "304"}[load]
		if got := css.FindStringSubmatch(line)[1]; got != want {
			t.Fatalf("load %d: the stylesheet got %s, want %s\naccess log:\n%s", load, got, want, s.Stdout)
		}
	}
}
