//go:build linux

package poll

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestEventNames(t *testing.T) {
	tests := []struct {
		mask uint32
		want string
	}{
		{0, "0"},
		{unix.EPOLLIN, "EPOLLIN"},
		{unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, "EPOLLIN|EPOLLRDHUP|EPOLLET"},
		{unix.EPOLLOUT | unix.EPOLLERR | unix.EPOLLHUP, "EPOLLOUT|EPOLLERR|EPOLLHUP"},
		{1 << 20, "0x100000"},
	}
	for _, tt := range tests {
		if got := EventNames(tt.mask); got != tt.want {
			t.Errorf("EventNames(%#x) = %q, want %q", tt.mask, got, tt.want)
		}
	}
}

// A pipe is the simplest thing epoll can watch: write to one end and the
// other end becomes readable.
func TestAddWaitModifyRemove(t *testing.T) {
	p, err := New(8, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var ends [2]int
	if err := unix.Pipe2(ends[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ends[0])
	defer unix.Close(ends[1])
	r, w := ends[0], ends[1]

	if err := p.Add(r, unix.EPOLLIN, 42); err != nil {
		t.Fatal(err)
	}
	if events, _ := p.Wait(0); len(events) != 0 {
		t.Fatalf("an empty pipe is not readable, got %v", events)
	}
	unix.Write(w, []byte("x"))
	events, err := p.Wait(10_000)
	if err != nil || len(events) != 1 {
		t.Fatalf("Wait = %v, %v; want one event", events, err)
	}
	if ev := events[0]; int(ev.Fd) != r || ev.Pad != 42 || ev.Events&unix.EPOLLIN == 0 {
		t.Fatalf("event %+v, want EPOLLIN for fd %d with tag 42", ev, r)
	}
	// Level-triggered: still readable, so reported again.
	if events, _ := p.Wait(0); len(events) != 1 {
		t.Fatalf("level-triggered: want the event again, got %v", events)
	}
	// Edge-triggered: reported once per arrival.
	if err := p.Modify(r, unix.EPOLLIN|unix.EPOLLET, 43); err != nil {
		t.Fatal(err)
	}
	p.Wait(0) // MOD re-checks readiness and may report it once
	if events, _ := p.Wait(0); len(events) != 0 {
		t.Fatalf("edge-triggered, no new bytes: want no event, got %v", events)
	}
	if err := p.Remove(r); err != nil {
		t.Fatal(err)
	}
	unix.Write(w, []byte("y"))
	if events, _ := p.Wait(0); len(events) != 0 {
		t.Fatalf("after Remove: want no event, got %v", events)
	}
}
