#!/usr/bin/env bash
# final-shutdown.sh: a graceful shutdown under load, and the second signal.
#
# The script starts bin/final, opens one idle keep-alive connection and 20
# requests in flight (10 with --quick): POSTs whose heads and first half of
# body have arrived. Then it sends SIGTERM and shows what Shutdown does:
# the idle connection is closed at once, the listeners close (a new client
# is refused), and each request in flight, once the rest of its body comes,
# is answered in full with Connection: close. The server exits 0 as soon as
# the last connection is gone, and the script says how long that took.
# Then two shorter runs: a request that never finishes is cut off by
# -drain-timeout, and a second SIGTERM closes everything at once.
# Notes: notes/05-hardening.md, section "Graceful shutdown, and waking a
# loop with an eventfd".
#
#   scripts/final-shutdown.sh [--quick]
. "$(dirname "$0")/lib.sh" "$@"

need curl
need ss iproute2
need timeout coreutils

IN_FLIGHT=20
((QUICK)) && IN_FLIGHT=10

say "build the final server"
build final

# ms: a clock in milliseconds, to time the drain.
ms() { echo $(($(date +%s%N) / 1000000)); }

# exit_status: wait (bounded) for the server to exit and print its status.
exit_status() {
	local status=0
	if ! wait_gone "$PID" 15; then
		echo "# the server is still running 15 s later"
		return 1
	fi
	wait "$PID" || status=$?
	echo "# the server exited with status $status, $(($(ms) - signalled)) ms after the first signal"
}

# open_in_flight N: N connections, each with a request head and half its
# body sent; their descriptors go in the array inflight.
open_in_flight() {
	inflight=()
	local i fd
	assign HEAD 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n'
	print_line "inflight=(); for i in \$(seq $1); do exec {fd}<>/dev/tcp/127.0.0.1/$PORT; printf \"\${HEAD}request-%02d\" \$i >&\$fd; inflight+=(\$fd); done"
	for ((i = 1; i <= $1; i++)); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
		printf "${HEAD}request-%02d" "$i" >&"$fd"
		inflight+=("$fd")
	done
}

# open_connections: connections the server holds, from its /stats.
open_connections() {
	curl -s --max-time 5 "http://$ADDR/stats" | sed -n 's/^  *"connections_open": \([0-9]*\),/\1/p' | tail -n 1
}

say "start it"
start_server final bin/final -addr 127.0.0.1:0

say "one idle keep-alive connection: it has had its answer and asks for nothing"
print_line "exec {idle}<>/dev/tcp/127.0.0.1/$PORT; printf 'GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' >&\$idle; head -n 1 <&\$idle"
exec {idle}<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' >&"$idle"
head -n 1 <&"$idle"

say "$IN_FLIGHT requests in flight: each has sent its head and 10 of its 20 bytes of body"
open_in_flight "$IN_FLIGHT"
# Bounded wait until the server holds them all (the /stats request itself
# counts as one more).
for ((i = 0; i < 50 && $(open_connections) < IN_FLIGHT + 2; i++)); do sleep 0.1; done
run_sh "curl -s http://$ADDR/stats | grep '\"connections_open\"' | tail -n 1"

say "SIGTERM: Shutdown"
signalled=$(ms)
run kill -TERM "$PID"
wait_for "$WORK/final.err" 'finishing requests in flight' 10 || true
run grep got "$WORK/final.err"
echo "# the idle connection is closed at once: reading it ends without a byte"
print_line "timeout 5 cat <&\$idle | wc -c"
timeout 5 cat <&"$idle" | wc -c
# Each loop closes its listener when its eventfd wakes it; bounded wait
# until all have (ss lists the listening sockets on the port).
for ((i = 0; i < 50; i++)); do
	[ -z "$(ss -Hltn "( sport = :$PORT )")" ] && break
	sleep 0.1
done
echo "# the listeners are closed: a new client is refused (curl exit 7: failed to connect)"
run_sh "ss -Hltn '( sport = :$PORT )' | wc -l"
run_sh "curl -s --max-time 5 http://$ADDR/healthz; echo \"curl exit \$?\""

say "the clients in flight send the rest of their bodies and read their answers"
print_line "for fd in \"\${inflight[@]}\"; do printf -- '-remainder' >&\$fd; done"
for fd in "${inflight[@]}"; do printf -- '-remainder' >&"$fd"; done
# Each answer ends with the server's FIN (Connection: close), so cat ends.
print_line "for i in \"\${!inflight[@]}\"; do timeout 5 cat <&\${inflight[i]} | tr -d '\\r' > $WORK/answer.\$i; done"
for i in "${!inflight[@]}"; do
	timeout 5 cat <&"${inflight[i]}" | tr -d '\r' >"$WORK/answer.$i" || true
done
echo "# the first answer:"
run cat "$WORK/answer.0"
echo
ok=0 whole=0
for i in "${!inflight[@]}"; do
	if grep -q '^HTTP/1.1 200 OK$' "$WORK/answer.$i" && grep -q '^Connection: close$' "$WORK/answer.$i"; then
		ok=$((ok + 1))
	fi
	if grep -q "request-$(printf %02d $((i + 1)))-remainder\$" "$WORK/answer.$i"; then
		whole=$((whole + 1))
	fi
done
echo "# $ok of $IN_FLIGHT answered 200 with Connection: close; $whole bodies echoed in full"
print_line 'for fd in "${inflight[@]}" $idle; do exec {fd}<&-; done'
for fd in "${inflight[@]}" "$idle"; do exec {fd}<&-; done
echo "# our FINs end the server's linger on each connection; then it has none left"
exit_status
show final

say "a request that never finishes: -drain-timeout 2s bounds the wait"
start_server stuck bin/final -addr 127.0.0.1:0 -quiet -drain-timeout 2s
open_in_flight 1
for ((i = 0; i < 50 && $(open_connections) < 2; i++)); do sleep 0.1; done
signalled=$(ms)
run kill -TERM "$PID"
exit_status
print_line 'timeout 5 cat <&${inflight[0]} | wc -c'
timeout 5 cat <&"${inflight[0]}" | wc -c
echo "# the client got no answer: its request was cut off when the drain timed out"
fd=${inflight[0]}
print_line 'fd=${inflight[0]}; exec {fd}<&-'
exec {fd}<&-

say "a second signal: Close, everything at once"
start_server twice bin/final -addr 127.0.0.1:0 -quiet
open_in_flight 1
for ((i = 0; i < 50 && $(open_connections) < 2; i++)); do sleep 0.1; done
signalled=$(ms)
run kill -TERM "$PID"
# Two signals sent back to back can merge into one (a standard signal is
# pending at most once), so the second waits for the first to be seen.
wait_for "$WORK/twice.err" 'finishing requests in flight' 10 || true
run kill -TERM "$PID"
exit_status
print_line 'timeout 5 cat <&${inflight[0]} | wc -c'
timeout 5 cat <&"${inflight[0]}" | wc -c
fd=${inflight[0]}
print_line 'fd=${inflight[0]}; exec {fd}<&-'
exec {fd}<&-
show twice
