//go:build linux

package sock

import "time"

// StartRuntimePoller makes the Go runtime open its own epoll instance (and
// the eventfd it wakes it with) now, at start-up.
//
// The runtime keeps one epoll instance of its own, beside any the program
// makes, to run timers and the net package. It opens it lazily, the first
// time a timer is armed, and if the process has no free descriptor at that
// moment the runtime cannot recover: it stops with "netpollinit failed".
// A server that can be driven to EMFILE by its clients must therefore make
// that first timer happen before it opens anything. A one-microsecond sleep
// is the simplest timer there is. (strace shows the pair as
// epoll_create1 and eventfd2 right after start.)
func StartRuntimePoller() {
	time.Sleep(time.Microsecond)
}
