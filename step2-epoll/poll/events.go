//go:build linux

package poll

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// eventNames lists the epoll event bits a server meets, in the order strace
// prints them (epoll_ctl(2) describes each).
var eventNames = []struct {
	bit  uint32
	name string
}{
	{unix.EPOLLIN, "EPOLLIN"},           // readable: bytes, a new connection, or end of file
	{unix.EPOLLPRI, "EPOLLPRI"},         // urgent data; never used by HTTP
	{unix.EPOLLOUT, "EPOLLOUT"},         // writable: the send buffer has room again
	{unix.EPOLLERR, "EPOLLERR"},         // an error is pending (a reset); always reported
	{unix.EPOLLHUP, "EPOLLHUP"},         // both directions are shut; always reported
	{unix.EPOLLRDHUP, "EPOLLRDHUP"},     // the peer shut its writing side (half close)
	{unix.EPOLLET, "EPOLLET"},           // edge-triggered: report changes, not states
	{unix.EPOLLONESHOT, "EPOLLONESHOT"}, // report once, then disarm until modified
}

// EventNames spells an event mask as strace does: "EPOLLIN|EPOLLRDHUP".
func EventNames(mask uint32) string {
	var names []string
	for _, e := range eventNames {
		if mask&e.bit != 0 {
			names = append(names, e.name)
			mask &^= e.bit
		}
	}
	if mask != 0 {
		names = append(names, fmt.Sprintf("%#x", mask))
	}
	if len(names) == 0 {
		return "0"
	}
	return strings.Join(names, "|")
}
