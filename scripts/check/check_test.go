package main

import (
	"bytes"
	"net"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	// The test binary is also the test server (testserver_test.go): the
	// tester starts it as a child process, as it would any server.
	if len(os.Args) > 1 && os.Args[1] == "testserver" {
		os.Exit(testServerMain(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// testServerCmd is the command line the tester starts for a test server
// with one defect ("" for none), and the tester's flags that match it. The
// header timeout leaves room for stage 1's slowest check, a request one
// byte at a time, on a loaded machine.
func testServerCmd(defect string) []string {
	return []string{"-header-timeout", "3s", "-idle-timeout", "1s",
		"--", os.Args[0], "testserver", "-addr", "127.0.0.1:{port}", "-root", "{root}",
		"-header-timeout", "3s", "-idle-timeout", "1s", "-defect", defect}
}

// runCheck runs the tester in this process and returns what it printed and
// its exit status.
func runCheck(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	code := runTester(args, &out, &out)
	return out.String(), code
}

// results maps each check the tester ran to its PASS or FAIL line.
func results(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && (f[0] == "PASS" || f[0] == "FAIL") {
			m[f[1]] = line
		}
	}
	return m
}

func TestAServerWithoutDefectsPassesEveryStage(t *testing.T) {
	t.Parallel()
	args := append([]string{"-stage", "5"}, testServerCmd("")...)
	out, code := runCheck(t, args...)
	if code != 0 {
		t.Fatalf("exit status %d, want 0; output:\n%s", code, out)
	}
	total := 0
	for _, st := range stages() {
		total += len(st.checks)
	}
	if got := strings.Count(out, "\nPASS "); got != total {
		t.Errorf("%d PASS lines, want %d; output:\n%s", got, total, out)
	}
}

// Each defect makes the tester fail at the check meant for it, with a
// message that names the problem, and pass the rest of that stage but for
// the checks listed as hit too. Each choice the RFCs allow passes.
func TestEachDefectFailsItsCheck(t *testing.T) {
	tests := []struct {
		defect string
		stage  string
		fails  string // the check meant for it
		says   string // a regexp its FAIL line must match
		also   []string
	}{
		{"no_content_length", "1", "stage1.whole_request", `200, but without Content-Length`,
			[]string{"stage1.split_request", "stage1.byte_at_a_time", "stage1.empty_connection", "stage1.closed_mid_request", "stage1.oversized_head"}},
		{"bare_lf", "1", "stage1.whole_request", `a line of the head ends with a bare LF`,
			[]string{"stage1.split_request", "stage1.byte_at_a_time", "stage1.empty_connection", "stage1.closed_mid_request", "stage1.oversized_head"}},
		{"die_mid_request", "1", "stage1.closed_mid_request", `the server ended \(exit status 3\); after a client that closed in the middle`, nil},
		{"max_50", "2", "stage2.many_clients", `\d+ of 200 answered; client \d+: the server (closed|reset) the connection (\(RST\) )?without a response`,
			// The next check may begin while the server still counts the
			// 200 clients as open, and then it drops that check's too.
			[]string{"stage2.slow_client"}},
		{"small_head_limit", "2", "stage2.large_head", `a 6140-byte head: status 431`, nil},
		{"skip_body", "2", "stage2.large_body", `large_body +(after the 256 KiB body|sending the body)`, nil},
		{"echo_no_type", "3", "stage3.echo_length", `Content-Type: "application/octet-stream"`, nil},
		{"no_chunked", "3", "stage3.echo_chunked", `the server answered "HTTP/1.1 501`,
			[]string{"stage3.bad_chunk_size", "stage3.chunk_size_overflow"}},
		{"first_length", "3", "stage3.two_lengths", `status 200, echoing "hello"`, nil},
		{"plus_length", "3", "stage3.bad_length", `status 200, echoing "hello"`, nil},
		{"lax_chunk_size", "3", "stage3.chunk_size_overflow", `status 200, echoing "hello"`, []string{"stage3.bad_chunk_size"}},
		{"fold_as_field", "3", "stage3.obs_fold", `the folded line was taken for a Transfer-Encoding field of its own`, nil},
		{"trim_name", "3", "stage3.space_before_colon", `status 200, echoing "hello"`, nil},
		{"host_optional", "3", "stage3.missing_host", `status 200`, nil},
		{"no_head_limit", "3", "stage3.long_request_line", `status 404`, nil},
		{"plaintext_html", "4", "stage4.plaintext", `Content-Type: "text/html"`, nil},
		{"keep_alive_lie", "4", "stage4.http10", `HTTP/1.0, the response said keep-alive, the next request: the server closed the connection without a response`, nil},
		{"always_200", "4", "stage4.not_found", `status 200`, nil},
		{"octet_stream", "4", "stage4.static_files", `/static/hello.txt: Content-Type "application/octet-stream"`, nil},
		{"read_once", "1", "stage1.split_request", `the server answered "HTTP/1.1 200 OK" after 8 of the request's \d+ bytes, before it was complete`,
			[]string{"stage1.byte_at_a_time", "stage1.oversized_head"}},
		{"die_on_early_close", "1", "stage1.empty_connection", `the server ended \(exit status 3\); after a client that closed without a byte`,
			[]string{"stage1.closed_mid_request", "stage1.oversized_head"}}, // not run: the server is gone
		{"no_head_limit", "1", "stage1.oversized_head", `408 Request Timeout: the server waited for the rest of a 64 KiB head`, nil},
		{"one_at_a_time", "2", "stage2.slow_client", `client B was answered only after the server had answered client A, "HTTP/1.1 408 Request Timeout"`, nil},
		{"no_keep_alive", "2", "stage2.keep_alive", `response 1 says Connection: close`, nil},
		{"length_over_chunked", "3", "stage3.length_and_chunked", `echoing all \d+ bytes: the body was framed by Content-Length`, nil},
		{"lax_chunk_size", "3", "stage3.bad_chunk_size", `status 200, echoing "hello"`, []string{"stage3.chunk_size_overflow"}},
		{"drop_pipelined", "4", "stage4.pipelining", `response 2 of 3: (no response within 10s|the server closed the connection without a response)`, nil},
		{"head_body", "4", "stage4.head", `after the HEAD response: 13 bytes after the response, answering nothing`, nil},
		{"no_405", "4", "stage4.method_not_allowed", `DELETE /plaintext: status 404`, nil},
		{"traversal", "4", "stage4.static_no_escape", `/static/\.\./secret\.txt: 200 with the secret file's content`, nil},
		{"no_header_timeout", "5", "stage5.slow_head", `still open after \d+(\.\d)?s of a head trickling in`, nil},
		{"no_idle_timeout", "5", "stage5.idle_keep_alive", `still open after \d+(\.\d)?s idle`, nil},
		{"exit_on_sigterm", "5", "stage5.sigterm", `the request in flight at SIGTERM: the server closed the connection without a response`, nil},
		{"exit_on_emfile", "5", "stage5.descriptor_flood", `the server ended \(exit status 1\)`, nil},
		{"unfold", "3", "", "", nil},
		{"chunked_wins", "3", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.defect+"/"+tt.fails, "/"), func(t *testing.T) {
			t.Parallel()
			args := append([]string{"-only", tt.stage}, testServerCmd(tt.defect)...)
			out, code := runCheck(t, args...)
			got := results(out)
			if tt.fails == "" {
				if code != 0 {
					t.Fatalf("a choice the RFCs allow failed (exit %d):\n%s", code, out)
				}
				return
			}
			if code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			line, ok := got[tt.fails]
			if !ok || !strings.HasPrefix(line, "FAIL") {
				t.Fatalf("%s did not fail; output:\n%s", tt.fails, out)
			}
			if !regexp.MustCompile(tt.says).MatchString(line) {
				t.Errorf("%s failed with\n\t%s\nwant it to say %q; output:\n%s", tt.fails, line, tt.says, out)
			}
			for name, line := range got {
				if name != tt.fails && !slices.Contains(tt.also, name) && !strings.HasPrefix(line, "PASS") {
					t.Errorf("%s failed too:\n\t%s", name, line)
				}
			}
			if !strings.Contains(out, "    learn:    notes/") {
				t.Errorf("the failure names no section of the notes:\n%s", out)
			}
		})
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		says string
	}{
		{"no stage", []string{"-addr", "127.0.0.1:1"}, "give one of -stage N and -only N"},
		{"stage 6", []string{"-stage", "6", "-addr", "127.0.0.1:1"}, "stages go from 1 to 5"},
		{"no server", []string{"-stage", "1"}, "say where the server is"},
		{"command without --", []string{"-stage", "1", "bin/server"}, "goes after --"},
		{"no {port}", []string{"-stage", "1", "--", "bin/server"}, "put {port}"},
		{"stage 4 without {root}", []string{"-stage", "4", "-addr", "127.0.0.1:1"}, "stage 4 serves files"},
		{"stage 5 with -addr", []string{"-only", "5", "-addr", "127.0.0.1:1"}, "let the tester start it"},
		{"stage 5 without timeouts", []string{"-only", "5", "--", "bin/server", "{port}"}, "stage 5 needs -header-timeout"},
	}
	for _, tt := range tests {
		out, code := runCheck(t, tt.args...)
		if code != 2 || !strings.Contains(out, tt.says) {
			t.Errorf("%s: exit %d, output %q; want 2 and %q", tt.name, code, out, tt.says)
		}
	}
}

func TestNoServerExits2(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	out, code := runCheck(t, "-stage", "1", "-addr", addr)
	if code != 2 || !strings.Contains(out, "no server") {
		t.Errorf("exit %d, output %q; want 2 and no server", code, out)
	}
	out, code = runCheck(t, "-stage", "1", "--", "sh", "-c", "echo about to fail >&2; exit 7", "{port}")
	if code != 2 || !strings.Contains(out, "exited before it accepted a connection: exit status 7") {
		t.Errorf("exit %d, output %q; want 2 and the exit status", code, out)
	}
}

func TestListNamesEveryCheckOnce(t *testing.T) {
	out, code := runCheck(t, "-list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	seen := map[string]bool{}
	for _, st := range stages() {
		for _, c := range st.checks {
			if seen[c.id()] {
				t.Errorf("%s twice", c.id())
			}
			seen[c.id()] = true
			if !strings.Contains(out, "  "+c.id()+" ") {
				t.Errorf("-list does not show %s", c.id())
			}
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if len(line) > 100 {
			t.Errorf("-list line longer than 100 columns: %q", line)
		}
	}
}

func TestSplitGoRun(t *testing.T) {
	tests := []struct {
		args              []string
		flags, pkgs, rest string
	}{
		{[]string{"./final", "-addr", "x"}, "", "./final", "-addr x"},
		{[]string{"-race", "-tags", "a,b", "./final", "-root", "r"}, "-race -tags a,b", "./final", "-root r"},
		{[]string{"-ldflags=-s", "main.go", "util.go", "-v"}, "-ldflags=-s", "main.go util.go", "-v"},
		{[]string{"."}, "", ".", ""},
	}
	for _, tt := range tests {
		flags, pkgs, rest := splitGoRun(tt.args)
		if strings.Join(flags, " ") != tt.flags || strings.Join(pkgs, " ") != tt.pkgs || strings.Join(rest, " ") != tt.rest {
			t.Errorf("splitGoRun(%q) = %q, %q, %q; want %q, %q, %q", tt.args, flags, pkgs, rest, tt.flags, tt.pkgs, tt.rest)
		}
	}
}
