//go:build linux

package sock

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
	"golang.org/x/sys/unix"
)

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in      string
		want    string // StraceAddr of the result, or "" for an error
		wantErr string
	}{
		{":8080", `{sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("0.0.0.0")}`, ""},
		{"0.0.0.0:80", `{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("0.0.0.0")}`, ""},
		{"127.0.0.1:0", `{sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}`, ""},
		{"localhost:8080", `{sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}`, ""},
		{"[::1]:8080", `{sa_family=AF_INET6, sin6_port=htons(8080), sin6_addr="::1"}`, ""},
		{"8080", "", "want host:port"},
		{"127.0.0.1:http", "", "not a number"},
		{"127.0.0.1:65536", "", "not a number"},
		{"127.0.0.1:-1", "", "not a number"},
		{"example.com:80", "", "not an IPv4 address"},
		{"::1:80", "", "not an IPv4 address"},
		{"[127.0.0.1]:80", "", "not an IPv6 address"},
		{"[fe80::1%eth0]:80", "", "not an IPv6 address"},
	}
	for _, tt := range tests {
		sa, err := ParseAddr(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseAddr(%q) error = %v, want one saying %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseAddr(%q): %v", tt.in, err)
			continue
		}
		if got := StraceAddr(sa); got != tt.want {
			t.Errorf("ParseAddr(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestListenOnPortZeroReportsThePortChosen(t *testing.T) {
	l, err := Listen(nil, "127.0.0.1:0", ListenConfig{Backlog: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(nil, l.FD)
	if l.Addr.Port() == 0 || l.Addr.Addr().String() != "127.0.0.1" {
		t.Fatalf("Addr = %v, want 127.0.0.1 and a real port", l.Addr)
	}
	c, err := net.DialTimeout("tcp", l.Addr.String(), 10*time.Second)
	if err != nil {
		t.Fatalf("dial the listener: %v", err)
	}
	c.Close()
}

func TestListenOnIPv6Loopback(t *testing.T) {
	l, err := Listen(nil, "[::1]:0", ListenConfig{Backlog: 16})
	if errors.Is(err, unix.EADDRNOTAVAIL) || errors.Is(err, unix.EAFNOSUPPORT) {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer Close(nil, l.FD)
	c, err := net.DialTimeout("tcp", l.Addr.String(), 10*time.Second)
	if err != nil {
		t.Fatalf("dial %v: %v", l.Addr, err)
	}
	defer c.Close()
	fd, peer, err := Accept(nil, l.FD, 0)
	if err != nil {
		t.Fatal(err)
	}
	Close(nil, fd)
	if !peer.Addr().Is6() || !peer.Addr().IsLoopback() {
		t.Fatalf("peer %v, want [::1]", peer)
	}
}

func TestListenOnATakenPortFailsWithEADDRINUSEAndLeaksNothing(t *testing.T) {
	first, err := Listen(nil, "127.0.0.1:0", ListenConfig{Backlog: 16, ReuseAddr: true})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(nil, first.FD)
	before := servertest.OpenFDs(t)
	// SO_REUSEADDR does not allow two listeners on one port; that is
	// SO_REUSEPORT's job.
	_, err = Listen(nil, first.Addr.String(), ListenConfig{Backlog: 16, ReuseAddr: true})
	if !errors.Is(err, unix.EADDRINUSE) {
		t.Fatalf("second Listen: %v, want EADDRINUSE", err)
	}
	if after := servertest.OpenFDs(t); after != before {
		t.Fatalf("descriptors: %d before, %d after a failed Listen", before, after)
	}
}

func TestReusePortLetsTwoListenersShareAPort(t *testing.T) {
	cfg := ListenConfig{Backlog: 16, ReusePort: true}
	first, err := Listen(nil, "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer Close(nil, first.FD)
	second, err := Listen(nil, first.Addr.String(), cfg)
	if err != nil {
		t.Fatalf("second listener with SO_REUSEPORT: %v", err)
	}
	Close(nil, second.FD)
}

func TestNonBlockingAcceptSaysEAGAIN(t *testing.T) {
	l, err := Listen(nil, "127.0.0.1:0", ListenConfig{Backlog: 16, NonBlocking: true})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(nil, l.FD)
	if _, _, err := Accept(nil, l.FD, unix.SOCK_NONBLOCK); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("accept with an empty queue: %v, want EAGAIN", err)
	}
}

func TestNarrationLooksLikeStrace(t *testing.T) {
	var out bytes.Buffer
	n := &Narrator{Out: &out}
	l, err := Listen(n, "127.0.0.1:0", ListenConfig{Backlog: 7, ReuseAddr: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", l.Addr.String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET / HTTP/1.1\r\n\r\n")
	fd, _, err := Accept(n, l.FD, 0)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	for got := 0; got < 18; {
		m, err := Read(n, fd, buf)
		if err != nil || m == 0 {
			t.Fatalf("read: %d, %v", m, err)
		}
		got += m
	}
	c.Close()
	Close(n, fd)
	Close(n, l.FD)
	// The descriptor numbers depend on what the test process has open.
	lfd, port := itoa(l.FD), itoa(int(l.Addr.Port()))
	for _, want := range []string{
		"socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = " + lfd + "\n",
		"setsockopt(" + lfd + ", SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n",
		"bind(" + lfd + `, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0` + "\n",
		"listen(" + lfd + ", 7) = 0\n",
		"getsockname(" + lfd + `, {sa_family=AF_INET, sin_port=htons(` + port + `), sin_addr=inet_addr("127.0.0.1")}, [112 => 16]) = 0` + "\n",
		"[112 => 16], SOCK_CLOEXEC) = " + itoa(fd) + "\n",
		"read(" + itoa(fd) + `, "GET / HTTP/1.1\r\n`,
		"close(" + lfd + ") = 0\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("narration lacks %q:\n%s", want, out.String())
		}
	}
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

func TestErrnoText(t *testing.T) {
	if got, want := ErrnoText(unix.EAGAIN), "EAGAIN (Resource temporarily unavailable)"; got != want {
		t.Errorf("ErrnoText(EAGAIN) = %q, want %q", got, want)
	}
	if got, want := ErrnoText(errors.New("plain")), "plain"; got != want {
		t.Errorf("ErrnoText(plain) = %q, want %q", got, want)
	}
}

func TestQuote(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"GET / HTTP/1.1\r\n", 32, `"GET / HTTP/1.1\r\n"`},
		{"abcdef", 3, `"abc"...`},
		{"a\x00\"\\\t\xff", 32, `"a\x00\"\\\t\xff"`},
	}
	for _, tt := range tests {
		if got := Quote([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("Quote(%q, %d) = %s, want %s", tt.in, tt.max, got, tt.want)
		}
	}
}
