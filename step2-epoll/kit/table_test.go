//go:build linux

package kit

import (
	"math"
	"testing"
)

type testConn struct{ name string }

// The story of note 02's stale events, played on the table: a connection
// closed earlier in a batch, its number handed out again by accept4, then
// the old event for that number.
func TestStaleEventsAreTold(t *testing.T) {
	var table Table[testConn]
	old, reused := &testConn{"old"}, &testConn{"reused"}
	staleTag := table.Add(7, old)
	table.Remove(7)
	newTag := table.Add(7, reused)
	if newTag == staleTag {
		t.Fatalf("the same fd got the same tag %d twice", newTag)
	}
	if got := table.Get(7, staleTag); got != nil {
		t.Fatalf("an event for the closed connection found %q", got.name)
	}
	if got := table.Get(7, newTag); got != reused {
		t.Fatal("an event for the new connection did not find it")
	}
	for _, fd := range []int{-1, 0, 6, 8, 99} {
		if table.Get(fd, newTag) != nil {
			t.Errorf("Get(%d) found a connection; only fd 7 is in the table", fd)
		}
	}
	if table.Get(7, 0) != nil {
		t.Error("tag 0 (the listener's, the eventfd's) found a connection")
	}
}

func TestAddRemoveAndLen(t *testing.T) {
	var table Table[testConn]
	if table.Len() != 0 || table.Get(0, 1) != nil {
		t.Fatal("the zero Table is not empty")
	}
	tags := map[uint32]bool{}
	for _, fd := range []int{5, 3, 200, 4} {
		tag := table.Add(fd, &testConn{})
		if tag == 0 || tags[tag] {
			t.Fatalf("Add(%d) gave tag %d: zero, or given before", fd, tag)
		}
		tags[tag] = true
	}
	if table.Len() != 4 {
		t.Fatalf("Len = %d after 4 Adds", table.Len())
	}
	table.Remove(200)
	table.Remove(200) // not in the table any more: ignored
	table.Remove(1)   // never was
	table.Remove(-1)
	table.Remove(1000)
	if table.Len() != 3 {
		t.Fatalf("Len = %d, want 3", table.Len())
	}
	table.Add(3, &testConn{}) // replaces: still 3 connections
	if table.Len() != 3 {
		t.Fatalf("Len = %d after replacing fd 3, want 3", table.Len())
	}
}

func TestTagsSkipZeroWhenTheyWrapAround(t *testing.T) {
	var table Table[testConn]
	table.lastTag = math.MaxUint32 - 1
	c := &testConn{}
	if tag := table.Add(1, c); tag != math.MaxUint32 {
		t.Fatalf("tag %d, want %d", tag, uint32(math.MaxUint32))
	}
	tag := table.Add(2, c)
	if tag != 1 {
		t.Fatalf("after the largest tag came %d, want 1 (0 is never a connection's)", tag)
	}
	if table.Get(2, 1) != c {
		t.Fatal("the connection with the wrapped tag is not found")
	}
}

func TestEachVisitsEveryConnectionAndMayRemoveIt(t *testing.T) {
	var table Table[testConn]
	want := map[int]*testConn{}
	for _, fd := range []int{9, 3, 4, 12, 0} {
		want[fd] = &testConn{}
		table.Add(fd, want[fd])
	}
	var order []int
	table.Each(func(fd int, c *testConn) {
		if want[fd] != c {
			t.Errorf("Each gave fd %d with the wrong connection", fd)
		}
		order = append(order, fd)
		table.Remove(fd) // as closing every connection at shutdown does
	})
	if len(order) != 5 || order[0] != 0 || order[4] != 12 {
		t.Fatalf("Each visited %v, want all 5 in descriptor order", order)
	}
	if table.Len() != 0 {
		t.Fatalf("Len = %d after removing each, want 0", table.Len())
	}
	table.Each(func(fd int, _ *testConn) { t.Errorf("fd %d still in the table", fd) })
}

// The loop calls Get once per event: it must cost no allocation.
func TestGetDoesNotAllocate(t *testing.T) {
	var table Table[testConn]
	tag := table.Add(42, &testConn{})
	var found *testConn
	allocs := testing.AllocsPerRun(1000, func() { found = table.Get(42, tag) })
	if allocs != 0 || found == nil {
		t.Fatalf("Get: %.1f allocations per call (found: %v), want 0", allocs, found != nil)
	}
}
