#!/usr/bin/env bash
# final-pipeline.sh: pipelined requests, answered in order, with one read and
# one write for a whole batch.
#
# Sends three different requests in one go through nc and shows the three
# answers in order. Then compares 100 requests sent one at a time on a
# keep-alive connection (curl) with 100 sent in one write (nc), each against
# a fresh server, and prints the server's own syscall counts: about three
# calls per request for the first, a handful in all for the second. A /stats
# request at the end of the batch shows the 100 responses waiting for their
# single write. Last, a pipelined stream cut in odd places (in the middle of
# a method, a field name, a body) arrives in five writes, with the server's
# -trace showing which read completed which request. With --quick, 20 instead
# of 100. Notes: notes/04-final.md, section "Keep-alive and pipelining".
#
#   scripts/final-pipeline.sh [--quick]

# This script prints the commands it runs, $ signs and all, in single quotes.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh" "$@"

need curl
need nc netcat-openbsd

N=100
if ((QUICK)); then
	N=20
fi

REQ='GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n'

# summary NAME: the server's two exit lines, and its calls per request.
summary() {
	local name=$1
	run_sh "grep -E '^final: (served|syscalls)' $WORK/$name.err"
	awk '/^final: served/ { requests = $3 }
		/^final: syscalls/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[2] != "") n[kv[1]] = kv[2] } }
		END { printf "# per request: %.2f reads, %.2f writes, %.2f epoll_waits\n",
			n["read"] / requests, n["write"] / requests, n["epoll_wait"] / requests }' "$WORK/$name.err"
}

say "build the final server"
build final

say "three pipelined requests in one write: three answers, in the order asked"
start_server three bin/final -addr 127.0.0.1:0 -loops 1 -quiet
# A file, not printf | nc: bash's printf writes line by line into a pipe,
# and nc would pass each line on as it came. From a file, nc sends it whole.
THREE="$WORK/three.txt"
assign REQS 'GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nsecondGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
print_line "printf \"\$REQS\" > $THREE"
printf "$REQS" >"$THREE"
run_sh "cat -v $THREE"
echo "# ^M is the CR of each CRLF; the POST's body, 'second', runs straight into the"
echo "# next request line: Content-Length says where it ends (RFC 9112 section 6.2)"
run_sh "timeout 10 nc 127.0.0.1 $PORT < $THREE | tr -d '\\r'"
echo
echo "# the last request said Connection: close, so the server closed after its"
echo "# answer and nc ended. Responses go out in request order (RFC 9112 section 9.3.2)."
stop_server "$PID"

say "$N requests one after another on one keep-alive connection (curl)"
start_server seq bin/final -addr 127.0.0.1:0 -loops 1 -quiet
# curl's [1-N] makes N URLs; it fetches them in turn over one connection.
run_sh "curl -s --max-time 30 'http://$ADDR/plaintext?[1-$N]' | grep -o 'Hello, World!' | wc -l"
stop_server "$PID"
summary seq
echo "# each request costs its own epoll_wait, read and write: the client sends the"
echo "# next one only after it has the previous answer"

say "$N requests in one write (nc), and /stats as request $((N + 1))"
start_server batch bin/final -addr 127.0.0.1:0 -loops 1 -quiet
BATCH="$WORK/batch.txt"
print_line "for i in \$(seq $N); do printf '$REQ'; done > $BATCH"
for ((i = 0; i < N; i++)); do printf '%b' "$REQ"; done >"$BATCH"
print_line "printf 'GET /stats HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' >> $BATCH"
printf 'GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >>"$BATCH"
run_sh "wc -c < $BATCH"
run_sh "timeout 10 nc 127.0.0.1 $PORT < $BATCH > $WORK/batch.answers"
run_sh "grep -o 'HTTP/1.1 200 OK' $WORK/batch.answers | wc -l"
echo "# (grep -o, not grep -c: a body has no newline, so the next status line"
echo "# follows it on the same line)"
echo "# what /stats saw while it ran, after the other $N had been answered:"
run_sh "sed -n '/\"total\"/,/^  }/p' $WORK/batch.answers | grep -E '\"(requests|read|write|epoll_wait)\"'"
echo "# $N requests done, 1 read so far, and not a single write: their responses"
echo "# wait in the connection's output buffer, and go out with the /stats answer in"
echo "# one write(2) when the batch is done (flush in final/server/write.go)"
stop_server "$PID"
summary batch
run_sh "wc -c < $WORK/batch.answers"
echo "# all those bytes went out in the one write counted above"

say "a pipelined stream cut in odd places"
start_server split bin/final -addr 127.0.0.1:0 -loops 1 -quiet -trace
# Five pieces, each sent with one write(2) (cat of a file), and the next
# only after the server's read of the previous one shows in its trace, so
# every cut reaches the server as a cut.
PIECES=(
	'GET /plai'
	'ntext HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHo'
	'st: x\r\nContent-Length: 11\r\n\r\nhello'
	' worldGET /healthz HTTP/1.1\r\nHost: x\r\nConnec'
	'tion: close\r\n\r\n'
)
print_line "exec {conn}<>/dev/tcp/127.0.0.1/$PORT"
exec {conn}<>"/dev/tcp/127.0.0.1/$PORT"
export conn # for run_sh's bash, below
reads=0
for piece in "${PIECES[@]}"; do
	print_line "printf '$piece' > $WORK/piece; cat $WORK/piece >&\$conn"
	printf '%b' "$piece" >"$WORK/piece"
	cat "$WORK/piece" >&"$conn"
	reads=$((reads + 1))
	tries=100
	until (($(grep -c '^loop 0: read(' "$WORK/split.err") >= reads)) || ((tries-- == 0)); do
		sleep 0.1
	done
done
run_sh "timeout 10 cat <&\$conn | tr -d '\\r' | grep -E '^(HTTP|Hello|hello|ok)'"
print_line "exec {conn}<&-"
exec {conn}<&-
echo "# three answers, in order, from a stream cut in the middle of a method, a field"
echo "# name, a body and a header; the server's view:"
run_sh "grep -E '^loop 0: (read|write)\\(' $WORK/split.err"
echo "# read 1: half a method, nothing to answer, no write. read 2 completes the GET"
echo "# (answered at once) and starts the POST. read 3 completes its head; its body"
echo "# begins. read 4 ends the body (answered) and starts a GET. read 5 ends it. The"
echo "# parser resumed each time where it stopped; the head stayed where it was in"
echo "# the buffer until its request was answered."
stop_server "$PID"
