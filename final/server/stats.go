//go:build linux

package server

import "sync/atomic"

// counter is one statistic of one loop. Only its loop writes it; /stats
// may read it from another loop's thread, hence atomic.
type counter struct{ v atomic.Uint64 }

func (c *counter) inc()         { c.v.Add(1) }
func (c *counter) add(n uint64) { c.v.Add(n) }
func (c *counter) load() uint64 { return c.v.Load() }

// loopStats are the numbers that explain a loop's work: how often it woke,
// which syscalls it made, what it served.
type loopStats struct {
	accepts, reads, writes, sendfiles, epollCtls counter
	connsTotal, connsOpen, closed, requests      counter
	bytesIn, bytesOut                            counter
	timeouts, stale, shed, rejected, errors      counter
	outputWaits, panics                          counter
	held                                         counter // a gauge: the loop's heldBytes
}

// LoopStats is a snapshot of one loop's counters, as /stats shows them.
type LoopStats struct {
	Loop            int    `json:"loop"`
	ConnectionsOpen uint64 `json:"connections_open"`
	ConnectionsAll  uint64 `json:"connections_total"`
	Requests        uint64 `json:"requests"`
	BytesIn         uint64 `json:"bytes_in"`
	BytesOut        uint64 `json:"bytes_out"`
	EpollWakeups    uint64 `json:"epoll_wakeups"`
	Syscalls        struct {
		EpollWait uint64 `json:"epoll_wait"`
		EpollCtl  uint64 `json:"epoll_ctl"`
		Accept4   uint64 `json:"accept4"`
		Read      uint64 `json:"read"`
		Write     uint64 `json:"write"`
		Sendfile  uint64 `json:"sendfile"`
	} `json:"syscalls"`
	Timeouts      uint64 `json:"timeouts"`
	StaleEvents   uint64 `json:"stale_events"`
	Shed          uint64 `json:"shed_emfile"`
	Rejected      uint64 `json:"rejected_max_conns"`
	RequestErrors uint64 `json:"request_errors"`
	OutputWaits   uint64 `json:"output_waits"` // times a client's socket was full and the loop waited for EPOLLOUT
	HandlerPanics uint64 `json:"handler_panics"`
	HeldBytes     uint64 `json:"held_bytes"` // in request bodies and large unsent responses, now
}

func (l *loop) snapshot() LoopStats {
	s := &l.stats
	out := LoopStats{
		Loop: l.id, ConnectionsOpen: s.connsOpen.load(), ConnectionsAll: s.connsTotal.load(),
		Requests: s.requests.load(), BytesIn: s.bytesIn.load(), BytesOut: s.bytesOut.load(),
		EpollWakeups: l.poller.Waits.Load(),
		Timeouts:     s.timeouts.load(), StaleEvents: s.stale.load(), Shed: s.shed.load(),
		Rejected: s.rejected.load(), RequestErrors: s.errors.load(), OutputWaits: s.outputWaits.load(),
		HandlerPanics: s.panics.load(), HeldBytes: s.held.load(),
	}
	out.Syscalls.EpollWait = out.EpollWakeups
	out.Syscalls.EpollCtl = s.epollCtls.load()
	out.Syscalls.Accept4 = s.accepts.load()
	out.Syscalls.Read = s.reads.load()
	out.Syscalls.Write = s.writes.load()
	out.Syscalls.Sendfile = s.sendfiles.load()
	return out
}

// Stats returns a snapshot of every loop's counters.
func (s *Server) Stats() []LoopStats {
	all := make([]LoopStats, len(s.loops))
	for i, l := range s.loops {
		all[i] = l.snapshot()
	}
	return all
}

// Total adds the loops' counters up.
func Total(loops []LoopStats) LoopStats {
	var t LoopStats
	t.Loop = -1
	for _, l := range loops {
		t.ConnectionsOpen += l.ConnectionsOpen
		t.ConnectionsAll += l.ConnectionsAll
		t.Requests += l.Requests
		t.BytesIn += l.BytesIn
		t.BytesOut += l.BytesOut
		t.EpollWakeups += l.EpollWakeups
		t.Syscalls.EpollWait += l.Syscalls.EpollWait
		t.Syscalls.EpollCtl += l.Syscalls.EpollCtl
		t.Syscalls.Accept4 += l.Syscalls.Accept4
		t.Syscalls.Read += l.Syscalls.Read
		t.Syscalls.Write += l.Syscalls.Write
		t.Syscalls.Sendfile += l.Syscalls.Sendfile
		t.Timeouts += l.Timeouts
		t.StaleEvents += l.StaleEvents
		t.Shed += l.Shed
		t.Rejected += l.Rejected
		t.RequestErrors += l.RequestErrors
		t.OutputWaits += l.OutputWaits
		t.HandlerPanics += l.HandlerPanics
		t.HeldBytes += l.HeldBytes
	}
	return t
}
