//go:build linux

package main

import (
	"net/netip"
	"testing"
)

func TestStaleEventsAreTold(t *testing.T) {
	var table connTable
	old := table.add(7, netip.AddrPort{})
	staleTag := old.tag
	table.remove(old) // closed earlier in the batch...
	reused := table.add(7, netip.AddrPort{})
	// ...and fd 7 handed out again by accept4 in the same batch.
	if got := table.get(7, staleTag); got != nil {
		t.Fatal("an event for the closed connection found the new one")
	}
	if got := table.get(7, reused.tag); got != reused {
		t.Fatal("an event for the new connection did not find it")
	}
	if table.get(99, 1) != nil || table.get(-1, 1) != nil {
		t.Fatal("unknown descriptors must give nil")
	}
}

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
