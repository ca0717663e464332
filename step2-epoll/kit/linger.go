//go:build linux

package kit

import (
	"errors"

	"epollhttp/step1-socket/sock"

	"golang.org/x/sys/unix"
)

// A lingering close ends a connection without losing its last response.
// close(2) on a socket with unread input makes the kernel send RST instead
// of FIN (RFC 9293 §3.6.1: it says data was lost), and
// an RST can make the client throw away response bytes it has received but
// not read yet (RFC 9112 §9.6 describes the trap). So the loop sends its FIN
// with ShutdownWrite, keeps the connection, and Discards what the client
// still sends until the client's FIN, a limit of bytes, or a timer of the
// caller's ends the wait; only then does it close.

// ShutdownWrite sends our FIN with shutdown(fd, SHUT_WR): the client reads
// end of file after the last response, and we can still read. shutdown(2)
// never sleeps, so it cannot fail with EINTR.
func ShutdownWrite(trace *sock.Narrator, fd int) error {
	return sock.Shutdown(trace, fd, unix.SHUT_WR)
}

// Discard reads once into scratch and drops what it read. done reports
// that the connection should now be closed: end of file (the client's FIN),
// an error other than EAGAIN (a reset), or more than limit bytes discarded
// in all, counted in *discarded across calls. A call that returns false
// without adding to *discarded found nothing to read (EAGAIN): a caller
// that reads until EAGAIN stops there.
func Discard(trace *sock.Narrator, fd int, scratch []byte, discarded *int, limit int) (done bool) {
	n, err := sock.Read(trace, fd, scratch)
	if errors.Is(err, unix.EAGAIN) {
		return false
	}
	if err != nil || n == 0 {
		return true
	}
	*discarded += n
	return *discarded > limit
}
