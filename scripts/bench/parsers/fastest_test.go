package parsers

import (
	"flag"
	"fmt"
	"testing"
	"time"
)

var batches = flag.Int("batches", 0, "TestFastestBatch: batches of 200 parses per parser and head (0: skip the test)")

// TestFastestBatch is a second way to time the parsers, for a machine that
// other work keeps busy: it runs small batches of each parser in turn, on
// the same head, and keeps each one's fastest batch. Another program can
// only make a batch slower, never faster, so the fastest of many is the
// parser's own speed, and the parsers, interleaved batch by batch, see the
// same machine. It prints nanoseconds per parse and step 3's time as a
// share of fasthttp's:
//
//	GOWORK=off go test -run TestFastestBatch -v . -args -batches 2000
func TestFastestBatch(t *testing.T) {
	if *batches <= 0 {
		t.Skip("run with -args -batches N")
	}
	const perBatch = 200
	for _, in := range inputs {
		parse := make([]func() (int, error), len(parsers))
		best := make([]time.Duration, len(parsers))
		for k, p := range parsers {
			parse[k] = p.make([]byte(in.head))
			best[k] = time.Hour
		}
		for range *batches {
			for k, f := range parse {
				start := time.Now()
				for range perBatch {
					if _, err := f(); err != nil {
						t.Fatal(err)
					}
				}
				best[k] = min(best[k], time.Since(start))
			}
		}
		line := fmt.Sprintf("%-8s", in.name)
		for k, p := range parsers {
			line += fmt.Sprintf("  %s %6.1f ns", p.name, float64(best[k].Nanoseconds())/perBatch)
		}
		// parsers[0] is fasthttp, parsers[1] step 3.
		t.Logf("%s  step3/fasthttp %.2f", line, float64(best[1])/float64(best[0]))
	}
}
