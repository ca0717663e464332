package main

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
)

// Stage 5, hardening (notes/05-hardening.md): clients that take time or
// descriptors and give nothing back, and a shutdown that loses nothing.
// It needs the tester to start the server (-- CMD): it signals one
// instance and starves another of descriptors.

func stage5Checks() []check {
	return []check{
		{stage: 5, name: "slow_head", fn: slowHead,
			asks:  "a head trickling a byte every 250 ms: cut after -header-timeout",
			learn: "notes/05-hardening.md#the-clock-starts-once"},
		{stage: 5, name: "idle_keep_alive", fn: idleKeepAlive,
			asks:  "a keep-alive connection left idle: closed after -idle-timeout",
			learn: "notes/05-hardening.md#408-or-just-close"},
		{stage: 5, name: "sigterm", fn: sigterm,
			asks:  "SIGTERM with a request in flight: it is answered, then exit status 0",
			learn: "notes/05-hardening.md#graceful-shutdown-and-waking-a-loop-with-an-eventfd"},
		{stage: 5, name: "descriptor_flood", fn: descriptorFlood,
			asks:  "200 connections, 64 descriptors allowed: no exit, no spin, served",
			learn: "notes/05-hardening.md#out-of-descriptors-emfile-and--max-conns"},
	}
}

// grace is how long past a timeout the tester waits for it to fire: twice
// the timeout and five seconds more, for a server that checks its timers
// once a second on a busy machine.
func grace(d time.Duration) time.Duration { return 2*d + 5*time.Second }

func slowHead(r *run) result {
	limit := r.s.headerTimeout
	c, err := r.dial("client (a byte every 250 ms)")
	if err != nil {
		return failf("%s", r.words(err))
	}
	start := time.Now()
	head := r.request("GET", "/")
	if err := c.send(append(head[:len(head)-2], "X-Slow: "...)); err != nil {
		return failf("%s", r.words(err))
	}
	deadline := start.Add(grace(limit))
	for time.Now().Before(deadline) && !c.closed && len(c.buf) == 0 {
		if err := c.fill(time.Now().Add(250 * time.Millisecond)); err != nil && !errors.Is(err, errTimedOut) {
			break
		}
		if !c.closed && len(c.buf) == 0 && c.send([]byte("a")) != nil {
			c.fill(time.Now().Add(time.Second)) // the server is gone: read how it left
			break
		}
	}
	took := time.Since(start)
	expect := fmt.Sprintf("the connection cut (a 408 first, if you like) about -header-timeout (%s) after its first byte, however many bytes trickle in", limit)
	if !c.closed && len(c.buf) == 0 {
		c.record("end", nil, fmt.Sprintf("still open after %s", took.Round(100*time.Millisecond)))
		return failf("still open after %s of a head trickling in", took.Round(100*time.Millisecond)).expecting("%s", expect)
	}
	how := "closed"
	if len(c.buf) > 0 {
		resp, err := c.response("GET")
		if err != nil {
			return failf("%s", r.words(err)).expecting("%s", expect)
		}
		if resp.status != 408 {
			return failf("status %d to a head still arriving", resp.status).expecting("%s", expect)
		}
		if res, ok := r.closeAfter(c, "after a 408 the connection ends (RFC 9110 §15.5.9)"); !ok {
			return res
		}
		how = "408, then closed"
	}
	if took < limit/2 {
		return failf("%s after %s, before the header timeout of %s: is that the server's -header-timeout?", how, took.Round(100*time.Millisecond), limit).
			expecting("%s", expect)
	}
	return passf("%s after %.1fs (header timeout %s)", how, took.Seconds(), limit)
}

func idleKeepAlive(r *run) result {
	limit := r.s.idleTimeout
	c, err := r.dial("client")
	if err != nil {
		return failf("%s", r.words(err))
	}
	if err := c.send(r.request("GET", "/")); err != nil {
		return failf("%s", r.words(err))
	}
	resp, err := c.response("GET")
	if res, ok := r.expectStatus(resp, err, 200); !ok {
		return res
	}
	if resp.closes() {
		return failf("the answer said Connection: close").expecting("a connection kept alive, then closed when idle for -idle-timeout (%s)", limit)
	}
	start := time.Now()
	err = c.waitClose(grace(limit))
	took := time.Since(start)
	var eb *extraBytes
	if errors.As(err, &eb) { // a 408 is a poor choice on an idle connection, but not wrong
		if resp, rerr := c.response("GET"); rerr == nil && resp.status == 408 {
			err = c.waitClose(r.s.timeout)
		}
	}
	expect := fmt.Sprintf("the close, about -idle-timeout (%s) after the answer: idle clients must not keep descriptors for ever", limit)
	switch {
	case errors.Is(err, errTimedOut):
		return failf("still open after %s idle", took.Round(100*time.Millisecond)).expecting("%s", expect)
	case err != nil:
		return failf("%s", r.words(err)).expecting("%s", expect)
	case took < limit/2:
		return failf("closed after %s idle, before the idle timeout of %s: is that the server's -idle-timeout?", took.Round(100*time.Millisecond), limit).
			expecting("%s", expect)
	}
	return passf("closed after %.1fs idle (idle timeout %s)", took.Seconds(), limit)
}

