//go:build linux

package minihttp

import "testing"

func TestHeadEnd(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", -1},
		{"GET / HTTP/1.1\r\n", -1},
		{"GET / HTTP/1.1\r\n\r\n", 18},
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody", 27},
		{"GET / HTTP/1.1\n\n", 16},
		{"GET / HTTP/1.1\r\nHost: a\n\r\n", 26},
		{"GET / HTTP/1.1\r\nHost: a\r\n\r", -1},
	}
	for _, tt := range tests {
		if got := HeadEnd([]byte(tt.in)); got != tt.want {
			t.Errorf("HeadEnd(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestAppendResponse(t *testing.T) {
	tests := []struct {
		status, body string
		closeAfter   bool
		want         string
	}{
		{"200 OK", "hi\n", false, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\nhi\n"},
		{"431 Request Header Fields Too Large", "", true, "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
	}
	for _, tt := range tests {
		if got := string(AppendResponse(nil, tt.status, tt.body, tt.closeAfter)); got != tt.want {
			t.Errorf("AppendResponse(%q, %q, %v) = %q, want %q", tt.status, tt.body, tt.closeAfter, got, tt.want)
		}
	}
}
