//go:build linux

package main

import "testing"

func TestInspectHead(t *testing.T) {
	tests := []struct {
		head string
		want requestInfo
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", requestInfo{status: "200 OK"}},
		{"GET / HTTP/1.0\r\n\r\n", requestInfo{status: "200 OK", closeAfter: true}},
		{"GET / HTTP/1.1\r\nconnection: Close\r\n\r\n", requestInfo{status: "200 OK", closeAfter: true}},
		{"POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", requestInfo{status: "200 OK", bodyLen: 12}},
		{"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", requestInfo{status: "400 Bad Request", closeAfter: true}},
		{"POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", requestInfo{status: "400 Bad Request", closeAfter: true}},
		{"POST / HTTP/1.1\r\nContent-Length: 9999999999999999999\r\n\r\n", requestInfo{status: "400 Bad Request", closeAfter: true}},
		{"POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n", requestInfo{status: "501 Not Implemented", closeAfter: true}},
	}
	for _, tt := range tests {
		if got := inspectHead([]byte(tt.head)); got != tt.want {
			t.Errorf("inspectHead(%q) = %+v, want %+v", tt.head, got, tt.want)
		}
	}
}
