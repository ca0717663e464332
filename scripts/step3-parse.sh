#!/usr/bin/env bash
# step3-parse.sh: what the parser of step 3 makes of good requests and bad ones.
#
# Builds bin/step3-parse and pipes requests into it with printf: a simple
# GET, two pipelined requests, a chunked POST, a request handed over one
# byte at a time with -trace (its first lines), then six bad requests: two
# spaces after the method, HTTP/2.0, a folded header line, a space before a
# colon, no Host, and a target over the limit. Each bad one prints the byte
# where the parser stopped, the status a server would answer, and why.
# Notes: notes/03-parse.md.
#
#   scripts/step3-parse.sh [--quick]
. "$(dirname "$0")/lib.sh" "$@"

# parse CMDLINE: print and run a command line that feeds bin/step3-parse.
# The command exits 1 when it refuses a request, which is what the bad
# examples are for, so the status is reported instead of ending the script.
parse() {
	local status=0
	run_sh "$1" || status=$?
	if ((status != 0)); then
		echo "# exit status $status: refused; a server answers with that status, then closes"
	fi
}

say "build step 3"
build step3-parse

say "a simple GET: request line, one field, the empty line"
assign REQ 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n'
parse 'printf "$REQ" | bin/step3-parse'

say "two requests in one read (pipelining): the body's length says where the second begins"
assign REQ 'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'
parse 'printf "$REQ" | bin/step3-parse'

say "the same two, as JSON: one object per request, 'consumed' counts its bytes"
parse 'printf "$REQ" | bin/step3-parse -json'

say "a chunked POST: sizes in hex, an extension (ignored), a trailer (dropped)"
assign REQ 'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;note=x\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n'
parse 'printf "$REQ" | bin/step3-parse'

say "one byte at a time, as a slow client sends it (the first 16 lines of the trace)"
echo "# each 'need more bytes' is a read that ended there; the next call goes on"
echo "# from that byte, in that state, and never reads the earlier bytes again"
assign REQ 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'
parse 'printf "$REQ" | bin/step3-parse -trace -feed 1 | sed -n 1,16p'

say "bad: two spaces after the method (RFC 9112 §3: exactly one SP)"
assign REQ 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n'
parse 'printf "$REQ" | bin/step3-parse'

say "bad: HTTP/2.0 in an HTTP/1 request line (only 1.0 and 1.1 are served)"
assign REQ 'GET / HTTP/2.0\r\nHost: a\r\n\r\n'
parse 'printf "$REQ" | bin/step3-parse'

say "bad: a folded header line, obs-fold (RFC 9112 §5.2 lets a server refuse it)"
assign REQ 'GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n two\r\n\r\n'
parse 'printf "$REQ" | bin/step3-parse'

say "bad: a space between a field name and its colon (RFC 9112 §5.1: MUST reject)"
assign REQ 'GET / HTTP/1.1\r\nHost : a\r\n\r\n'
parse 'printf "$REQ" | bin/step3-parse'

say "bad: an HTTP/1.1 request without Host (RFC 9112 §3.2)"
assign REQ 'GET / HTTP/1.1\r\nUser-Agent: demo\r\n\r\n'
parse 'printf "$REQ" | bin/step3-parse'

say "bad: a 9000-byte target, over the 8 KiB request-line limit"
echo "# printf '%09000d' 0 writes 9000 zeros; the offset is the limit itself"
parse "printf 'GET /%09000d HTTP/1.1\r\nHost: a\r\n\r\n' 0 | bin/step3-parse"

echo
echo "# every good request parsed, every bad one got its status and reason;"
echo "# scripts/step3-smuggle.sh shows the requests that are bad because they are ambiguous"
