package httpparse

import (
	"bytes"
	"testing"
)

// After Rebase, every slice of the Request points into the new copy, and
// the old bytes can be overwritten without the Request changing.
func TestRebaseMovesEverySlice(t *testing.T) {
	msg := "\r\nPOST /up?x=1 HTTP/1.1\r\nHost: example\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 5\r\n\r\n"
	old := []byte(msg + "hel")
	p := New(DefaultLimits())
	step, err := p.Parse(old)
	if err != nil || step.Kind != Head {
		t.Fatalf("Parse: %v, %v", step, err)
	}
	r := p.Request()
	moved := append([]byte(nil), old[:r.HeadLen]...)
	p.Rebase(moved)
	for i := range old {
		old[i] = 'X'
	}
	if string(r.Method) != "POST" || string(r.Target) != "/up?x=1" || string(r.Version) != "HTTP/1.1" ||
		string(r.Host) != "example" || string(r.Upgrade) != "h2c" {
		t.Fatalf("after Rebase: %q %q %q host %q upgrade %q", r.Method, r.Target, r.Version, r.Host, r.Upgrade)
	}
	want := [][2]string{{"Host", "example"}, {"Connection", "upgrade"}, {"Upgrade", "h2c"}, {"Content-Length", "5"}}
	for i, h := range r.Headers {
		if string(h.Name) != want[i][0] || string(h.Value) != want[i][1] {
			t.Fatalf("field %d: %q: %q, want %v", i, h.Name, h.Value, want[i])
		}
	}
	for _, s := range [][]byte{r.Method, r.Target, r.Headers[0].Value} {
		if !bytes.Contains(moved, s) || &s[0] == &old[0] {
			t.Fatal("a slice still points at the old bytes")
		}
	}
	// The body goes on from where it was: the parser's state did not move.
	if step, err := p.Parse([]byte("lo")); err != nil || step.Kind != Body || string(step.Body) != "lo" {
		t.Fatalf("after Rebase the body: %v, %v", step, err)
	}
}
