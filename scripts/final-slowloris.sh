#!/usr/bin/env bash
# final-slowloris.sh: slowloris against the final server, then against step 2.
#
# Slowloris opens many connections and sends each request head a byte at a
# time, never finishing it, so that a server without timeouts keeps every
# connection (and its buffer) for ever. The script starts bin/final with a
# short -header-timeout (2s; 1s with --quick), lets bin/faults (from
# scripts/bench/faults) run 200 such clients (50 with --quick) for a few
# seconds, and meanwhile times a normal client's requests with curl. It
# shows how many slow clients were cut off with 408 Request Timeout, the
# normal client's times, and the server's own count of timeouts. Then it
# runs the same attack against step 2, which has no timers: not one slow
# client is cut off, and they are all still connected at the end.
# Notes: notes/05-hardening.md, section "Slowloris, and timeouts without
# a timer per connection".
#
#   scripts/final-slowloris.sh [--quick]
. "$(dirname "$0")/lib.sh" "$@"

need curl
need ss iproute2

SLOW=200 HEADER_TIMEOUT=2s ATTACK=6
((QUICK)) && SLOW=50 HEADER_TIMEOUT=1s ATTACK=3

say "build the final server, step 2, and the attacker (scripts/bench/faults)"
build final
build step2-epoll
print_line '(cd scripts && GOWORK=off go build -o ../bin/faults ./bench/faults)'
(cd scripts && GOWORK=off go build -o ../bin/faults ./bench/faults)

# time_one: one request from a normal client, on a fresh connection, timed
# by curl. --max-time bounds the wait if the attack did get through.
time_one() {
	curl -s -o /dev/null --max-time 5 -w '%{http_code} in %{time_total}s\n' "http://$ADDR/plaintext" ||
		echo "curl failed (exit $?)"
}

# attack NAME: run $SLOW slowloris clients against $ADDR for $ATTACK seconds
# in the background, output in $WORK/NAME.faults; sets FAULTS to its pid.
attack() {
	print_line "bin/faults -addr $ADDR -slow $SLOW -resets 0 -nonreaders 0 -duration ${ATTACK}s > $WORK/$1.faults 2>&1 &"
	bin/faults -addr "$ADDR" -slow "$SLOW" -resets 0 -nonreaders 0 -duration "${ATTACK}s" >"$WORK/$1.faults" 2>&1 &
	FAULTS=$!
	STARTED+=("$FAULTS")
}

# established: client connections the server holds on $PORT right now.
established() {
	ss -Htn state established "( sport = :$PORT )" | wc -l
}

say "start final with a short header timeout: a request head must be complete ${HEADER_TIMEOUT} after it begins"
start_server final bin/final -addr 127.0.0.1:0 -quiet -header-timeout "$HEADER_TIMEOUT"

say "a normal client, before the attack"
print_line "curl -s -o /dev/null --max-time 5 -w '%{http_code} in %{time_total}s\\n' http://$ADDR/plaintext"
time_one

say "$SLOW slow clients for ${ATTACK}s: a byte every 200 ms, and never the end of the head"
attack final
for ((i = 0; i < 50 && $(established) < SLOW; i++)); do sleep 0.1; done
# Each slow client that is cut off reconnects and starts again, so the
# server always has about $SLOW of them; what the timeout bounds is how
# long any one of them lives.
echo "# meanwhile the normal client asks every half second:"
end=$((SECONDS + ATTACK))
while ((SECONDS < end)) && kill -0 "$FAULTS" 2>/dev/null; do
	printf '%s connections open; ' "$(established)"
	time_one
	sleep 0.5
done
wait "$FAULTS" || true
run cat "$WORK/final.faults"
echo "# each slow client lived ${HEADER_TIMEOUT}, got 408 Request Timeout, and was closed"
run_sh "curl -s http://$ADDR/stats | grep -E '\"(timeouts|request_errors|connections_total)\"' | tail -n 3"

say "the same attack against step 2, which has no timers"
start_server step2 bin/step2-epoll -addr 127.0.0.1:0
attack step2
# The passing of time is the point here, and it is bounded: the attack
# ends by itself after $ATTACK seconds.
run sleep $((ATTACK - 1))
echo "# connections step 2 holds, a second before the attackers give up:"
run_sh "ss -Htn state established '( sport = :$PORT )' | wc -l"
wait "$FAULTS" || true
run cat "$WORK/step2.faults"
echo "# not one was cut off: step 2 would have held them for as long as they cared"
echo "# to send a byte now and then, and a few thousand such clients use up its descriptors"
