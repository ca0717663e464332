#!/usr/bin/env bash
# final-curl.sh: a tour of the final server's routes with curl.
#
# Starts bin/final on a free port with one event loop, then asks for every
# route once: the home page, /plaintext, POST /echo, /headers, /healthz,
# /stats (trimmed to the totals), a static file sent with sendfile(2), the
# same file revalidated (curl -z, If-None-Match: 304) and a download of it
# cut short and resumed (curl -C -: a Range, 206), an unsatisfiable range
# (416), a directory without its slash (301, the query kept), HEAD, a 404, a
# 405 with its Allow field, OPTIONS, a path that tries to climb out of the
# static root, and two URLs in one curl to show keep-alive ("Re-using
# existing connection"). Last, it stops the server and shows its access log
# and the summary it prints at exit. Notes: notes/04-final.md, sections "Run
# it", "Static files and the walls around the root" and "Validators and
# ranges".
#
#   scripts/final-curl.sh [--quick]

# This script prints the commands it runs, $ signs and all, in single quotes.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh" "$@"

need curl

# Every curl is bounded, so a server that hangs ends the tour with an error
# instead of a frozen classroom.
CURL="curl --max-time 10"

# The tour is short either way; --quick only skips the full home page.
say "build the final server"
build final

say "start it: one event loop, so every request goes through the same thread"
start_server final bin/final -addr 127.0.0.1:0 -loops 1

say "GET /: the map of the course, as HTML"
if ((QUICK)); then
	run_sh "$CURL -s http://$ADDR/ | head -n 5"
else
	run_sh "$CURL -s http://$ADDR/"
fi

say "GET /plaintext with -v: what curl sends, what comes back"
# -v writes the exchange to stderr; 2>&1 keeps it in order with the body.
run_sh "$CURL -sv -w '\\n' http://$ADDR/plaintext 2>&1 | grep -v -e '^\* ' -e '^[{}] '"
echo "# > lines are curl's request, < lines the server's response head. Server, Date"
echo "# and Content-Length are on every response: the server adds them after the"
echo "# handler returns (appendResponse in final/server/response.go)."

say "POST /echo: the body comes back, with the Content-Type it was sent with"
run_sh "$CURL -si -w '\\n' -H 'Content-Type: text/x-course' --data-binary 'echo me, please' http://$ADDR/echo"

say "GET /headers: the request as the parser saw it"
run $CURL -s "http://$ADDR/headers"
echo "# loop: 0 is the event loop that served this connection; with -loops 4 it varies"

say "GET /healthz"
run $CURL -s -w '\n' "http://$ADDR/healthz"

say "GET /stats: counters per loop and in total (here only the totals)"
# The JSON is indented by the server; sed keeps the block named "total".
run_sh "$CURL -s http://$ADDR/stats | sed -n '/\"total\"/,/^  }/p'"
echo "# syscalls counts the loop's own calls by kind: compare read and write with"
echo "# requests (scripts/final-pipeline.sh makes them differ a lot)"

say "GET /static/hello.txt: a file, sent with sendfile(2)"
run $CURL -si "http://$ADDR/static/hello.txt"

say "revalidation: is my copy still good? 304, and no body"
# The validators, as the server sent them above; a browser keeps them with
# its copy of the file.
FILE=http://$ADDR/static/hello.txt
run_sh "$CURL -sI $FILE | grep -E '^(ETag|Last-Modified|Cache-Control):'"
assign LM "$($CURL -sI "$FILE" | sed -n 's/^Last-Modified: //p' | tr -d '\r')"
assign ETAG "$($CURL -sI "$FILE" | sed -n 's/^ETag: //p' | tr -d '\r')"
run_sh "$CURL -si -z \"\$LM\" $FILE"
echo "# -z DATE sends If-Modified-Since: the file has not changed since, so 304 Not Modified,"
echo "# no body, the validators repeated (RFC 9110 section 15.4.5)"
run_sh "$CURL -si -H \"If-None-Match: \$ETAG\" $FILE | head -n 1"
run_sh "$CURL -si -H 'If-None-Match: \"some-other-version\"' $FILE | head -n 1"
echo "# the entity tag names this version of the file; another tag gets the file again."
echo "# Cache-Control: no-cache makes a browser ask like this before each use of its copy"

say "a download cut short, resumed with curl -C -: a Range, and 206 Partial Content"
run_sh "head -c 10 final/static/hello.txt > $WORK/hello.txt; cat $WORK/hello.txt; echo"
run_sh "$CURL -sv -C - -o $WORK/hello.txt $FILE 2>&1 | grep -E '^[<>] (Range|HTTP|Content-)'"
run_sh "cmp $WORK/hello.txt final/static/hello.txt && echo the same bytes"
echo "# curl had 10 bytes and asked for the rest (bytes=10-); the server sent them with"
echo "# sendfile(2) from offset 10, and Content-Range says which part of the file they are"
run_sh "$CURL -si -r 100- $FILE | grep -E '^(HTTP|Content-Range)'"
echo "# no byte of that range is in the file: 416, and Content-Range gives its size"
run_sh "$CURL -s -o /dev/null -w '%{http_code} %{size_download} bytes\\n' -r 0-4,10-14 $FILE"
echo "# two ranges get the whole file: a 200, which RFC 9110 section 14.2 allows"

say "a directory without its slash: 301 to the same path with it, the query kept"
run_sh "$CURL -si 'http://$ADDR/static?page=2' | grep -E '^(HTTP|Location)'"

say "HEAD /plaintext: the same head as GET, Content-Length included, no body"
run $CURL -sI "http://$ADDR/plaintext"

say "a path nobody serves: 404"
run $CURL -si "http://$ADDR/no/such/page"

say "a known path, the wrong method: 405, and Allow lists the right ones"
run $CURL -si -X DELETE "http://$ADDR/plaintext"

say "OPTIONS asks what a path takes: 204 and Allow"
run $CURL -si -X OPTIONS "http://$ADDR/echo"

say "climbing out of the static root"
# curl would squash /../ itself; --path-as-is sends it as typed.
run $CURL -si --path-as-is "http://$ADDR/static/../../etc/passwd"
echo "# the encoded spelling is decoded first, then refused the same way:"
run $CURL -s "http://$ADDR/static/%2e%2e/%2e%2e/etc/passwd"
echo "# and an encoded slash is refused outright:"
run $CURL -s "http://$ADDR/static/..%2f..%2fetc%2fpasswd"
echo "# cleanPath in final/static.go refuses these before any file is opened;"
echo "# openat2(2) with RESOLVE_BENEATH is the second wall (notes/04-final.md)"

say "keep-alive: two URLs in one curl, one connection"
run_sh "$CURL -sv -o /dev/null -o /dev/null http://$ADDR/plaintext http://$ADDR/healthz 2>&1 | grep -E '^\\* (Connected|Re-using)|^< (HTTP|Content-Length)'"
echo "# one Connected, one Re-using: HTTP/1.1 keeps a connection open unless"
echo "# someone says Connection: close (RFC 9112 section 9.3)"

say "stop it: SIGTERM drains requests in flight, then the server exits 0"
stop_server "$PID"
echo "# the access log (Common Log Format) is on stdout, the summary on stderr:"
show final
