#!/usr/bin/env bash
# step3-smuggle.sh: requests that two servers could frame two ways, and why
# the parser of step 3 refuses each one.
#
# Request smuggling needs two HTTP implementations on one path (a front-end
# proxy and a back end) that disagree on where a request ends: the bytes one
# takes for a body, the other takes for a second request. This script first
# plays both sides of the classic attack (Content-Length against
# Transfer-Encoding) with the parser itself, then pipes a dozen ambiguous
# requests into bin/step3-parse. For each it prints one line on what a
# confused front end and back end would do, then the parser's answer. The
# last case, a trailer that names a Content-Length, is accepted: trailers
# never change framing, and the request after it is read where it begins.
# Notes: notes/03-parse.md, section "Request smuggling".
#
#   scripts/step3-smuggle.sh [--quick]
. "$(dirname "$0")/lib.sh" "$@"

need sed

# parse CMDLINE: print and run a command line that feeds bin/step3-parse.
# The command exits 1 when it refuses a request, the expected outcome here,
# so the status is reported instead of ending the script.
parse() {
	local status=0
	run_sh "$1" || status=$?
	if ((status != 0)); then
		echo "# exit status $status: refused; a server answers with that status, then closes"
	fi
}

# confused TEXT: what a front end and a back end that disagree would do.
confused() { echo "# a confused pair: $*" | fit; }

say "build step 3"
build step3-parse

# The heads below share their first two lines.
POST='POST / HTTP/1.1\r\nHost: a\r\n'
CHUNKED="${POST}Transfer-Encoding: chunked\r\n\r\n"

say "the classic: Content-Length and Transfer-Encoding in one request"
assign CLTE 'POST /search HTTP/1.1\r\nHost: shop\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: shop\r\n\r\n'
echo "# a front end that frames by Content-Length sees one POST with a 40-byte body"
echo "# (the parser plays it when the Transfer-Encoding line is removed):"
parse 'printf "$CLTE" | sed "/^Transfer-Encoding:/d" | bin/step3-parse'
echo "# a back end that frames by Transfer-Encoding sees an empty body, then a"
echo "# GET /admin that the front end never checked (Content-Length removed):"
parse 'printf "$CLTE" | sed "/^Content-Length:/d" | bin/step3-parse'
echo "# this parser, given the real bytes:"
parse 'printf "$CLTE" | bin/step3-parse'

say "Transfer-Encoding first, Content-Length second"
confused "one lets Transfer-Encoding win and reads 11 bytes of chunks; one that lets the last framing field win reads 4 bytes, and the other 7 start the next request"
assign REQ "${POST}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n1\r\nZ\r\n0\r\n\r\n"
parse 'printf "$REQ" | bin/step3-parse'

say "two Content-Length fields"
confused "one takes the first (3), the other the last (19): for the first, GET / HTTP/1.1 begins the next request; for the second, it is body"
assign REQ "${POST}Content-Length: 3\r\nContent-Length: 19\r\n\r\nabcGET / HTTP/1.1\r\n"
parse 'printf "$REQ" | bin/step3-parse'

say "a Content-Length list, '5, 5'"
confused "one reads the list as 5 (RFC 9110 §8.6 allows identical values), one that ignores a value it cannot parse sees no body, and hello starts the next request"
assign REQ "${POST}Content-Length: 5, 5\r\n\r\nhello"
parse 'printf "$REQ" | bin/step3-parse'

say "Transfer-Encoding in an HTTP/1.0 request"
confused "one ignores Transfer-Encoding in HTTP/1.0 and frames by Content-Length; the other decodes chunks"
assign REQ "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"
parse 'printf "$REQ" | bin/step3-parse'

say "'Transfer-Encoding : chunked', a space before the colon"
confused "one keeps the space in the name, sees an unknown field and frames by Content-Length; the other trims the space and decodes chunks"
assign REQ "${POST}Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"
parse 'printf "$REQ" | bin/step3-parse'

say "'Transfer-Encoding: xchunked'"
confused "one looks for the substring chunked and decodes chunks; the other ignores a coding it does not know, sees no body, and 0 CRLF CRLF starts the next request"
assign REQ "${POST}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"
parse 'printf "$REQ" | bin/step3-parse'

say "'Transfer-Encoding: chunked, identity'"
confused "one reads the first coding, chunked; the other the last, identity, which means no coding and so no body: 0 CRLF CRLF starts the next request"
assign REQ "${POST}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"
parse 'printf "$REQ" | bin/step3-parse'

say "'Transfer-Encoding: gzip, chunked': well formed, but not implemented"
confused "none: this one is unambiguous, chunked comes last; but a server that cannot undo gzip must not pretend, so 501 (RFC 9112 §6.1)"
assign REQ "${POST}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
parse 'printf "$REQ" | bin/step3-parse'

say "a bare LF after a chunk size"
confused "one ends the size line at the LF; the other reads on to the next CRLF, taking the LF for part of an extension: they start the data at different bytes"
assign REQ "${CHUNKED}5\nhello\r\n0\r\n\r\n"
parse 'printf "$REQ" | bin/step3-parse'

say "a bare CR in chunked framing"
confused "one takes a CR alone for a line end, the other does not: the same disagreement on where the data begins"
assign REQ "${CHUNKED}5\rhello\r\n0\r\n\r\n"
parse 'printf "$REQ" | bin/step3-parse'

say "a trailer that tries to set Content-Length: accepted, and ignored"
confused "a server that merges trailers into the head could re-frame the message, or the next one, by the trailer's Content-Length"
echo "# trailers are checked and dropped; the GET after the body is read where it begins:"
assign REQ "${CHUNKED}1\r\nx\r\n0\r\nContent-Length: 50\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n"
parse 'printf "$REQ" | bin/step3-parse'

echo
echo "# every ambiguous request above was refused with its reason, and a server"
echo "# would close the connection after answering: past such a request, nobody"
echo "# knows where the next one begins (RFC 9112 §9.6, §11.2)"