// fresh starts another instance of the server, for a check that ends it.
func (r *run) fresh(nofile int) (*server, error) {
	srv, err := r.s.launch.start(nofile, r.s.host)
	if err != nil {
		return nil, err
	}
	r.srv, r.addr = srv, srv.addr
	return srv, nil
}

func sigterm(r *run) result {
	srv, err := r.fresh(0)
	if err != nil {
		return failf("starting a second instance: %v", err)
	}
	defer srv.stop()
	idle, err := r.dial("client A, idle after one answer")
	if err != nil {
		return failf("%s", r.words(err))
	}
	if err := idle.send(r.request("GET", "/")); err != nil {
		return failf("client A: %s", r.words(err))
	}
	if _, err := idle.response("GET"); err != nil {
		return failf("client A: %s", r.words(err))
	}
	// Client B sends a whole request and the start of another in one
	// write. The answer to the first proves the server has read the
	// second's start: that one is in flight when the signal comes.
	b, err := r.dial("client B, a request in flight")
	if err != nil {
		return failf("%s", r.words(err))
	}
	post := r.withBody("POST", "/echo", []byte("helloworld"), "Content-Type: text/plain")
	rest := post[len(post)-5:]
	if err := b.send(append(r.request("GET", "/"), post[:len(post)-5]...)); err != nil {
		return failf("client B: %s", r.words(err))
	}
	if _, err := b.response("GET"); err != nil {
		return failf("client B, first request: %s", r.words(err))
	}
	if err := srv.signal(syscall.SIGTERM); err != nil {
		return failf("kill -TERM: %v", err)
	}
	b.record("wait", nil, "SIGTERM sent; 500ms")
	pause(500 * time.Millisecond)
	expect := "the request in flight answered in full, the connections closed, and the exit with status 0"
	if err := b.send(rest); err != nil {
		return failf("client B, the rest of its body after SIGTERM: %s", r.words(err)).expecting("%s", expect).more(srv)
	}
	resp, err := b.response("POST")
	if res, ok := r.expectBody(resp, err, "helloworld", ""); !ok {
		res.summary = "the request in flight at SIGTERM: " + res.summary
		return res.expecting("%s", expect).more(srv)
	}
	idle.close()
	b.close()
	const within = 20 * time.Second
	if !srv.exitedWithin(within) {
		return failf("answered, but still running %s after SIGTERM", within).expecting("%s", expect).more(srv)
	}
	if srv.exitCode() != 0 {
		return failf("answered, then %s", srv.status()).expecting("%s", expect).more(srv)
	}
	return passf("the request in flight answered; exit status 0")
}

const (
	floodLimit = 64  // descriptors, soft and hard, as scripts/final-emfile.sh
	floodConns = 200 // connections, far past the limit
	floodHold  = 2 * time.Second
)

func descriptorFlood(r *run) result {
	srv, err := r.fresh(floodLimit)
	if err != nil {
		return failf("starting an instance with %d descriptors: %v", floodLimit, err)
	}
	defer srv.stop()
	pid := srv.cmd.Process.Pid
	var wg sync.WaitGroup
	var mu sync.Mutex
	var flood []*client
	for i := 0; i < floodConns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c, err := r.dial(fmt.Sprintf("flood client %d", i+1)); err == nil {
				mu.Lock()
				flood = append(flood, c)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	expect := "the server alive and calm at its limit (no exit, no busy loop), and serving again once the flood goes"
	var used time.Duration // the server's CPU time while the flood is held
	before, err := cpuTime(pid)
	if err == nil {
		pause(floodHold)
		var after time.Duration
		after, err = cpuTime(pid)
		used = after - before
	}
	if srv.exitedWithin(100 * time.Millisecond) {
		return failf("%d connections against %d descriptors: the server ended (%s)", len(flood), floodLimit, srv.status()).
			expecting("%s", expect).more(srv).showing()
	}
	if err != nil {
		return failf("reading the server's CPU time: %v", err).showing()
	}
	if used > floodHold/4 {
		return failf("%s of CPU in %s at the descriptor limit: a busy loop (accept4 failing with EMFILE, the listener still readable)", used, floodHold).
			expecting("%s", expect).showing()
	}
	for _, c := range flood {
		c.close()
	}
	// Served again: the server may take a moment to notice the closes.
	deadline := time.Now().Add(r.s.timeout)
	var last result
	for attempt := 1; time.Now().Before(deadline); attempt++ {
		c, resp, err := r.roundTrip(fmt.Sprintf("client after the flood, try %d", attempt), "GET", r.request("GET", "/", "Connection: close"))
		res, ok := r.expectStatus(resp, err, 200)
		if ok {
			return passf("%d connections, %d descriptors: alive, %s of CPU in %s, then served",
				len(flood), floodLimit, used.Round(10*time.Millisecond), floodHold).showing()
		}
		last = res.showing(c)
		if srv.exited() {
			break
		}
		pause(200 * time.Millisecond)
	}
	last.summary = "after the flood: " + last.summary
	return last.expecting("%s", expect).more(srv)
}
