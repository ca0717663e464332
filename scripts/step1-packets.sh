#!/usr/bin/env bash
# step1-packets.sh: the packets of one TCP connection, and the states they
# move its two ends through.
#
# A shell opens a connection to step 1 with bash's /dev/tcp, sends a
# request, reads the answer and closes: the three-way handshake, data and
# ACKs, FIN and ACK each way, and TIME_WAIT on the side that closed first.
# A second connection closes without reading the answer, and its close
# sends a reset (RST) instead of a FIN, which leaves no TIME_WAIT behind.
# The states come from ss -tan snapshots, which need no privilege; the
# packets from tcpdump -i lo, which needs root (or the capabilities
# CAP_NET_RAW and CAP_NET_ADMIN): without it the script says what it needs
# and shows the states alone. Notes: notes/01-socket.md, section "The
# packets".
#
#   scripts/step1-packets.sh [--quick]

# This script prints the commands it runs, $ signs and all, in single quotes.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh" "$@"

need ss iproute2

REQUEST='GET / HTTP/1.1\r\nHost: x\r\n\r\n'
REQFILE=$WORK/request.txt
PACKETS=$WORK/packets.txt
TCPDUMP=0 SEEN=0

# states: an ss snapshot of every socket on the server's port, both ends.
states() {
	run_sh "ss -tan '( sport = :$PORT or dport = :$PORT )'"
}

# packets: the packets tcpdump has written since the last call, without
# their receive windows and TCP options (sack, timestamps, window scale), so
# that each fits a line.
packets() {
	((TCPDUMP)) || return 0
	local now
	now=$(wc -l <"$PACKETS")
	((now > SEEN)) || return 0
	run_sh "sed -n '$((SEEN + 1)),${now}{s/, options \\[[^]]*\\]//;s/, win [0-9]*//;p}' $PACKETS"
	SEEN=$now
}

# await_state STATE: wait (bounded) until the server's end of a connection
# is in STATE, as ss names it (fin-wait-2, time-wait).
await_state() {
	for ((i = 0; i < 100; i++)); do
		[ -n "$(ss -Htn state "$1" "( sport = :$PORT )")" ] && return 0
		sleep 0.1
	done
	echo "# (the server's end never reached $1 within 10 s)"
}

# await_packet PATTERN: wait (bounded) until tcpdump has seen a packet
# matching PATTERN. Packets are best effort: a capture that misses one
# shows what it has.
await_packet() {
	((TCPDUMP)) || return 0
	wait_for "$PACKETS" "$1" 10 || echo "# (tcpdump did not show a packet matching $1 within 10 s)"
}


say "build step 1 and start it"
build step1-socket
start_server step1 bin/step1-socket -addr 127.0.0.1:0
FROM_SERVER="127.0.0.1.$PORT > "
FROM_CLIENT=" > 127.0.0.1.$PORT:"

say "tcpdump: every packet on the loopback interface to or from port $PORT"
if ! command -v tcpdump >/dev/null 2>&1; then
	echo "# tcpdump is not installed (apt-get install tcpdump): the states alone, no packets"
else
	print_line "tcpdump -i lo -n -t -l 'tcp port $PORT' > $PACKETS 2> $WORK/tcpdump.err &"
	tcpdump -i lo -n -t -l "tcp port $PORT" >"$PACKETS" 2>"$WORK/tcpdump.err" &
	DUMP=$!
	STARTED+=("$DUMP")
	# tcpdump says "listening on lo" once it captures; if it cannot, it
	# says why and exits.
	for ((i = 0; i < 100; i++)); do
		grep -q 'listening on' "$WORK/tcpdump.err" && break
		kill -0 "$DUMP" 2>/dev/null || break
		sleep 0.1
	done
	if grep -q 'listening on' "$WORK/tcpdump.err"; then
		TCPDUMP=1
		echo "# -n: numbers, not names; -t: no timestamps; -l: each line as it comes"
	else
		fit <"$WORK/tcpdump.err"
		echo "# tcpdump cannot capture here: it needs root, or CAP_NET_RAW and CAP_NET_ADMIN."
		echo "# Run this script with sudo to see the packets; the ss snapshots need nothing."
	fi
