#!/usr/bin/env bash
# step1-blocking.sh: one slow client holds up every other client of step 1.
#
# nc connects and sends only the first line of its request. The server sits
# in read(2) waiting for the rest, so curl, which connects next, waits in
# the listen queue with nobody to accept it. When nc finishes its request,
# the server answers it, closes, and only then accepts curl.
# Notes: notes/01-socket.md, section "One client at a time".
#
#   scripts/step1-blocking.sh [--quick]
. "$(dirname "$0")/lib.sh" "$@"

need nc netcat-openbsd
need curl
need ss iproute2

# How long the slow client dawdles with curl waiting behind it. Nothing waits
# on this; it is there so that an audience sees curl stuck.
DAWDLE=4
((QUICK)) && DAWDLE=1

# listen_queue prints the listener's Recv-Q: connections the kernel has
# completed that the program has not accept(2)ed yet.
listen_queue() {
	ss -Hltn "( sport = :$PORT )" | awk '{ print $2 }'
}

say "build step 1"
build step1-socket

say "start it on a free port"
start_server step1 bin/step1-socket -addr 127.0.0.1:0

say "client 1 (nc) connects and sends only its request line"
echo "# nc reads what to send from a fifo that this shell holds open on descriptor 3,"
echo "# so the shell decides when the rest of the request goes out"
run mkfifo "$WORK/nc.in"
print_line "nc 127.0.0.1 $PORT < $WORK/nc.in > $WORK/nc.response &"
nc 127.0.0.1 "$PORT" <"$WORK/nc.in" >"$WORK/nc.response" &
NC=$!
STARTED+=("$NC")
print_line "exec 3> $WORK/nc.in"
exec 3>"$WORK/nc.in"
print_line "printf 'GET / HTTP/1.1\\r\\n' >&3"
printf 'GET / HTTP/1.1\r\n' >&3
if ! wait_for "$WORK/step1.err" 'read([0-9]*, "GET / HTTP/1.1' 10; then
	echo "the server never read nc's request line" >&2
	exit 1
fi
echo "# the server's last calls: it has read 16 bytes, and sits in read(2) again for the rest"
run tail -n 2 "$WORK/step1.err"

say "client 2 (curl) connects"
# 3>&-: curl must not inherit the fifo's write end, or nc would never see
# the end of its input.
print_line "curl -s --max-time 30 http://$ADDR/ > $WORK/curl.out 2>&1 3>&- &"
curl -s --max-time 30 "http://$ADDR/" >"$WORK/curl.out" 2>&1 3>&- &
CURL=$!
STARTED+=("$CURL")
tries=100
until [ "$(listen_queue)" = 1 ]; do
	if ((tries-- == 0)); then
		echo "curl's connection never showed in the listen queue" >&2
		exit 1
	fi
	sleep 0.1
done
echo "# the kernel finished curl's handshake and queued the connection: Recv-Q 1 on the"
echo "# listener (Send-Q is the backlog). The server is busy in read(2) and accepts nobody."
run_sh "ss -ltn '( sport = :$PORT )'"

say "nc dawdles for $DAWDLE s; curl waits"
run sleep "$DAWDLE"
if kill -0 "$CURL" 2>/dev/null; then
	echo "# after $DAWDLE s curl is still running and has received $(wc -c <"$WORK/curl.out") bytes"
else
	echo "curl ended before nc's request was done: it was not blocked" >&2
	exit 1
fi
echo "# the server's last call is still the read for nc:"
run tail -n 1 "$WORK/step1.err"

say "nc sends the end of its request, so the server can answer it and move on"
print_line "printf 'Host: x\\r\\n\\r\\n' >&3"
printf 'Host: x\r\n\r\n' >&3
print_line "exec 3>&-   # the end of nc's input; nc reads on until the server closes"
exec 3>&-
if ! wait_gone "$NC" 10 || ! wait_gone "$CURL" 30; then
	echo "nc or curl did not finish" >&2
	exit 1
fi
wait "$NC" || true
curl_status=0
wait "$CURL" || curl_status=$?
echo "# nc got:"
run cat "$WORK/nc.response"
echo "# curl exited with status $curl_status and got:"
run cat "$WORK/curl.out"

say "what the server did: request 1 (nc) took several reads; curl was accepted only after its close"
show step1
stop_server "$PID"
