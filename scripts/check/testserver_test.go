package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The tester's tests run it against this server: a small HTTP/1.1 server
// in plain Go, written apart from the course's, that passes every stage
// (so no check asks for what only the course's server does) and that,
// with -defect NAME, breaks in one way, so that each check is seen to
// fail on the fault it is there for. The test binary runs it as a child
// process (see TestMain), because stage 5 signals it and limits its
// descriptors.
//
// Defects:
//
//	no_content_length    answers without Content-Length, ending the body with the close
//	bare_lf              ends the lines of its responses with LF alone
//	read_once            one read, whatever it got, is the request
//	die_on_early_close   exits when a client closes before its request is complete
//	die_mid_request      exits when a client closes halfway through a request
//	no_head_limit        waits for the end of a head however long it grows
//	max_50               drops connections past the fiftieth open one
//	one_at_a_time        serves connections one after the other
//	no_keep_alive        closes after every response
//	small_head_limit     takes heads of 4 KiB at most
//	skip_body            leaves a Content-Length body unread
//	echo_no_type         echoes with Content-Type: text/plain whatever came
//	no_chunked           answers 501 to Transfer-Encoding: chunked
//	length_over_chunked  frames by Content-Length when Transfer-Encoding is there too
//	first_length         takes the first of two Content-Length fields
//	plus_length          reads Content-Length with strconv.Atoi, which takes "+5"
//	lax_chunk_size       reads a chunk size like strtoul: digits until a non-digit, wrapping
//	trim_name            trims whitespace between a field name and its colon
//	fold_as_field        takes a folded line for a field of its own, and
//	                     Transfer-Encoding over Content-Length
//	host_optional        takes an HTTP/1.1 request without Host
//	plaintext_html       serves /plaintext as text/html
//	drop_pipelined       forgets what followed a request in the same read
//	head_body            sends a body after HEAD
//	keep_alive_lie       says keep-alive to HTTP/1.0, then closes
//	always_200           answers 200 to any path
//	no_405               answers 404 for a known path and a wrong method
//	octet_stream         serves every static file as application/octet-stream
//	traversal            opens root + "/" + the decoded path
//	no_header_timeout    lets a head take as long as it likes
//	no_idle_timeout      keeps idle connections for ever
//	exit_on_sigterm      exits at once on SIGTERM
//	exit_on_emfile       exits when accept fails
//
// And two choices the RFCs allow, which must pass:
//
//	unfold               reads obs-fold as spaces (RFC 9112 §5.2)
//	chunked_wins         frames by Transfer-Encoding when both are there, then closes (RFC 9112 §6.1)

type testServer struct {
	root          string
	headerTimeout time.Duration
	idleTimeout   time.Duration
	defect        string
	ln            net.Listener

	mu       sync.Mutex
	conns    map[net.Conn]bool // every open connection
	idle     map[net.Conn]bool // waiting for a request's first byte: closed by a drain
	draining bool
	inFlight sync.WaitGroup
}

const (
	tsMaxHead = 16 << 10
	tsMaxLine = 8 << 10
	tsMaxBody = 8 << 20
)

func testServerMain(args []string) int {
	s := &testServer{conns: map[net.Conn]bool{}, idle: map[net.Conn]bool{}}
	fs := flag.NewFlagSet("testserver", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "")
	fs.StringVar(&s.root, "root", "", "")
	fs.DurationVar(&s.headerTimeout, "header-timeout", 10*time.Second, "")
	fs.DurationVar(&s.idleTimeout, "idle-timeout", 30*time.Second, "")
	fs.StringVar(&s.defect, "defect", "", "")
	if fs.Parse(args) != nil {
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testserver:", err)
		return 1
	}
	s.ln = ln
	fmt.Printf("testserver: listening on %s\n", ln.Addr())
	go s.stopOnSignal()
	s.acceptLoop()
	s.waitInFlight()
	return 0
}

func (s *testServer) has(defect string) bool { return s.defect == defect }

