//go:build linux

// Command step3-parse shows what the parser of step 3 sees in a stream of
// raw bytes: one request or several pipelined, from FILE or stdin.
//
//	printf 'GET / HTTP/1.1\r\nHost: a\r\n\r\n' | go run ./step3-parse -trace
//	go run ./step3-parse [-json] [-trace] [-feed N] [-diagram] [FILE]
//
// Exit status: 0 when every request parsed, 1 when one was rejected or the
// input ended in the middle of one, 2 for a usage error.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"epollhttp/step3-parse/httpparse"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("step3-parse", flag.ContinueOnError)
	flags.SetOutput(stderr)
	asJSON := flags.Bool("json", false, "print one JSON object per request")
	trace := flags.Bool("trace", false, "print every state transition of the parser")
	feedSize := flags.Int("feed", 0, "feed the parser N bytes at a time, as a socket might (0: all at once)")
	diagram := flags.Bool("diagram", false, "print the parser's state diagram (Mermaid), traced from sample requests")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: step3-parse [-json] [-trace] [-feed N] [-diagram] [FILE]")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *diagram {
		fmt.Fprint(stdout, stateDiagram())
		return 0
	}
	if flags.NArg() > 1 || *feedSize < 0 {
		flags.Usage()
		return 2
	}
	input, err := readInput(flags.Arg(0), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "step3-parse: %v\n", err)
		return 2
	}
	out := &printer{w: stdout, json: *asJSON}
	if *trace {
		out.trace = stdout
		if *asJSON {
			out.trace = stderr // keep stdout one JSON object per line
		}
	}
	if !parseStream(input, *feedSize, out) {
		return 1
	}
	return 0
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "" || name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

// parseStream runs the parser over the input the way a server would: bytes
// arrive feedSize at a time into a buffer; the parser is called until it
// needs more; consumed bytes are dropped. It reports whether every request
// parsed: input that ends inside a message is reported, with the state the
// parser stopped in, and counts as a failure. The end of the input is the
// one arrival of zero bytes, as read(2) returning 0 is on a socket; the
// buffer alone cannot tell, since a body is consumed as it comes and an
// empty buffer may be a parser waiting in the middle of one.
func parseStream(input []byte, feedSize int, out *printer) bool {
	if feedSize == 0 {
		feedSize = max(len(input), 1)
	}
	p := httpparse.New(httpparse.DefaultLimits())
	var (
		buf     []byte // bytes received and not yet consumed
		body    []byte
		number  = 1
		started = 0 // bytes of the current message consumed so far
	)
	p.Trace = func(from, to httpparse.State, offset int) {
		out.transition(from, to, offset, buf[min(max(offset-started, 0), len(buf)):])
	}
	for sent := 0; ; {
		arrived := min(feedSize, len(input)-sent)
		buf = append(buf, input[sent:sent+arrived]...)
		sent += arrived
		for {
			step, err := p.Parse(buf)
			if err != nil {
				out.rejected(number, err.(*httpparse.Error))
				return false
			}
			buf = buf[step.Consumed:]
			started += step.Consumed
			switch step.Kind {
			case httpparse.Head:
				body = body[:0]
			case httpparse.Body:
				body = append(body, step.Body...)
			case httpparse.Done:
				out.request(number, p.Request(), body, started)
				number, started = number+1, 0
				continue
			}
			if step.Kind == httpparse.NeedMore {
				break
			}
		}
		if arrived == 0 { // the end of the input: nothing more will come
			if len(buf) > 0 || p.State() != httpparse.StateStart {
				out.incomplete(number, p.State(), started+len(buf))
				return false
			}
			return true
		}
		if sent < len(input) {
			out.needMore(p.State(), started+len(buf))
		}
	}
}
