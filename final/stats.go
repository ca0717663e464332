//go:build linux

package main

import (
	"encoding/json"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"epollhttp/final/server"
)

// statsPage serves /stats: every loop's counters and their sum, and the
// heap allocations per request since start-up, read from runtime/metrics
// only when someone asks (cheap: no counting on the request path).
type statsPage struct {
	srv        *server.Server
	allocsBase uint64
	gcAllowed  bool // -stats-gc
}

func heapAllocs() uint64 { return readMetric("/gc/heap/allocs:objects") }

// heapLive is the heap in use by live objects, as of the last collection.
func heapLive() uint64 { return readMetric("/memory/classes/heap/objects:bytes") }

func readMetric(name string) uint64 {
	sample := []metrics.Sample{{Name: name}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

type statsJSON struct {
	UptimeSeconds        float64            `json:"uptime_seconds"`
	Loops                []server.LoopStats `json:"loops"`
	Total                server.LoopStats   `json:"total"`
	HeapAllocs           uint64             `json:"heap_allocs"`
	HeapAllocsPerRequest float64            `json:"heap_allocs_per_request"`
	HeapBytes            uint64             `json:"heap_bytes"`
	Goroutines           int                `json:"goroutines"`
	LogLinesDropped      uint64             `json:"log_lines_dropped"`
}

// serve answers /stats. With ?gc=1, when the server was started with
// -stats-gc, it first collects garbage and gives freed memory back to the
// OS (debug.FreeOSMemory), so heap_bytes counts only live memory and the
// process's RSS is settled: what a soak test compares before and after.
// That stops the world for milliseconds, on every loop: no client may ask
// for it unless the operator turned it on.
func (s *statsPage) serve(w *server.ResponseWriter, r *server.Request) {
	if s.gcAllowed && string(r.Query) == "gc=1" {
		debug.FreeOSMemory()
	}
	loops := s.srv.Stats()
	out := statsJSON{
		UptimeSeconds:   time.Since(s.srv.Started()).Seconds(),
		Loops:           loops,
		Total:           server.Total(loops),
		HeapAllocs:      heapAllocs() - s.allocsBase,
		HeapBytes:       heapLive(),
		Goroutines:      runtime.NumGoroutine(),
		LogLinesDropped: s.srv.LogLinesDropped(),
	}
	if out.Total.Requests > 0 {
		out.HeapAllocsPerRequest = float64(out.HeapAllocs) / float64(out.Total.Requests)
	}
	body, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		w.Text(500, err.Error()+"\n")
		return
	}
	w.SetHeader("Content-Type", "application/json")
	w.Write(append(body, '\n'))
}
