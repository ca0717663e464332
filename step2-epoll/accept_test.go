//go:build linux

package main

import (
	"fmt"
	"net"
	"sync"
	"testing"

	"epollhttp/step1-socket/servertest"
)

// TestEveryWaitingClientIsAccepted connects many clients at once and sends
// nothing: each must be accepted and watched all the same. In edge mode one
// report on the listener may stand for several connections in its queue,
// and none comes for those left behind, so acceptAll must take them all,
// until EAGAIN. Only accept4 is tested here: no client sends a byte.
func TestEveryWaitingClientIsAccepted(t *testing.T) {
	for _, m := range []struct {
		name string
		cfg  config
	}{{"edge", config{edge: true, drain: true}}, {"level", config{}}} {
		t.Run(m.name, func(t *testing.T) {
			const senders, each = 8, 25
			var (
				mu      sync.Mutex
				clients []net.Conn
			)
			// Cleanups run last first: the clients close after the server
			// has stopped, so no close reaches the loop as an event.
			t.Cleanup(func() {
				for _, c := range clients {
					c.Close()
				}
			})
			s := startServer(t, m.cfg)
			var wg sync.WaitGroup
			for range senders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						c, err := net.DialTimeout("tcp", s.listener.Addr.String(), servertest.Patience)
						if err != nil {
							t.Errorf("dial: %v", err)
							return
						}
						mu.Lock()
						clients = append(clients, c)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			servertest.WaitUntil(t, fmt.Sprintf("all %d clients accepted (in edge mode, only accept4 until EAGAIN takes them all)", senders*each),
				func() bool { return s.counters.accepts.Load() == senders*each })
			if open := s.counters.open.Load(); open != senders*each {
				t.Fatalf("%d connections open, want %d: each accepted client is kept and watched", open, senders*each)
			}
		})
	}
}
