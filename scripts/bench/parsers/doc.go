// Package parsers times step 3's request parser beside two others on the
// same bytes, in one run: fasthttp's RequestHeader.Read, the fastest
// widely used Go HTTP/1.1 header parser, and net/http.ReadRequest, the one
// every Go server starts with. notes/03-parse.md shows the figures.
//
// It is a module of its own, outside go.work, because fasthttp needs a
// newer Go (1.26) than the course promises (1.22) and brings dependencies
// the course's modules must not have. Run it from this directory:
//
//	GOWORK=off go test -run '^$' -bench . -benchmem -count 10 > bench.txt
//	benchstat -col /parser bench.txt
//
// benchstat (go install golang.org/x/perf/cmd/benchstat@latest) puts the
// three parsers side by side, with each one's time as a ratio of step 3's.
package parsers