fi

say "the three-way handshake: SYN, SYN-ACK, ACK"
print_line "exec 3<>/dev/tcp/127.0.0.1/$PORT   # this shell's descriptor 3 is the client"
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
await_packet "$FROM_CLIENT Flags \[\.\]"
packets
echo "# [S] is SYN, [S.] SYN and ACK, [.] a bare ACK. The kernels did it all: the"
echo "# server sleeps in accept4 and the client's connect returned after the SYN-ACK."
states
echo "# three sockets on the port: the listener, and each end of the new connection,"
echo "# ESTAB. The handshake's own states, SYN-SENT and SYN-RECV, last microseconds"
echo "# on loopback: ss cannot catch them, tcpdump shows the packets that pass them."

say "a request, its answer, the server's FIN; then the client reads and closes"
# From a file, cat sends the request with one write(2); bash's printf
# would write it line by line, three packets.
print_line "printf '$REQUEST' > $REQFILE"
printf "$REQUEST" >"$REQFILE"
print_line "cat $REQFILE >&3"
cat "$REQFILE" >&3
if ! wait_for "$WORK/step1.err" '^shutdown(' 10; then
	echo "the server never answered" >&2
	exit 1
fi
await_state fin-wait-2
# the client's ACK of the server's FIN: 118 bytes of answer, and the FIN
await_packet "${FROM_CLIENT} Flags \[\.\], ack 120,"
packets
echo "# [P.]: data (P for push: hand it to the program now). The request, its ACK,"
echo "# the 118-byte answer, and [F.]: the server's shutdown(SHUT_WR), its FIN."
states
echo "# the server's end is in FIN-WAIT-2: its FIN was acknowledged, the client's is"
echo "# yet to come. The client's is in CLOSE-WAIT, the answer unread in its Recv-Q."
run_sh "cat <&3"
echo
print_line "exec 3<&-   # close it: the client's FIN"
exec 3<&-
await_state time-wait
# the server's ACK of the client's FIN: the request was 27 bytes, and
# each FIN counts as one byte more (RFC 9293 §3.4)
await_packet "${FROM_SERVER}.*ack 29,"
packets
echo "# the client's [F.] and the server's ACK of it: four packets to close, one FIN"
echo "# and one ACK each way. The client's end sat in LAST-ACK until that ACK came."
states
echo "# the end that closed first, the server's, stays in TIME-WAIT for 60 s; the"
echo "# client's end, which closed second, is gone."

say "the same, but the client closes without reading: a reset"
print_line "exec 3<>/dev/tcp/127.0.0.1/$PORT"
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
print_line "cat $REQFILE >&3"
cat "$REQFILE" >&3
# The second connection's shutdown is the second in the narration.
for ((i = 0; i < 100 && $(grep -c '^shutdown(' "$WORK/step1.err") < 2; i++)); do sleep 0.1; done
await_state fin-wait-2
states
echo "# the answer waits unread in the client's Recv-Q. Close with unread data:"
print_line "exec 3<&-"
exec 3<&-
await_packet "Flags \[R"
wait_for "$WORK/step1.err" 'ECONNRESET' 10 || true
packets
echo "# [R.]: the client's kernel threw the unread answer away and reset the"
echo "# connection instead of sending a FIN (RFC 9293 §3.6.1, RFC 2525 §2.17)."
states
echo "# a reset ends both ends at once: no TIME-WAIT for this connection. The only"
echo "# TIME-WAIT is still the first connection's. What the server saw, in its gentle"
echo "# close (its read of the client's FIN got the reset instead):"
run_sh "tail -n 3 $WORK/step1.err"

say "TIME_WAIT, with its timer"
run_sh "ss -tano state time-wait '( sport = :$PORT or dport = :$PORT )'"
echo "# timer:(timewait,…): the seconds it has left. Until then no new connection"
echo "# between these two ports can be confused with the old one, and a FIN the"
echo "# client sent again would get its ACK again."
stop_server "$PID"
