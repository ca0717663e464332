// Command nethttp is the reference the benchmarks measure final against:
// Go's net/http with the same /plaintext route, the same response bytes,
// and the same ready line. It is the one program of the repository, tests
// aside, that imports net/http, and only to be measured.
//
//	go run ./bench/nethttp -addr 127.0.0.1:0
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	addr := flag.String("addr", ":8080", "host:port to listen on")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("/plaintext", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"text/plain; charset=utf-8"}
		h["Server"] = []string{"nethttp"}
		w.Write([]byte("Hello, World!"))
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nethttp:", err)
		os.Exit(1)
	}
	fmt.Printf("nethttp: listening on %s\n", ln.Addr())
	go func() {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
		<-signals
		os.Exit(0)
	}()
	if err := http.Serve(ln, mux); err != nil {
		fmt.Fprintln(os.Stderr, "nethttp:", err)
		os.Exit(1)
	}
}
