#!/usr/bin/env bash
# step2-backpressure.sh: a client that sends and never reads, and EPOLLOUT.
#
# A client writes 300,000 pipelined requests (100,000 with --quick) down one
# connection and reads nothing. The server answers until the kernel will
# take no more of its output: write(2) says EAGAIN, the server keeps the
# rest, switches that client from EPOLLIN to EPOLLOUT with EPOLL_CTL_MOD, and
# stops reading its requests. The script shows that moment in the server's
# trace, the server's memory while the client is stuck, another client served
# meanwhile, then reads every response back, counts them, and prints the
# server's counters. Notes: notes/02-epoll.md, section "When the client does
# not read: EAGAIN on write, and EPOLLOUT".
#
#   scripts/step2-backpressure.sh [--quick]
. "$(dirname "$0")/lib.sh" "$@"

need curl
need ss iproute2
need timeout coreutils

REQUESTS=300000
((QUICK)) && REQUESTS=100000

say "build step 2"
build step2-epoll

say "start it, with -trace into step2.err"
# The trace of 300,000 requests is a few thousand lines: the server reads
# 4 KiB, about 150 requests, per read(2), and answers them in one write(2).
start_server step2 bin/step2-epoll -addr 127.0.0.1:0 -trace

say "the size of one response, to know how many bytes $REQUESTS of them make"
run_sh "curl -s -o /dev/null -w '%{size_header} + %{size_download}\n' http://$ADDR/"
RESPONSE=$(curl -s -o /dev/null -w '%{size_header} %{size_download}' "http://$ADDR/" | awk '{ print $1 + $2 }')
echo "# $RESPONSE bytes each, $((REQUESTS * RESPONSE)) in all"

say "the client: $REQUESTS pipelined requests down one connection, and no reading"
print_line "printf 'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n%.0s' \$(seq $REQUESTS) > $WORK/requests"
printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n%.0s' $(seq "$REQUESTS") >"$WORK/requests"
print_line "exec 3<>/dev/tcp/127.0.0.1/$PORT   # this shell's descriptor 3 is the client"
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
print_line "cat $WORK/requests >&3 &"
cat "$WORK/requests" >&3 &
WRITER=$!
STARTED+=("$WRITER")

say "wait for the server to find the client's socket full"
if ! wait_for "$WORK/step2.err" 'EPOLL_CTL_MOD.*EPOLLOUT' 30; then
	echo "no EPOLLOUT after 30 s: the kernel's buffers took every response." >&2
	echo "Raise REQUESTS in $0 for this machine." >&2
	exit 1
fi
run_sh "grep -m 1 -B 3 'EPOLL_CTL_MOD.*EPOLLOUT' $WORK/step2.err"
echo "# write(2) took less than it was given, then nothing at all (EAGAIN). The server"
echo "# keeps the rest, asks epoll for EPOLLOUT instead of EPOLLIN (waitForRoom), and"
echo "# reads no more requests from this client until the rest is written."

say "while the client is stuck"
if kill -0 "$WRITER" 2>/dev/null; then
	echo "# the client's writer is still blocked in write(2): the server stopped reading"
	echo "# its requests, so they back up in the kernel, then in the writer itself"
else
	echo "# the client's writer has finished: its last requests wait in kernel buffers,"
	echo "# unread by the server"
fi
echo "# the kernel holds the backlog. On the server's socket (local port $PORT), Send-Q is"
echo "# answers the client has not taken, Recv-Q requests the server has not read; on"
echo "# the client's, Recv-Q is answers waiting for it to read, Send-Q requests not sent"
run_sh "ss -tn '( sport = :$PORT or dport = :$PORT )'"
echo "# the server itself holds little: at most the answers to one read (max_buffered"
echo "# in the counters below), never the whole backlog"
run_sh "grep VmRSS /proc/$PID/status"
echo "# and everyone else is served as usual:"
run curl -s --max-time 10 "http://$ADDR/"

say "now the client reads everything, and counts the responses"
# head stops after exactly that many bytes; timeout bounds the wait if any
# response were lost.
print_line "timeout 60 head -c $((REQUESTS * RESPONSE)) <&3 | grep -c '^HTTP/1.1 200 OK'"
got=$(timeout 60 head -c "$((REQUESTS * RESPONSE))" <&3 | grep -c '^HTTP/1.1 200 OK' || true)
echo "$got"
if [ "$got" != "$REQUESTS" ]; then
	echo "read $got responses, expected $REQUESTS" >&2
	exit 1
fi
if ! wait_gone "$WRITER" 30; then
	echo "the writer never finished" >&2
	exit 1
fi
wait "$WRITER" || true
print_line "exec 3>&-"
exec 3>&-
echo "# all $REQUESTS, none lost while the server held back"

say "what the trace shows about the switch back"
echo "# the first time the socket had room again: EPOLLOUT, the rest written, back to EPOLLIN"
run_sh "grep -m 1 -B 2 'EPOLL_CTL_MOD.*EPOLLIN' $WORK/step2.err"
echo "# how often the server had to wait for room, and how long the trace is:"
run_sh "grep -c 'EPOLL_CTL_MOD.*EPOLLOUT' $WORK/step2.err"
run_sh "wc -l < $WORK/step2.err"

say "stop it; the counters"
stop_server "$PID"
run tail -n 1 "$WORK/step2.out"
echo "# write_eagain: writes refused; epollout: switches to EPOLLOUT; max_buffered: the"
echo "# most bytes the server ever held for one client, the answers to one 4 KiB read"
