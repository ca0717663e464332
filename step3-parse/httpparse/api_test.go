package httpparse

import (
	"strings"
	"testing"
)

func TestAnErrorSticksUntilReset(t *testing.T) {
	p := New(DefaultLimits())
	_, err := p.Parse([]byte("GET  / HTTP/1.1\r\n"))
	if err == nil {
		t.Fatal("no error")
	}
	if _, again := p.Parse([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")); again != err {
		t.Fatalf("after an error: %v, want the same error", again)
	}
	p.Reset()
	if step, err := p.Parse([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")); err != nil || step.Kind != Head {
		t.Fatalf("after Reset: %v, %v", step, err)
	}
}

func TestHeaderLookupIgnoresCase(t *testing.T) {
	p := New(DefaultLimits())
	p.Parse([]byte("GET / HTTP/1.1\r\nHost: a\r\nX-Thing: one\r\nx-thing: two\r\n\r\n"))
	r := p.Request()
	if v, ok := r.Header("X-THING"); !ok || string(v) != "one" {
		t.Fatalf("Header(X-THING) = %q, %v; want the first, one", v, ok)
	}
	if _, ok := r.Header("Missing"); ok {
		t.Fatal("Header(Missing) found something")
	}
}

func TestSlicesCannotReachTheBytesAfterThem(t *testing.T) {
	in := []byte("GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
	p := New(DefaultLimits())
	p.Parse(in)
	r := p.Request()
	_ = append(r.Method, "XXXX"...) // must copy, not write over the target
	_ = append(r.Headers[0].Value, "YYYY"...)
	if string(in) != "GET /x HTTP/1.1\r\nHost: a\r\n\r\n" {
		t.Fatalf("the input changed: %q", in)
	}
}

func TestTraceSeesEveryChange(t *testing.T) {
	p := New(DefaultLimits())
	var got []string
	p.Trace = func(from, to State, offset int) {
		got = append(got, from.String()+">"+to.String())
	}
	in := []byte("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n")
	for start := 0; ; {
		step, err := p.Parse(in[start:])
		if err != nil {
			t.Fatal(err)
		}
		start += step.Consumed
		if step.Kind == Done {
			break
		}
	}
	want := "start>method method>target target>version version>request-line-lf request-line-lf>field-start " +
		"field-start>field-name field-name>field-value field-value>field-lf field-lf>field-start " +
		"field-start>field-name field-name>field-value field-value>field-lf field-lf>field-start " +
		"field-start>head-lf head-lf>chunk-size chunk-size>chunk-size-lf chunk-size-lf>chunk-data " +
		"chunk-data>chunk-data-cr chunk-data-cr>chunk-data-lf chunk-data-lf>chunk-size chunk-size>chunk-size-lf " +
		"chunk-size-lf>trailer-start trailer-start>trailer-end-lf trailer-end-lf>complete complete>start"
	if strings.Join(got, " ") != want {
		t.Fatalf("transitions:\n%s\nwant:\n%s", strings.Join(got, " "), want)
	}
}

func TestStepsOfAMessage(t *testing.T) {
	p := New(DefaultLimits())
	in := []byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab")
	headLen := len("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n")
	step, _ := p.Parse(in)
	if step.Kind != Head || step.Consumed != headLen {
		t.Fatalf("first step %+v, want the head (%d bytes)", step, headLen)
	}
	step, _ = p.Parse(in[headLen:])
	if step.Kind != Body || string(step.Body) != "ab" || step.Consumed != 2 {
		t.Fatalf("second step %+v, want body ab", step)
	}
	if step, _ = p.Parse(nil); step.Kind != NeedMore {
		t.Fatalf("with nothing new: %+v, want need-more", step)
	}
	step, _ = p.Parse([]byte("cdGET"))
	if step.Kind != Body || string(step.Body) != "cd" || step.Consumed != 2 {
		t.Fatalf("the rest: %+v, want body cd, not the next request's bytes", step)
	}
	if step, _ = p.Parse([]byte("GET")); step.Kind != Done || step.Consumed != 0 {
		t.Fatalf("then %+v, want done", step)
	}
}
