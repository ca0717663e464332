package httpparse

import (
	"bytes"
	"fmt"
	"strings"
)

// message is one parsed request, copied out of the buffer so that tests can
// compare results from different ways of feeding the same bytes.
type message struct {
	Method, Target, Version string
	Minor                   int
	Headers                 string // "Name: value|Name: value"
	Framing                 Framing
	ContentLength           int64
	KeepAlive               bool
	Expect                  Expectation
	Upgrade, Host           string
	Body                    string
	Consumed                int // bytes from the message start to its end
}

// outcome is everything parsing a stream produced.
type outcome struct {
	Messages []message
	Err      *Error // the error that stopped the stream, if any
	Pending  int    // bytes left over: the start of an incomplete message
}

func (o outcome) String() string {
	var s strings.Builder
	for i, m := range o.Messages {
		fmt.Fprintf(&s, "#%d %+v\n", i, m)
	}
	if o.Err != nil {
		fmt.Fprintf(&s, "error %d %q at %d\n", o.Err.Status, o.Err.Reason, o.Err.Offset)
	}
	fmt.Fprintf(&s, "pending %d\n", o.Pending)
	return s.String()
}

// feed parses input the way a server would: the bytes arrive in pieces of
// the given sizes, each appended to a buffer, and after each arrival Parse
// is called until it needs more. Consumed bytes are dropped. With move set,
// the unconsumed bytes are copied to a fresh buffer after every arrival,
// which a parser holding pointers instead of offsets would not survive.
// Every slice passed to Parse has its capacity cut to its length, so a read
// past the end would panic.
func feed(limits Limits, input []byte, pieces []int, move bool) outcome {
	p := New(limits)
	var (
		out      outcome
		buf      []byte
		start    int
		current  *message
		msgStart int // total consumed when the current message began
		total    int // bytes consumed so far
	)
	for _, size := range pieces {
		buf = append(buf, input[:size]...)
		input = input[size:]
		for {
			step, err := p.Parse(buf[start:len(buf):len(buf)])
			if err != nil {
				e := *err.(*Error)
				out.Err = &e
				return out
			}
			start += step.Consumed
			total += step.Consumed
			switch step.Kind {
			case Head:
				current = headOf(p.Request())
			case Body:
				current.Body += string(step.Body)
			case Done:
				current.Consumed = total - msgStart
				out.Messages = append(out.Messages, *current)
				current, msgStart = nil, total
			}
			if step.Kind == NeedMore {
				break
			}
		}
		if move {
			buf, start = append([]byte(nil), buf[start:]...), 0
		}
	}
	out.Pending = len(buf) - start
	return out
}

func headOf(r *Request) *message {
	var h []string
	for _, f := range r.Headers {
		h = append(h, string(f.Name)+": "+string(f.Value))
	}
	return &message{
		Method: string(r.Method), Target: string(r.Target), Version: string(r.Version), Minor: r.Minor,
		Headers: strings.Join(h, "|"), Framing: r.Framing, ContentLength: r.ContentLength,
		KeepAlive: r.KeepAlive, Expect: r.Expect, Upgrade: string(r.Upgrade), Host: string(r.Host),
	}
}

// whole feeds everything at once.
func whole(limits Limits, input string) outcome {
	return feed(limits, []byte(input), []int{len(input)}, false)
}

// splitAt feeds input in two pieces, cut at k.
func splitAt(limits Limits, input string, k int, move bool) outcome {
	return feed(limits, []byte(input), []int{k, len(input) - k}, move)
}

// byteByByte feeds input one byte at a time.
func byteByByte(limits Limits, input string, move bool) outcome {
	pieces := bytes.Repeat([]byte{1}, len(input))
	sizes := make([]int, len(pieces))
	for i := range sizes {
		sizes[i] = 1
	}
	return feed(limits, []byte(input), sizes, move)
}
