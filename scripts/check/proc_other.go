//go:build !linux

package main

import (
	"errors"
	"time"
)

// Stage 5's descriptor flood needs Linux: prlimit(2) and /proc. The other
// stages are plain TCP and run anywhere, against a server anywhere.
var errNeedsLinux = errors.New("this check needs Linux (prlimit(2) and /proc)")

func setNofile(pid, n int) error { return errNeedsLinux }

func cpuTime(pid int) (time.Duration, error) { return 0, errNeedsLinux }
