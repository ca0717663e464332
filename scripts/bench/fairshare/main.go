// Command fairshare measures what large downloads cost a server's other
// clients: one keep-alive client asks for a small response at a steady
// pace (every 10 ms) and times each answer, first alone, then while a few
// clients download a large file as fast as loopback allows. Against a
// server with one event loop, the second figure shows whether one busy
// connection can hold the loop: a loop that writes until EAGAIN makes the
// small request wait for megabytes; one that gives each connection a
// bounded share of a wakeup answers it within a share or two.
// scripts/final-fairshare.sh runs it; notes/05-hardening.md explains it.
//
// Each download runs in a process of its own (this program again, with
// -downloader), as another client's would. In one Go process the timed
// request would wait for the Go scheduler as well as for the server: a
// goroutine that always finds bytes to read never parks, so the timed
// goroutine, woken by the network poller, can wait for a time slice (10 ms)
// behind the downloaders before it even sees its answer. That measures the
// client, not the server.
//
//	go run ./bench/fairshare -addr 127.0.0.1:8080 -download /static/big.bin -downloads 3 -for 5s
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	small := flag.String("path", "/plaintext", "the small request the timed client makes")
	every := flag.Duration("every", 10*time.Millisecond, "how often the timed client asks")
	download := flag.String("download", "/static/big.bin", "the large file the downloaders fetch")
	downloadAddr := flag.String("download-addr", "", "fetch the downloads from this server instead (a control: what the machine's load alone costs)")
	downloads := flag.Int("downloads", 3, "clients downloading at once")
	period := flag.Duration("for", 5*time.Second, "how long each measurement lasts")
	downloader := flag.Bool("downloader", false, "be one downloading client: download until standard input closes, then print the bytes read")
	flag.Parse()
	if *downloadAddr == "" {
		*downloadAddr = *addr
	}
	if *downloader {
		n, err := downloadUntilStdinCloses(*downloadAddr, *download)
		if err != nil {
			fail(err)
		}
		fmt.Println(n)
		return
	}

	alone, err := timeRequests(*addr, *small, *every, *period)
	if err != nil {
		fail(err)
	}
	report("alone", alone)

	clients, err := startDownloaders(*downloads, *downloadAddr, *download)
	if err != nil {
		fail(err)
	}
	busy, err := timeRequests(*addr, *small, *every, *period)
	read, stopErr := stopDownloaders(clients)
	if err != nil {
		fail(err)
	}
	if stopErr != nil {
		fail(stopErr)
	}
	report(fmt.Sprintf("during %d downloads (%d MB read)", *downloads, read>>20), busy)
}

// downloader is one downloading client, a child process: closing its
// standard input tells it to stop; it then prints how many bytes it read.
type downloader struct {
	cmd  *exec.Cmd
	stop io.WriteCloser
	out  strings.Builder
}

// startDownloaders starts n downloading clients, each this program again
// with -downloader.
func startDownloaders(n int, addr, path string) ([]*downloader, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var clients []*downloader
	for i := 0; i < n; i++ {
		d := &downloader{cmd: exec.Command(self, "-downloader", "-download-addr", addr, "-download", path)}
		d.cmd.Stdout = &d.out
		d.cmd.Stderr = os.Stderr
		if d.stop, err = d.cmd.StdinPipe(); err == nil {
			err = d.cmd.Start()
		}
		if err != nil {
			stopDownloaders(clients)
			return nil, fmt.Errorf("starting a downloader: %w", err)
		}
		clients = append(clients, d)
	}
	return clients, nil
}

// stopDownloaders stops every client and returns the bytes they read.
func stopDownloaders(clients []*downloader) (int64, error) {
	var total int64
	var firstErr error
	for _, d := range clients {
		d.stop.Close()
	}
	for _, d := range clients {
		err := d.cmd.Wait()
		n, parseErr := strconv.ParseInt(strings.TrimSpace(d.out.String()), 10, 64)
		if err == nil {
			err = parseErr
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("a downloader: %w", err)
		}
		total += n
	}
	return total, firstErr
}

// downloadUntilStdinCloses is a downloader's whole life.
func downloadUntilStdinCloses(addr, path string) (int64, error) {
	stop := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(stop)
	}()
	var read atomic.Int64
	if err := downloadUntil(addr, path, stop, &read); err != nil {
		return 0, fmt.Errorf("downloader: GET %s from %s: %w", path, addr, err)
	}
	return read.Load(), nil
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "fairshare: %v\n", err)
	os.Exit(1)
}

// timeRequests asks for path on one keep-alive connection every interval
// for period, and returns how long each answer took, from the write of
// the request to the last byte of the response.
func timeRequests(addr, path string, interval, period time.Duration) ([]time.Duration, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	br := bufio.NewReader(c)
	request := "GET " + path + " HTTP/1.1\r\nHost: fairshare\r\n\r\n"
	var took []time.Duration
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for end := time.Now().Add(period); time.Now().Before(end); <-tick.C {
		c.SetDeadline(time.Now().Add(30 * time.Second))
		asked := time.Now()
		if _, err := io.WriteString(c, request); err != nil {
			return nil, err
		}
		if _, err := readResponse(br, io.Discard); err != nil {
			return nil, fmt.Errorf("GET %s: %w", path, err)
		}
		took = append(took, time.Since(asked))
	}
	return took, nil
}

// downloadUntil fetches path again and again on one keep-alive connection,
// reading as fast as it can, until stop is closed; then it hangs up in
// the middle of whatever it was reading.
func downloadUntil(addr, path string, stop <-chan struct{}, total *atomic.Int64) error {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	go func() { <-stop; c.Close() }()
	br := bufio.NewReaderSize(c, 256<<10)
	counted := countingWriter{total}
	for {
		if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: fairshare\r\n\r\n"); err != nil {
			return stopped(stop, err)
		}
		status, err := readResponse(br, counted)
		if err != nil {
			return stopped(stop, err)
		}
		if status != 200 {
			return fmt.Errorf("GET %s: status %d", path, status)
		}
	}
}

// stopped turns the error of a connection closed by stop into nil.
func stopped(stop <-chan struct{}, err error) error {
	select {
	case <-stop:
		return nil
	default:
		return err
	}
}

type countingWriter struct{ n *atomic.Int64 }

func (w countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}

// readResponse reads one response framed by Content-Length, copies its
// body to body, and returns its status.
func readResponse(br *bufio.Reader, body io.Writer) (int, error) {
	status := 0
	length := int64(-1)
	for first := true; ; first = false {
		line, err := br.ReadString('\n')
		if err != nil {
			return 0, err
		}
		if first {
			fields := strings.Fields(line)
			if len(fields) < 2 {
				return 0, fmt.Errorf("bad status line %q", line)
			}
			status, _ = strconv.Atoi(fields[1])
			continue
		}
		if line == "\r\n" {
			break
		}
		if name, value, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "Content-Length") {
			length, _ = strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		}
	}
	if length < 0 {
		return 0, fmt.Errorf("a response without Content-Length")
	}
	_, err := io.CopyN(body, br, length)
	return status, err
}

// report prints the answers' count and their median, 99th percentile and
// worst time.
func report(what string, took []time.Duration) {
	if len(took) == 0 {
		fmt.Printf("%s: no answers\n", what)
		return
	}
	slices.Sort(took)
	at := func(p int) time.Duration { return took[(len(took)-1)*p/100] }
	fmt.Printf("%s: %d answers, median %v, p99 %v, worst %v\n",
		what, len(took), round(at(50)), round(at(99)), round(took[len(took)-1]))
}

// round keeps three significant digits or so: 1.234ms, 87µs.
func round(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
