// Package parsers times step 3's request parser beside two others on the
// same bytes, in one run: fasthttp's RequestHeader.Read, the header parser
// of the fastest widely used Go HTTP/1.1 server, and net/http.ReadRequest,
// the one every Go server starts with. notes/03-parse.md (section "Beside
// fasthttp") shows the figures.
//
// It is a module of its own, outside go.work, because fasthttp needs a
// newer Go (1.26) than the course promises (1.22) and brings dependencies
// the course's modules must not have. Run it from this directory:
//
//	GOWORK=off go test -run '^$' -bench . -benchmem -count 10 > /tmp/parsers.txt
//	benchstat -col /parser /tmp/parsers.txt
//
// benchstat (go install golang.org/x/perf/cmd/benchstat@latest) puts the
// three parsers side by side, each one's time against fasthttp's, which
// comes first. On a machine other work keeps busy, TestFastestBatch
// interleaves the parsers in small batches and keeps each one's fastest:
//
//	GOWORK=off go test -run TestFastestBatch -v . -args -batches 2000
package parsers
