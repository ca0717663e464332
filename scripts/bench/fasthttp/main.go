// Command fasthttp is one of the peers scripts/bench.sh measures final
// beside: fasthttp (github.com/valyala/fasthttp), the fastest widely used
// HTTP/1.1 server library for Go. Its design is net/http's (a goroutine per
// connection, on Go's netpoller) with the allocations taken out: pooled
// request contexts, pooled buffers, a header parser that does not copy.
// It answers /plaintext as final does (Server, Date, Content-Type,
// Content-Length), with fasthttp's defaults for everything else, and runs
// on the one CPU that GOMAXPROCS allows it.
//
// It is a module of its own, outside go.work, because fasthttp asks for a
// newer Go (1.26) than the course promises (1.22), and so that the
// course's modules never see its dependencies. From this directory:
//
//	GOWORK=off go run . -addr 127.0.0.1:0
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/valyala/fasthttp"
)

const plaintextBody = "Hello, World!"

func handle(ctx *fasthttp.RequestCtx) {
	if string(ctx.Path()) != "/plaintext" {
		ctx.Error("not found\n", fasthttp.StatusNotFound)
		return
	}
	if !ctx.IsGet() && !ctx.IsHead() {
		ctx.Error("method not allowed\n", fasthttp.StatusMethodNotAllowed)
		// RFC 9110 §15.5.6: 405 lists the methods the resource allows
		// (after Error, which resets the response's fields).
		ctx.Response.Header.Set("Allow", "GET, HEAD")
		return
	}
	// fasthttp leaves HEAD's body out itself, keeping its Content-Length.
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString(plaintextBody)
}

func main() {
	addr := flag.String("addr", ":8080", "host:port to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fasthttp:", err)
		os.Exit(1)
	}
	fmt.Printf("fasthttp: listening on %s\n", ln.Addr())
	go func() {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
		<-signals
		os.Exit(0)
	}()
	s := &fasthttp.Server{Handler: handle, Name: "fasthttp"}
	if err := s.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "fasthttp:", err)
		os.Exit(1)
	}
}