func (s *testServer) acceptLoop() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if s.isDraining() {
				return
			}
			if s.has("exit_on_emfile") {
				fmt.Fprintln(os.Stderr, "testserver: accept:", err)
				s.die(1)
			}
			time.Sleep(50 * time.Millisecond) // EMFILE: wait for a descriptor to free up
			continue
		}
		if s.has("max_50") && s.open() >= 50 {
			c.Close()
			continue
		}
		if s.has("one_at_a_time") {
			s.serve(c)
			continue
		}
		s.inFlight.Add(1)
		go func() {
			defer s.inFlight.Done()
			s.serve(c)
		}()
	}
}

func (s *testServer) stopOnSignal() {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	if s.has("exit_on_sigterm") {
		s.die(0)
	}
	s.mu.Lock()
	s.draining = true
	for c := range s.idle {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
}

// die ends the process at once. The connections go first: a binary
// built with -race takes its time to exit, and meanwhile its goroutines
// would go on serving.
func (s *testServer) die(code int) {
	s.mu.Lock()
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	os.Exit(code)
}

func (s *testServer) open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *testServer) isDraining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

func (s *testServer) waitInFlight() {
	done := make(chan struct{})
	go func() { s.inFlight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

// setIdle marks a connection that waits for the first byte of a request.
// It reports false if a drain has begun: then the connection is done.
func (s *testServer) setIdle(c net.Conn, idle bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if idle {
		s.idle[c] = true
	} else {
		delete(s.idle, c)
	}
	return !s.draining
}

// tsConn is one connection: its bytes not yet consumed.
type tsConn struct {
	c   net.Conn
	buf []byte
}

// more reads once, with a deadline (zero: none).
func (tc *tsConn) more(deadline time.Time) error {
	tc.c.SetReadDeadline(deadline)
	b := make([]byte, 32<<10)
	n, err := tc.c.Read(b)
	tc.buf = append(tc.buf, b[:n]...)
	if n > 0 {
		return nil
	}
	return err
}

func (s *testServer) serve(c net.Conn) {
	s.mu.Lock()
	s.conns[c] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	tc := &tsConn{c: c}
	for n := 0; ; n++ {
		// Between requests, and before the first: wait for a first byte.
		if len(tc.buf) == 0 {
			timeout := s.idleTimeout
			if n == 0 {
				timeout = s.headerTimeout
			}
			deadline := time.Now().Add(timeout)
			if s.has("no_idle_timeout") && n > 0 || s.has("no_header_timeout") && n == 0 {
				deadline = time.Time{}
			}
			if !s.setIdle(c, true) {
				return
			}
			err := tc.more(deadline)
			s.setIdle(c, false)
			if err != nil {
				if n == 0 && errors.Is(err, io.EOF) && s.has("die_on_early_close") {
					s.die(3)
				}
				return
			}
		}
		if s.has("read_once") {
			s.write(c, 200, []string{"Content-Type: text/plain", "Connection: close"}, []byte("hello\n"), false)
			return
		}
		if !s.serveOne(tc) {
			return
		}
		if s.has("drop_pipelined") {
			tc.buf = nil
		}
	}
}

// serveOne reads one request from tc and answers it; it reports whether
// the connection goes on.
func (s *testServer) serveOne(tc *tsConn) bool {
	deadline := time.Now().Add(s.headerTimeout)
	if s.has("no_header_timeout") {
		deadline = time.Time{}
	}
	maxHead := tsMaxHead
	switch {
	case s.has("small_head_limit"):
		maxHead = 4 << 10
	case s.has("no_head_limit"):
		maxHead = 1 << 30
	}
	headEnd := -1
	for headEnd < 0 {
		if i := bytes.Index(tc.buf, []byte("\r\n\r\n")); i >= 0 && i+4 <= maxHead {
			headEnd = i + 4
			break
		}
		if len(tc.buf) > maxHead {
			return s.refuse(tc, 431)
		}
		if bytes.IndexByte(tc.buf, '\n') < 0 && len(tc.buf) > tsMaxLine && !s.has("no_head_limit") {
			return s.refuse(tc, 414)
		}
		if err := tc.more(deadline); err != nil {
			if isTimeout(err) {
				return s.refuse(tc, 408)
			}
			if s.has("die_on_early_close") || s.has("die_mid_request") {
				s.die(3)
			}
			return false
		}
	}
	req, status := s.parseHead(tc.buf[:headEnd])
	if status != 0 {
		return s.refuse(tc, status)
	}
	body, used, status := s.readBody(tc, headEnd, req)
	if status != 0 {
		return s.refuse(tc, status)
	}
	tc.buf = tc.buf[used:]
	keep := req.keepAlive && !s.has("no_keep_alive") && !s.has("no_content_length") && !s.isDraining() && !req.closeAfter
	code, fields, out := s.route(req, body)
	if !keep {
		fields = append(fields, "Connection: close")
	} else if req.version == "HTTP/1.0" {
		fields = append(fields, "Connection: keep-alive")
		keep = !s.has("keep_alive_lie")
	}
	if s.write(tc.c, code, fields, out, req.method == "HEAD" && !s.has("head_body")) != nil {
		return false
	}
	if !keep {
		gentleClose(tc.c)
	}
	return keep
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// refuse answers an error and closes: after it, where the next request
// would begin is unknown.
func (s *testServer) refuse(tc *tsConn, status int) bool {
	s.write(tc.c, status, []string{"Content-Type: text/plain", "Connection: close"}, []byte(tsReason(status)+"\n"), false)
	gentleClose(tc.c)
	return false
}

// gentleClose sends FIN, drains what the client still sends for a while,
// then closes, so the response is not lost to an RST.
func gentleClose(c net.Conn) {
	if tcp, ok := c.(*net.TCPConn); ok {
		tcp.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	io.CopyN(io.Discard, c, 1<<20)
}

type tsRequest struct {
	method, target, version string
	fields                  [][2]string
	keepAlive, closeAfter   bool
	length                  int
	chunked                 bool
}

func (r *tsRequest) header(name string) []string {
	var v []string
	for _, f := range r.fields {
		if strings.EqualFold(f[0], name) {
			v = append(v, f[1])
		}
	}
	return v
}

func (s *testServer) parseHead(head []byte) (*tsRequest, int) {
	lines := strings.Split(strings.TrimSuffix(string(head), "\r\n\r\n"), "\r\n")
	parts := strings.Split(lines[0], " ")
	if len(parts) != 3 || parts[0] == "" || !tsToken(parts[0]) || !strings.HasPrefix(parts[1], "/") && parts[1] != "*" {
		return nil, 400
	}
	req := &tsRequest{method: parts[0], target: parts[1], version: parts[2]}
	switch req.version {
	case "HTTP/1.1", "HTTP/1.0":
	default:
		return nil, 505
	}
	for _, line := range lines[1:] {
		if (line[0] == ' ' || line[0] == '\t') && s.has("fold_as_field") {
			line = strings.TrimLeft(line, " \t")
		}
		if line[0] == ' ' || line[0] == '\t' {
			if !s.has("unfold") || len(req.fields) == 0 {
				return nil, 400 // obs-fold: RFC 9112 §5.2 lets us refuse it
			}
			req.fields[len(req.fields)-1][1] += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if s.has("trim_name") {
			name = strings.TrimRight(name, " \t")
		}
		if !ok || !tsToken(name) {
			return nil, 400
		}
		req.fields = append(req.fields, [2]string{name, strings.Trim(value, " \t")})
	}
	if req.version == "HTTP/1.1" && len(req.header("Host")) != 1 && !s.has("host_optional") {
		return nil, 400
	}
	for _, c := range req.header("Connection") {
		for _, t := range strings.Split(c, ",") {
			switch strings.ToLower(strings.TrimSpace(t)) {
			case "close":
				req.closeAfter = true
			case "keep-alive":
				req.keepAlive = true
			}
		}
	}
	req.keepAlive = req.version == "HTTP/1.1" || req.keepAlive
	return req, s.framing(req)
}

func (s *testServer) framing(req *tsRequest) int {
	te, cl := req.header("Transfer-Encoding"), req.header("Content-Length")
	if len(te) > 0 && len(cl) > 0 {
		switch {
		case s.has("length_over_chunked"):
			te = nil
		case s.has("chunked_wins"), s.has("fold_as_field"):
			cl, req.closeAfter = nil, true
		default:
			return 400
		}
	}
	if len(te) > 0 && s.has("no_chunked") {
		return 501
	}
	if len(te) > 0 {
		if len(te) > 1 || !strings.EqualFold(te[0], "chunked") || req.version == "HTTP/1.0" {
			return 400
		}
		req.chunked = true
		return 0
	}
	if len(cl) > 1 && s.has("first_length") {
		cl = cl[:1]
	}
	if len(cl) > 1 {
		return 400
	}
	if len(cl) == 1 && s.has("plus_length") {
		n, err := strconv.Atoi(cl[0])
		if err != nil || n < 0 {
			return 400
		}
		req.length = n
	} else if len(cl) == 1 {
		if cl[0] == "" || len(cl[0]) > 15 || strings.Trim(cl[0], "0123456789") != "" {
			return 400
		}
		req.length, _ = strconv.Atoi(cl[0])
		if req.length > tsMaxBody {
			return 413
		}
	}
	return 0
}

// readBody returns the body and where the request ends in tc.buf.
func (s *testServer) readBody(tc *tsConn, start int, req *tsRequest) ([]byte, int, int) {
	deadline := time.Now().Add(10 * time.Second)
	if !req.chunked && s.has("skip_body") {
		return nil, start, 0
	}
	for {
		if !req.chunked && len(tc.buf)-start >= req.length {
			return tc.buf[start : start+req.length], start + req.length, 0
		}
		if req.chunked {
			body, used, status := s.dechunk(tc.buf[start:])
			if status != 0 || used > 0 {
				return body, start + used, status
			}
		}
		if err := tc.more(deadline); err != nil {
			if isTimeout(err) {
				return nil, 0, 408
			}
			return nil, 0, 400
		}
	}
}

// dechunk decodes a whole chunked body, or says it needs more (used 0).
func (s *testServer) dechunk(b []byte) ([]byte, int, int) {
	var body []byte
	pos := 0
	for {
		i := bytes.Index(b[pos:], []byte("\r\n"))
		if i < 0 {
			return nil, 0, 0
		}
		line := string(b[pos : pos+i])
		size, ok := s.chunkSize(line)
		if !ok || len(body)+size > tsMaxBody {
			return nil, 0, 400
		}
		pos += i + 2
		if size == 0 {
			break
		}
		if len(b)-pos < size+2 {
			return nil, 0, 0
		}
		if string(b[pos+size:pos+size+2]) != "\r\n" {
			return nil, 0, 400
		}
		body = append(body, b[pos:pos+size]...)
		pos += size + 2
	}
	end := bytes.Index(b[pos:], []byte("\r\n"))
	for end > 0 { // trailer fields, dropped
		pos += end + 2
		end = bytes.Index(b[pos:], []byte("\r\n"))
	}
	if end < 0 {
		return nil, 0, 0
	}
	return body, pos + 2, 0
}

func (s *testServer) chunkSize(line string) (int, bool) {
	digits, _, _ := strings.Cut(line, ";")
	if s.has("lax_chunk_size") {
		var n uint64
		for _, c := range []byte(digits) {
			v, err := strconv.ParseUint(string(c), 16, 8)
			if err != nil {
				break
			}
			n = n<<4 | v
		}
		return int(n & (1<<31 - 1)), true
	}
	if digits == "" || len(digits) > 15 {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 16, 64)
	return int(n), err == nil
}

func tsToken(s string) bool {
	for _, c := range []byte(s) {
		if !isTokenChar(c) {
			return false
		}
	}
	return s != ""
}

func (s *testServer) route(req *tsRequest, body []byte) (int, []string, []byte) {
	allow := func(methods string) (int, []string, []byte) {
		if s.has("no_405") {
			return 404, []string{"Content-Type: text/plain"}, []byte("not found\n")
		}
		return 405, []string{"Allow: " + methods, "Content-Type: text/plain"}, []byte("method not allowed\n")
	}
	get := req.method == "GET" || req.method == "HEAD"
	path, _, _ := strings.Cut(req.target, "?")
	switch {
	case path == "/" && get:
		return 200, []string{"Content-Type: text/html"}, []byte("<p>the tester's test server</p>\n")
	case path == "/plaintext" && get && s.has("plaintext_html"):
		return 200, []string{"Content-Type: text/html"}, []byte("Hello, World!")
	case path == "/plaintext" && get:
		return 200, []string{"Content-Type: text/plain; charset=utf-8"}, []byte("Hello, World!")
	case path == "/echo" && req.method == "POST":
		ct := "application/octet-stream"
		if v := req.header("Content-Type"); len(v) == 1 && !s.has("echo_no_type") {
			ct = v[0]
		}
		return 200, []string{"Content-Type: " + ct}, body
	case path == "/" || path == "/plaintext":
		return allow("GET, HEAD")
	case path == "/echo":
		return allow("POST")
	case strings.HasPrefix(path, "/static/") && get:
		return s.static(path[len("/static/"):])
	case strings.HasPrefix(path, "/static/"):
		return allow("GET, HEAD")
	case s.has("always_200"):
		return 200, []string{"Content-Type: text/plain"}, []byte("ok\n")
	}
	return 404, []string{"Content-Type: text/plain"}, []byte("not found\n")
}

func (s *testServer) static(raw string) (int, []string, []byte) {
	notFound := func() (int, []string, []byte) {
		return 404, []string{"Content-Type: text/plain"}, []byte("not found\n")
	}
	rel, err := tsUnescape(raw)
	if err != nil || s.root == "" {
		return 400, []string{"Content-Type: text/plain"}, []byte("bad path\n")
	}
	var name string
	if s.has("traversal") {
		name = s.root + "/" + rel
	} else {
		for _, seg := range strings.Split(rel, "/") {
			if seg == ".." || seg == "." || strings.ContainsAny(seg, "\x00\\") {
				return 400, []string{"Content-Type: text/plain"}, []byte("bad path\n")
			}
		}
		root, _ := filepath.EvalSymlinks(s.root)
		real, err := filepath.EvalSymlinks(filepath.Join(s.root, rel))
		if err != nil || !strings.HasPrefix(real, root+string(filepath.Separator)) {
			return notFound()
		}
		name = real
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return notFound()
	}
	types := map[string]string{".txt": "text/plain", ".html": "text/html", ".css": "text/css", ".json": "application/json"}
	ct, ok := types[filepath.Ext(name)]
	if !ok || s.has("octet_stream") {
		ct = "application/octet-stream"
	}
	return 200, []string{"Content-Type: " + ct}, b
}

func tsUnescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", errors.New("bad escape")
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", err
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

func (s *testServer) write(c net.Conn, status int, fields []string, body []byte, headOnly bool) error {
	eol := "\r\n"
	if s.has("bare_lf") {
		eol = "\n"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s%s", status, tsReason(status), eol)
	for _, f := range fields {
		b.WriteString(f + eol)
	}
	if !s.has("no_content_length") {
		fmt.Fprintf(&b, "Content-Length: %d%s", len(body), eol)
	}
	b.WriteString(eol)
	if !headOnly {
		b.Write(body)
	}
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.Write(b.Bytes())
	return err
}

func tsReason(status int) string {
	reasons := map[int]string{200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
		408: "Request Timeout", 413: "Content Too Large", 414: "URI Too Long",
		431: "Request Header Fields Too Large", 505: "HTTP Version Not Supported"}
	return reasons[status]
}
