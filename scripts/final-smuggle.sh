#!/usr/bin/env bash
# final-smuggle.sh: request smuggling attempts sent to the final server.
#
# Each attempt is a request that two HTTP implementations could frame two
# ways (notes/03-parse.md, "Request smuggling"), followed in the same write
# by an innocent second request, GET /healthz. If the server framed the
# first one the way an attacker hopes, the second (or bytes of the first)
# would be answered as a request of its own. The script sends each with
# printf | nc, prints one line on what a confused front end and back end
# would make of it, then the server's answer: one 400 Bad Request with
# Connection: close, its reason, and the count of responses on that
# connection, which must be 1. A well-framed request comes first, to show
# that the same two-request stream gets two answers when nothing is wrong.
# These are the cases of TestSmugglingAttemptsAreRejected in
# final/campaign2_test.go. Notes: notes/05-hardening.md, section
# "Smuggling, over the network".
#
#   scripts/final-smuggle.sh [--quick]
. "$(dirname "$0")/lib.sh" "$@"

need nc netcat-openbsd

say "build and start the final server"
build final
start_server final bin/final -addr 127.0.0.1:0 -quiet

# Every attempt is followed by this request, in the same write.
SECOND='GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n'
POST='POST /echo HTTP/1.1\r\nHost: t\r\n'
CHUNKED="${POST}Transfer-Encoding: chunked\r\n\r\n"
bad=0

# attempt TITLE REQUEST CONFUSION: send REQUEST then $SECOND on one
# connection, and summarize what came back.
attempt() {
	local title=$1 request=$2 confusion=$3
	say "$title"
	echo "# a confused pair: $confusion" | fit
	send "$request$SECOND"
	summarize
}

# send REQUEST: the bytes, given as a printf format (\r\n), down one
# connection, half-closed after them (nc -N); the answer in $WORK/answer.
# -w 5 bounds the wait should the server never close.
send() {
	assign REQ "$1"
	print_line "printf \"\$REQ\" | nc -N -w 5 127.0.0.1 $PORT | tr -d '\\r' > $WORK/answer"
	# The request holds printf escapes (\r\n) on purpose: it is the format.
	# shellcheck disable=SC2059
	printf "$1" | nc -N -w 5 127.0.0.1 "$PORT" | tr -d '\r' >"$WORK/answer" || true
}

# count_responses: status lines in the answer. A body need not end with a
# newline (/echo sends back exactly what it got), so the next status line
# may follow it on the same line: count matches, not lines.
count_responses() {
	grep -a -o 'HTTP/1\.1 [0-9][0-9][0-9] ' "$WORK/answer" | wc -l
}

# summarize: the status lines, the Connection field and the reason (the
# body of a 400 is one line), then how many responses came.
summarize() {
	local responses
	responses=$(count_responses)
	print_line "grep -a -E '^HTTP/1.1 |^Connection:' $WORK/answer"
	grep -a -E '^HTTP/1.1 |^Connection:' "$WORK/answer" || true
	if grep -a -q '^HTTP/1.1 400 ' "$WORK/answer"; then
		print_line "tail -n 1 $WORK/answer"
		tail -n 1 "$WORK/answer" | fit # fit ends the line, which the body may not
	fi
	if [ "$responses" = 1 ]; then
		echo "# 1 response: the GET /healthz behind it was never read as a request"
	else
		echo "# $responses responses on this connection"
	fi
	if ! grep -a -q '^HTTP/1.1 400 ' "$WORK/answer" || [ "$responses" != 1 ]; then
		bad=$((bad + 1))
	fi
}

say "first, a request with nothing wrong: both requests are answered"
send "${POST}Content-Length: 4\r\n\r\nbody$SECOND"
print_line "grep -a -o 'HTTP/1\\.1 [0-9][0-9][0-9] .*' $WORK/answer"
grep -a -o 'HTTP/1\.1 [0-9][0-9][0-9] .*' "$WORK/answer"
echo "# $(count_responses) responses: the body was the 4 bytes 'body', and the GET after it a request"

attempt "Content-Length, then Transfer-Encoding" \
	"${POST}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" \
	"a front end that frames by Content-Length ends the body after '0\\r\\n\\r'; a back end that lets Transfer-Encoding win (RFC 9112 §6.3) ends it one byte later, so they disagree on where the next request starts"
