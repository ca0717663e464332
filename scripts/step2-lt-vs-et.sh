#!/usr/bin/env bash
# step2-lt-vs-et.sh: level-triggered, edge-triggered, and the edge-triggered stall.
#
# Starts three step 2 servers that read 16 bytes at a time: level-triggered
# (one read per wakeup), edge-triggered reading until EAGAIN, and
# edge-triggered with -drain=false, which reads once per wakeup like the
# level one. Each gets the same 203-byte request from curl. The first two
# answer; the third reads 16 bytes, is never told about the other 187, and
# curl gives up after 2 s (1 s with --quick). The script then prints the
# three traces side by side, cut down to what happened to the client, and
# the three servers' counters. Notes: notes/02-epoll.md, section "Level or edge".
#
#   scripts/step2-lt-vs-et.sh [--quick]

# This script prints the commands it runs, $ signs and all, in single quotes.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh" "$@"

need curl
need ss iproute2
need expand coreutils

MAXTIME=2
((QUICK)) && MAXTIME=1

# -A '' and -H 'Accept:' drop the two headers curl adds by itself, so the
# request has the same size (203 bytes, ports having five digits) whatever
# the curl version.
FILLER=$(printf '%0150d' 0)
CURL=(curl -s -A '' -H 'Accept:' -H "X-Filler: $FILLER")

# show_curl ARGS...: print a curl command as run_sh would, with the filler
# named rather than spelled out.
show_curl() {
	print_line "curl -s -A '' -H 'Accept:' -H \"X-Filler: \$FILLER\" $*"
}

# wait_reads FILE N: wait until the trace in FILE shows N reads.
wait_reads() {
	local file=$1 want=$2 tries=100
	until [ "$(grep -c '^read(' "$file")" -ge "$want" ]; do
		if ((tries-- == 0)); then
			echo "$file: fewer than $want reads after 10 s" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# client_fd FILE: the descriptor accept4 gave the client, from the trace.
client_fd() {
	sed -nE 's/^accept4\(.* = ([0-9]+)$/\1/p' "$1" | head -n 1
}


say "build step 2"
build step2-epoll

say "three servers, each asking read(2) for 16 bytes at a time"
start_server level bin/step2-epoll -addr 127.0.0.1:0 -bufsize 16 -trace -mode level
LEVEL=$PID LEVEL_ADDR=$ADDR
start_server edge bin/step2-epoll -addr 127.0.0.1:0 -bufsize 16 -trace -mode edge
EDGE=$PID EDGE_ADDR=$ADDR
start_server stall bin/step2-epoll -addr 127.0.0.1:0 -bufsize 16 -trace -mode edge -drain=false
STALL=$PID STALL_ADDR=$ADDR STALL_PORT=$PORT

say "level-triggered: answered"
print_line "FILLER=\$(printf '%0150d' 0)   # 150 zeros"
show_curl "http://$LEVEL_ADDR/"
"${CURL[@]}" "http://$LEVEL_ADDR/"
say "edge-triggered, reading until EAGAIN: answered"
show_curl "http://$EDGE_ADDR/"
"${CURL[@]}" "http://$EDGE_ADDR/"
# Wait for each server to read curl's end of file, so its trace is complete.
wait_for "$WORK/level.err" 'read([0-9]*, "", 16) = 0' 10
wait_for "$WORK/edge.err" 'read([0-9]*, "", 16) = 0' 10

say "edge-triggered, one read per wakeup: curl waits, then gives up after $MAXTIME s"
show_curl "--max-time $MAXTIME http://$STALL_ADDR/ &"
"${CURL[@]}" --max-time "$MAXTIME" "http://$STALL_ADDR/" &
CURL_PID=$!
STARTED+=("$CURL_PID")
wait_reads "$WORK/stall.err" 1
echo "# the server has made its one read; the rest of the request waits in the kernel,"
echo "# in the server socket's receive queue (Recv-Q), and nobody will ask for it:"
run_sh "ss -tn '( sport = :$STALL_PORT )'"
status=0
wait "$CURL_PID" || status=$?
echo "# curl exited with status $status; 28 is curl's \"operation timed out\""
echo "# its close sent a FIN: a new arrival, so a new edge, and one more read"
wait_reads "$WORK/stall.err" 2

say "the three traces side by side, cut down to the client's calls"
# Each server gets the same descriptors in the same order, so curl's
# connection has the same number in all three traces.
FD=$(client_fd "$WORK/level.err")
if [ "$(client_fd "$WORK/edge.err")" != "$FD" ] || [ "$(client_fd "$WORK/stall.err")" != "$FD" ]; then
	echo "the three servers gave curl different descriptors; compare the traces by hand" >&2
	exit 1
fi
# SHORTEN is a sed program: one short line per call on the client's
# descriptor, nothing else, so that three traces fit side by side.
SHORTEN="
s/^epoll_wait\([0-9]+, \[\{([A-Z|]+), fd=$FD\}.*/wait  \1/p
s/^read\($FD, \.\.\., [0-9]+\) = -1 ([A-Z]+) .*/read  \1/p
s/^read\($FD, \"\", [0-9]+\) = 0$/read  0: end of file/p
s/^read\($FD, (\".+\"), [0-9]+\) = ([0-9]+)$/read  \2 \1/p
s/^write\($FD, .*\) = ([0-9]+)$/write \1: the response/p"
echo "# curl's connection is descriptor $FD in all three; the program:"
printf 'SHORTEN=%s\n' "'$SHORTEN'"
echo "# paste joins the three with tabs; expand turns the tabs into 32-column stops"
print_line "paste <(echo LEVEL; sed -nE \"\$SHORTEN\" $WORK/level.err) <(echo EDGE; sed -nE \"\$SHORTEN\" $WORK/edge.err) <(echo 'EDGE, -drain=false'; sed -nE \"\$SHORTEN\" $WORK/stall.err) | expand -t 32"
paste \
	<(echo "LEVEL"; sed -nE "$SHORTEN" "$WORK/level.err") \
	<(echo "EDGE"; sed -nE "$SHORTEN" "$WORK/edge.err") \
	<(echo "EDGE, -drain=false"; sed -nE "$SHORTEN" "$WORK/stall.err") | expand -t 32
echo "# level: one wakeup per read; the kernel says EPOLLIN again while bytes remain."
echo "# edge: one wakeup, reads until EAGAIN. edge without draining: one wakeup, one read,"
echo "# then silence, until curl's FIN (EPOLLRDHUP) makes a new edge and one more read."

say "stop them; the counters for the same request"
stop_server "$LEVEL"
stop_server "$EDGE"
stop_server "$STALL"
for name in level edge stall; do
	run tail -n 1 "$WORK/$name.out"
done
echo "# level woke many more times (epoll_wait, events) and never met EAGAIN; edge woke"
echo "# twice for the client (the request, the FIN) and read until EAGAIN once; the"
echo "# stalled one read 2 x 16 bytes and answered nothing (requests=0)"
