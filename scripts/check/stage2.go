package main

import (
	"bytes"
	"fmt"
	"sync"
	"time"
)

// Stage 2, epoll (notes/02-epoll.md): many clients at once, none of them
// able to hold up the others, connections kept alive, and requests too
// big for one read.

func stage2Checks() []check {
	return []check{
		{stage: 2, name: "many_clients", fn: manyClients,
			asks:  "200 clients connect at once, then each asks: all are answered",
			learn: "notes/02-epoll.md#the-loop"},
		{stage: 2, name: "slow_client", fn: slowClient,
			asks:  "a client holds half a request; another is answered meanwhile",
			learn: "notes/02-epoll.md#one-thread-per-client-or-one-thread-for-all"},
		{stage: 2, name: "keep_alive", fn: keepAlive,
			asks:  "three requests one after the other on one connection: three answers",
			learn: "notes/02-epoll.md#the-loop"},
		{stage: 2, name: "large_head", fn: largeHead,
			asks:  "a 6 KiB head, more than one 4 KiB read: answered",
			learn: "notes/02-epoll.md#level-or-edge"},
		{stage: 2, name: "large_body", fn: largeBody,
			asks:  "POST /echo, a 256 KiB body, then another request on the connection",
			learn: "notes/02-epoll.md#when-the-client-does-not-read-eagain-on-write-and-epollout"},
	}
}

const manyClientCount = 200

func manyClients(r *run) result {
	clients := make([]*client, manyClientCount)
	errs := make([]error, manyClientCount)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			clients[i], errs[i] = r.dial(fmt.Sprintf("client %d", i+1))
		}()
	}
	wg.Wait() // every one connected (or failed to) before any sends
	for i, c := range clients {
		if c == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = c.send(r.request("GET", "/")); errs[i] != nil {
				return
			}
			var resp *response
			resp, errs[i] = c.response("GET")
			if errs[i] == nil && resp.status != 200 {
				errs[i] = fmt.Errorf("status %d", resp.status)
			}
			c.close() // a one-client-at-a-time server can go on to the next
		}()
	}
	wg.Wait()
	answered := 0
	first := -1
	for i, err := range errs {
		if err == nil {
			answered++
		} else if first < 0 {
			first = i
		}
	}
	if first >= 0 {
		res := failf("%d of %d answered; client %d: %s", answered, manyClientCount, first+1, r.words(errs[first])).
			expecting("every client answered 200: one loop serves them all, each as its bytes arrive")
		return res.showing(clients[first]) // nil, when it could not connect: nothing to show
	}
	return passf("%d clients connected at once, %d answers", manyClientCount, answered).showing()
}

func slowClient(r *run) result {
	a, err := r.dial("client A, holding half a request")
	if err != nil {
		return failf("%s", r.words(err))
	}
	req := r.request("GET", "/", "Connection: close")
	if err := a.send(req[:len(req)-2]); err != nil { // all but the blank line
		return failf("client A: %s", r.words(err))
	}
	pause(100 * time.Millisecond) // A is first in the queue, as a slow client would be
	b, resp, err := r.roundTrip("client B", "GET", req)
	if res, ok := r.expectStatus(resp, err, 200); !ok {
		res.summary = "client B, while client A holds half a request: " + res.summary
		res.expected = "client B answered at once: a server that waits on one client serves nobody else meanwhile"
		return res
	}
	b.close()
	// B's answer must not have waited for the server to be done with A:
	// a one-client-at-a-time server with a header timeout answers B too,
	// once it has given up on A.
	if err := a.quiet(50 * time.Millisecond); err != nil {
		what := "closed client A's connection"
		if len(a.buf) > 0 {
			line, _, _ := bytes.Cut(a.buf, []byte("\r\n"))
			what = "answered client A, " + quoted(line, 40)
		}
		return failf("client B was answered only after the server had %s: it serves one client at a time", what).
			expecting("client B answered while client A still holds half a request")
	}
	if err := a.send(req[len(req)-2:]); err != nil {
		return failf("client A, finishing its request: %s", r.words(err))
	}
	resp, err = a.response("GET")
	if res, ok := r.expectStatus(resp, err, 200); !ok {
		res.summary = "client A, once its request was complete: " + res.summary
		return res
	}
	return passf("client B answered while client A held half a request; then A too")
}

func keepAlive(r *run) result {
	c, err := r.dial("client")
	if err != nil {
		return failf("%s", r.words(err))
	}
	const n = 3
	for i := 1; i <= n; i++ {
		if err := c.send(r.request("GET", "/")); err != nil {
			return failf("request %d on the connection: %s", i, r.words(err))
		}
		resp, err := c.response("GET")
		if res, ok := r.expectStatus(resp, err, 200); !ok {
			res.summary = fmt.Sprintf("request %d on the connection: %s", i, res.summary)
			res.expected = "an answer to each: an HTTP/1.1 connection stays open unless a side says close (RFC 9112 §9.3)"
			return res
		}
		if resp.closes() {
			return failf("response %d says Connection: close; the server ends the connection after every request", i).
				expecting("the connection kept open: HTTP/1.1 connections persist unless a side says close (RFC 9112 §9.3)")
		}
	}
	return passf("%d requests, %d answers, one connection", n, n)
}

// largeHead is the edge-triggered stall of note 2: the head does not fit
// one 4 KiB read, and no more bytes will come to wake the server up.
func largeHead(r *run) result {
	fields := []string{"Connection: close"}
	for i := 0; i < 64; i++ {
		fields = append(fields, fmt.Sprintf("X-Filler-%02d: %s", i, bytes.Repeat([]byte{'a' + byte(i%26)}, 80)))
	}
	req := r.request("GET", "/", fields...)
	c, resp, err := r.roundTrip("client", "GET", req)
	res := r.okThenClose(c, resp, err)
	if !res.pass {
		res.summary = fmt.Sprintf("a %d-byte head: %s", len(req), res.summary)
		res.expected = "an answer: the head takes more than one read(2), so keep reading (with edge-triggered epoll, until EAGAIN)"
		return res
	}
	return passf("a %d-byte head in one write: %s", len(req), res.summary)
}

func largeBody(r *run) result {
	c, err := r.dial("client")
	if err != nil {
		return failf("%s", r.words(err))
	}
	body := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KiB
	sent := c.sendAsync(r.withBody("POST", "/echo", body, "Content-Type: application/octet-stream"))
	resp, err := c.response("POST")
	if res, ok := r.expectStatus(resp, err, 200); !ok {
		res.summary = "POST /echo with a 256 KiB body: " + res.summary
		res.expected = "200: read the body as it comes, in as many reads as it takes, answering while reading if need be"
		return res
	}
	if err := <-sent; err != nil {
		return failf("sending the body: %s", r.words(err))
	}
	if resp.closes() {
		return passf("256 KiB body: 200 (the server closed after it)")
	}
	if err := c.send(r.request("GET", "/")); err != nil {
		return failf("the next request on the connection: %s", r.words(err))
	}
	resp, err = c.response("GET")
	if res, ok := r.expectStatus(resp, err, 200); !ok {
		res.summary = "after the 256 KiB body, the next request on the connection: " + res.summary
		res.expected = "200: the body ends where Content-Length says, and the next request starts there"
		return res
	}
	return passf("256 KiB body: 200; the next request on the connection: 200")
}
