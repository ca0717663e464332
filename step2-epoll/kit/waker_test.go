//go:build linux

package kit

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"epollhttp/step1-socket/servertest"
	"epollhttp/step1-socket/sock"
	"epollhttp/step2-epoll/poll"

	"golang.org/x/sys/unix"
)

func TestWakeWakesASleepingEpollWait(t *testing.T) {
	p, err := poll.New(8, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var trace bytes.Buffer
	w, err := NewWaker(&sock.Narrator{Out: &trace})
	if err != nil {
		t.Fatal(err)
	}
	fd := w.FD()
	if err := p.Add(fd, unix.EPOLLIN, 0); err != nil {
		t.Fatal(err)
	}

	go w.Wake() // from another goroutine, as a signal handler's would
	events, err := p.Wait(int(servertest.Patience.Milliseconds()))
	if err != nil || len(events) != 1 || int(events[0].Fd) != fd {
		t.Fatalf("Wait = %v, %v; want one event for the eventfd %d", events, err, fd)
	}

	w.Wake() // two wakes add up in the counter; one Clear empties it
	w.Clear()
	if events, _ := p.Wait(0); len(events) != 0 {
		t.Fatalf("after Clear the eventfd is still readable: %v", events)
	}
	w.Close()
	if w.FD() != -1 {
		t.Fatalf("FD() = %d after Close, want -1", w.FD())
	}
	want := fmt.Sprintf("eventfd2(0, EFD_CLOEXEC|EFD_NONBLOCK) = %d\nread(%d, ..., 8) = 8\nclose(%d) = 0\n", fd, fd, fd)
	if trace.String() != want {
		t.Fatalf("narration:\n%s\nwant:\n%s", trace.String(), want)
	}
}

func TestWakeAfterCloseIsHarmless(t *testing.T) {
	w, err := NewWaker(nil)
	if err != nil {
		t.Fatal(err)
	}
	closed := w.FD()
	w.Close()
	w.Close() // twice: nothing more to do
	w.Clear() // nothing to read

	// The kernel hands out the lowest free number, so the next descriptor
	// is most likely the one just closed. Wake must not write to it.
	other, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(other)
	t.Logf("closed %d, then opened %d", closed, other)
	w.Wake()
	var counter [8]byte
	if _, err := unix.Read(other, counter[:]); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("reading the new eventfd: %v, want EAGAIN: a Wake after Close wrote to it", err)
	}
}

// Under -race: Wake from several goroutines while the loop closes the
// Waker must neither race nor write to a closed number.
func TestWakeRacesWithCloseSafely(t *testing.T) {
	w, err := NewWaker(nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				w.Wake()
			}
		}()
	}
	for range 100 {
		w.Clear()
	}
	w.Close()
	wg.Wait()
	if w.FD() != -1 {
		t.Fatalf("FD() = %d after Close", w.FD())
	}
}
