//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
)

// The fault campaign: the real server in a child process, attacked over
// real sockets on loopback. Every test logs its figures and asserts them.

// serverStats is the part of /stats the campaign reads.
type serverStats struct {
	Total struct {
		Requests        uint64 `json:"requests"`
		ConnectionsOpen uint64 `json:"connections_open"`
		ConnectionsAll  uint64 `json:"connections_total"`
		EpollWakeups    uint64 `json:"epoll_wakeups"`
		Timeouts        uint64 `json:"timeouts"`
		Shed            uint64 `json:"shed_emfile"`
		RequestErrors   uint64 `json:"request_errors"`
		BytesIn         uint64 `json:"bytes_in"`
	} `json:"total"`
	HeapBytes uint64 `json:"heap_bytes"`
}

// fetchStats asks the server for /stats?gc=1 (a collection first, so the
// heap figure is live memory only).
func fetchStats(t *testing.T, addr string) serverStats {
	t.Helper()
	_, body := get(t, "http://"+addr+"/stats?gc=1")
	var st serverStats
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("/stats: %v", err)
	}
	return st
}

// cpuTicks is the child's user+system CPU time in clock ticks (proc(5):
// fields 14 and 15 of /proc/PID/stat).
func cpuTicks(t *testing.T, pid int) int {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.Atoi(fields[11])
	stime, _ := strconv.Atoi(fields[12])
	return utime + stime
}

// healthy checks that the server answers a plain request.
func healthy(t *testing.T, addr string) {
	t.Helper()
	if resp, body := get(t, "http://"+addr+"/healthz"); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("/healthz: %d %q", resp.StatusCode, body)
	}
}

// exchange sends raw bytes on a new connection, half-closes it, and reads
// everything the server sends back until it closes.
func exchange(t *testing.T, addr, request string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, servertest.Patience)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(servertest.Patience))
	io.WriteString(c, request)
	c.(*net.TCPConn).CloseWrite()
	answer, err := io.ReadAll(c)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("reading the answer to %q: %v", request, err)
	}
	return string(answer)
}

type regexpT = regexp.Regexp

func regexpCompile(s string) *regexp.Regexp { return regexp.MustCompile(s) }
