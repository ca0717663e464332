//go:build linux

package server

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"
)

// The tests run the engine with its self-checks on: every move checked
// against the transitions table, every state's invariants checked after
// it, a closed conn that is touched panics (lifecycle.go, conn.go).
//
// After a full run (no -run), every (state, event) pair of the
// transitions table must have been taken by some test: a pair no test
// takes is a path no test checks.
func TestMain(m *testing.M) {
	strict = true
	// A loaded machine may take seconds between two steps of a test; a
	// lingering connection must not time out behind its back. The test of
	// the linger timeout shortens it for itself.
	lingerTime = 20 * time.Second
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && !testing.Short() {
		if missing := taken.missing(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "the transitions table has pairs no test takes:\n")
			for _, p := range missing {
				fmt.Fprintf(os.Stderr, "  %v --%v-->\n", p.from, p.on)
			}
			code = 1
		}
	}
	os.Exit(code)
}
