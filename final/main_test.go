//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
)

func TestMain(m *testing.M) {
	servertest.RunIfChild(run)
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// staticRootForTest builds a root with a file, a subdirectory, a symlink
// that stays inside and one that leads out, next to a secret outside it.
func staticRootForTest(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	root := filepath.Join(base, "root")
	must(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "hello.txt"), []byte("hello from the root\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "page.html"), []byte("<p>hi</p>\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "sub", "index.html"), []byte("sub index\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(base, "secret.txt"), []byte("SECRET outside the root\n"), 0o644))
	must(t, os.Symlink("hello.txt", filepath.Join(root, "inside-link.txt")))
	must(t, os.Symlink(filepath.Join(base, "secret.txt"), filepath.Join(root, "escape.txt")))
	must(t, os.Symlink("../secret.txt", filepath.Join(root, "escape-relative.txt")))
	must(t, os.Symlink(base, filepath.Join(root, "escape-dir")))
	must(t, os.WriteFile(filepath.Join(root, ".env"), []byte("SECRET=dotfile\n"), 0o644))
	must(t, os.MkdirAll(filepath.Join(root, ".git"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, ".git", "config"), []byte("SECRET git config\n"), 0o644))
	return root
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func startFinal(t *testing.T, args ...string) *servertest.Server {
	t.Helper()
	return servertest.Start(t, append([]string{"-addr", "127.0.0.1:0", "-loops", "2", "-stats-gc"}, args...)...)
}

var client = &http.Client{Timeout: servertest.Patience}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return resp, string(body)
}

func TestRoutes(t *testing.T) {
	s := startFinal(t, "-root", staticRootForTest(t))
	base := "http://" + s.Addr
	tests := []struct {
		path, contentType, body string
	}{
		{"/plaintext", "text/plain; charset=utf-8", "Hello, World!"},
		{"/healthz", "text/plain; charset=utf-8", "ok"},
		{"/static/hello.txt", "text/plain; charset=utf-8", "hello from the root\n"},
		{"/static/page.html", "text/html; charset=utf-8", "<p>hi</p>\n"},
		{"/static/sub/", "text/html; charset=utf-8", "sub index\n"},
		{"/static/inside-link.txt", "text/plain; charset=utf-8", "hello from the root\n"},
	}
	for _, tt := range tests {
		resp, body := get(t, base+tt.path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.contentType || body != tt.body {
			t.Errorf("GET %s: %d %q %q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	resp, body := get(t, base+"/")
	if resp.StatusCode != 200 || !strings.Contains(body, `href="/plaintext"`) || !strings.Contains(body, "step1-socket") {
		t.Errorf("GET /: %d, a page without the map of the course", resp.StatusCode)
	}
	_, body = get(t, base+"/headers")
	if !strings.HasPrefix(body, "GET /headers HTTP/1.1\n") || !strings.Contains(body, "User-Agent: Go-http-client/1.1") {
		t.Errorf("GET /headers: %q", body)
	}
	post, err := client.Post(base+"/echo", "application/x-course", strings.NewReader("echo me"))
	if err != nil {
		t.Fatal(err)
	}
	echoed, _ := io.ReadAll(post.Body)
	post.Body.Close()
	if string(echoed) != "echo me" || post.Header.Get("Content-Type") != "application/x-course" || post.ContentLength != 7 {
		t.Errorf("POST /echo: %q %q %d", echoed, post.Header.Get("Content-Type"), post.ContentLength)
	}
	resp, _ = get(t, base+"/static/sub")
	if resp.Request.URL.Path != "/static/sub/" {
		t.Errorf("GET /static/sub: not redirected to /static/sub/ (%s)", resp.Request.URL.Path)
	}
}

func TestUnknownPathAndWrongMethod(t *testing.T) {
	s := startFinal(t)
	base := "http://" + s.Addr
	resp, _ := get(t, base+"/nope")
	if resp.StatusCode != 404 {
		t.Errorf("GET /nope: %d, want 404", resp.StatusCode)
	}
	for _, tt := range []struct{ method, path, allow string }{
		{"POST", "/plaintext", "GET, HEAD, OPTIONS"},
		{"DELETE", "/healthz", "GET, HEAD, OPTIONS"},
		{"GET", "/echo", "POST, OPTIONS"},
	} {
		req, _ := http.NewRequest(tt.method, base+tt.path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Allow"), tt.allow)
		}
	}
	// A method nobody defined, or a known one in the wrong case (methods
	// are case-sensitive), is not implemented at all: 501, not 405.
	for _, method := range []string{"FOO", "get"} {
		req, _ := http.NewRequest(method, base+"/plaintext", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 501 {
			t.Errorf("%s /plaintext: %d, want 501", method, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest("HEAD", base+"/plaintext", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.ContentLength != 13 {
		t.Errorf("HEAD /plaintext: %d, length %d", resp.StatusCode, resp.ContentLength)
	}
}

func TestStaticFilesNeverLeaveTheRoot(t *testing.T) {
	s := startFinal(t, "-root", staticRootForTest(t))
	attempts := []string{
		"/static/../secret.txt",
		"/static/%2e%2e/secret.txt",
		"/static/%2E%2E/secret.txt",
		"/static/.%2e/secret.txt",
		"/static/sub/../../secret.txt",
		"/static/..%2fsecret.txt",
		"/static/%2e%2e%2fsecret.txt",
		"/static/..%5csecret.txt",
		"/static/..\\secret.txt",
		"/static//etc/passwd",
		"/static/%2fetc/passwd",
		"/static/hello.txt%00.html",
		"/static/escape.txt",
		"/static/escape-relative.txt",
		"/static/escape-dir/secret.txt",
		"/static/./hello.txt",
		"/static/sub/./../hello.txt",
		"/static/%",
		"/static/%zz",
		"/static/.env",
		"/static/%2eenv",
		"/static/.git/config",
		"/static/sub/../.git/config",
	}
	for _, path := range attempts {
		c, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(servertest.Patience))
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path)
		answer, _ := io.ReadAll(c)
		c.Close()
		if strings.Contains(string(answer), "SECRET") || strings.Contains(string(answer), "root:") {
			t.Errorf("GET %s served a file outside the root:\n%s", path, answer)
		}
		if !regexp.MustCompile(`^HTTP/1.1 (400|404) `).Match(answer) {
			t.Errorf("GET %s: %q, want 400 or 404", path, firstLine(answer))
		}
	}
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(string(b), "\r\n")
	return line
}

func TestCurlTalksToIt(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	s := startFinal(t)
	out, err := exec.Command(curl, "-s", "-i", "--max-time", "30", "http://"+s.Addr+"/plaintext", "http://"+s.Addr+"/healthz").CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "HTTP/1.1 200 OK") || !strings.HasSuffix(string(out), "\r\n\r\nok") {
		t.Fatalf("curl got:\n%s", out)
	}
	out, err = exec.Command(curl, "-s", "--max-time", "30", "--data-binary", "from curl", "-H", "Expect: 100-continue", "http://"+s.Addr+"/echo").CombinedOutput()
	if err != nil || string(out) != "from curl" {
		t.Fatalf("curl POST: %v %q", err, out)
	}
}

func TestAccessLogAndQuiet(t *testing.T) {
	s := startFinal(t)
	get(t, "http://"+s.Addr+"/plaintext")
	line := regexp.MustCompile(`^127\.0\.0\.1 - - \[\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET /plaintext HTTP/1.1" 200 13$`)
	if _, err := s.Stdout.WaitFor(line, servertest.Patience); err != nil {
		t.Fatalf("%v\n%s", err, s.Stdout)
	}
	quiet := startFinal(t, "-quiet")
	get(t, "http://"+quiet.Addr+"/plaintext")
	quiet.Stop(t)
	if strings.Contains(quiet.Stdout.String(), "GET /plaintext") {
		t.Fatalf("-quiet still logged:\n%s", quiet.Stdout)
	}
}

func TestStatsJSON(t *testing.T) {
	s := startFinal(t, "-quiet")
	for i := 0; i < 10; i++ {
		get(t, "http://"+s.Addr+"/plaintext")
	}
	_, body := get(t, "http://"+s.Addr+"/stats")
	var stats struct {
		Loops []map[string]any `json:"loops"`
		Total struct {
			Requests        int `json:"requests"`
			ConnectionsOpen int `json:"connections_open"`
			Syscalls        map[string]int
		} `json:"total"`
		PerRequest *float64 `json:"heap_allocs_per_request"`
	}
	if err := json.Unmarshal([]byte(body), &stats); err != nil {
		t.Fatalf("/stats is not JSON: %v\n%s", err, body)
	}
	if len(stats.Loops) != 2 || stats.Total.Requests < 10 || stats.Total.Syscalls["epoll_wait"] == 0 || stats.PerRequest == nil {
		t.Fatalf("/stats: %s", body)
	}
}

func TestNoDescriptorLeaks(t *testing.T) {
	s := startFinal(t, "-quiet", "-root", staticRootForTest(t))
	before := s.OpenFDs(t)
	for i := 0; i < 20; i++ {
		c, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		switch i % 4 {
		case 0: // a keep-alive client that just leaves
			fmt.Fprintf(c, "GET /static/hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
			bufio.NewReader(c).ReadString('\n')
		case 1: // half a request, then gone
			io.WriteString(c, "GET /plaintext HTTP/1.1\r\nHo")
		case 2: // a bad request
			io.WriteString(c, "GET  / HTTP/1.1\r\n\r\n")
			io.ReadAll(c)
		case 3: // a reset in the middle of a file
			fmt.Fprintf(c, "GET /static/hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
			c.(*net.TCPConn).SetLinger(0)
		}
		c.Close()
	}
	deadline := time.Now().Add(servertest.Patience)
	for s.OpenFDs(t) > before {
		if time.Now().After(deadline) {
			t.Fatalf("descriptors: %d before, %d after every client left", before, s.OpenFDs(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSignalsExitZero(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			s := startFinal(t)
			c, err := net.Dial("tcp", s.Addr) // an idle connection must not hold the exit up
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			s.Signal(t, sig)
			if code := s.Wait(t, servertest.Patience); code != 0 {
				t.Fatalf("exit status %d after %v", code, sig)
			}
			if !strings.Contains(s.Stderr.String(), "final: served") {
				t.Fatalf("no summary at exit:\n%s", s.Stderr)
			}
		})
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-loops", "x"}, {"-addr", "nonsense"}, {"extra"}, {"-root", "/no/such/dir"}} {
		s := servertest.StartNoWait(t, nil, args...)
		if code := s.Wait(t, servertest.Patience); code == 0 {
			t.Errorf("%v: exit status 0", args)
		}
	}
}