attempt "Transfer-Encoding, then Content-Length" \
	"${POST}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" \
	"the same disagreement, for a pair where one side takes whichever framing field comes last"
attempt "two Content-Length fields" \
	"${POST}Content-Length: 4\r\nContent-Length: 38\r\n\r\nbody" \
	"one takes the first (4) and answers the GET after the body; the other takes the last (38) and swallows the GET as body"
attempt "the same Content-Length twice" \
	"${POST}Content-Length: 4\r\nContent-Length: 4\r\n\r\nbody" \
	"RFC 9110 §8.6 lets a recipient accept identical repeats; a front end that forwards both relies on every hop behind it doing the same, and one that refuses or merges them differently frames the stream its own way"
attempt "a Content-Length list, '4, 4'" \
	"${POST}Content-Length: 4, 4\r\n\r\nbody" \
	"one reads the list as 4; one that ignores a value it cannot parse sees no body, and 'body' begins the next request"
attempt "Transfer-Encoding in HTTP/1.0" \
	'POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' \
	"one ignores Transfer-Encoding in a 1.0 request and sees no body, so '0' begins the next request; the other decodes chunks"
attempt "a space before the colon" \
	"${POST}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" \
	"one keeps the space in the name, sees an unknown field and no body; the other trims it and decodes chunks"
attempt "'Transfer-Encoding: xchunked'" \
	"${POST}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" \
	"one looks for the substring chunked and decodes chunks; one that compares whole tokens sees an unknown coding"
attempt "'Transfer-Encoding: chunked, identity'" \
	"${POST}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" \
	"one reads the first coding (chunked), the other the last (identity: no coding, and so no body)"
attempt "two Transfer-Encoding: chunked fields" \
	"${POST}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" \
	"together they are the list 'chunked, chunked' (RFC 9110 §5.3): one decodes once, one twice, one refuses"
attempt "a vertical tab before chunked" \
	"${POST}Transfer-Encoding: \\vchunked\r\n\r\n0\r\n\r\n" \
	"one trims the tab as whitespace and decodes chunks; the other sees the coding '\\vchunked', which it does not know"
attempt "chunked with a parameter" \
	"${POST}Transfer-Encoding: chunked;x=1\r\n\r\n0\r\n\r\n" \
	"one drops the parameter and decodes chunks; the other compares the whole value and does not"
attempt "a folded Transfer-Encoding" \
	"${POST}Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n" \
	"one unfolds the line and sees chunked; the other sees an empty Transfer-Encoding and a line of its own"
attempt "a bare LF after a chunk size" \
	"${CHUNKED}4\nbody\r\n0\r\n\r\n" \
	"one ends the size line at the LF; the other reads on to the next CRLF: they start the data at different bytes"
attempt "a bare LF after chunk data" \
	"${CHUNKED}4\r\nbody\n0\r\n\r\n" \
	"one takes the LF for the end of the chunk; the other wants CRLF and reads the next line differently"
attempt "a bare CR in chunk framing" \
	"${CHUNKED}4\rbody\r\n0\r\n\r\n" \
	"one takes a lone CR for a line end, the other does not"
attempt "a bare LF ending the body" \
	"${CHUNKED}0\r\n\n" \
	"one ends the message at the LF; the other is still reading the trailer section, and takes the next request's first line for a trailer"
attempt "a chunk longer than its size" \
	"${CHUNKED}2\r\nbody\r\n0\r\n\r\n" \
	"one stops after the 2 bytes the size promised and reads 'dy' as the start of something else; a lenient one reads on to the CRLF"

say "the server after all that"
run_sh "curl -s --max-time 5 http://$ADDR/healthz; echo"
run_sh "curl -s http://$ADDR/stats | grep -E '\"(requests|request_errors)\"' | tail -n 2"
echo
if ((bad > 0)); then
	echo "# $bad attempts did not get exactly one 400"
	exit 1
fi
echo "# every attempt got one 400 and a closed connection: after a request whose framing"
echo "# is in doubt, nothing else on that connection can be trusted (RFC 9112 §9.6, §11.2)"
