//go:build linux

package server

import (
	"os"
	"testing"
)

// The tests run the engine with its self-checks on: every move checked
// against the transitions table, every state's invariants checked after
// it, a closed conn that is touched panics (lifecycle.go, conn.go).
func TestMain(m *testing.M) {
	strict = true
	os.Exit(m.Run())
}
