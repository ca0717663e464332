//go:build linux

package main

import (
	"encoding/json"
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
}

const allocsMetric = "/gc/heap/allocs:objects"

func heapAllocs() uint64 {
	sample := []metrics.Sample{{Name: allocsMetric}}
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
}

func (s *statsPage) serve(w *server.ResponseWriter, r *server.Request) {
	loops := s.srv.Stats()
	out := statsJSON{
		UptimeSeconds: time.Since(s.srv.Started()).Seconds(),
		Loops:         loops,
		Total:         server.Total(loops),
		HeapAllocs:    heapAllocs() - s.allocsBase,
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
