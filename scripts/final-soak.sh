#!/usr/bin/env bash
# final-soak.sh: the final server under a mix of normal load and attacks
# for a bounded time, then the figures that say whether it came back whole.
#
# wrk drives /plaintext with 64 keep-alive connections while bench/faults
# runs slowloris clients, resetters and clients that never read a 10 MiB
# file. After a short warm-up of the same mix, and again after the soak,
# the script reads the server's descriptor count and RSS (once the server
# has settled: /stats?gc=1 collects garbage and returns free memory to the
# OS) and checks that the descriptors are back to their start count and RSS
# within 10% of its start.
#
#   scripts/final-soak.sh            # 30 seconds
#   scripts/final-soak.sh --quick    # 3 seconds
#   SOAK_SECONDS=300 scripts/final-soak.sh
. "$(dirname "$0")/lib.sh" "$@"
need wrk
need curl

SECONDS_TO_RUN=${SOAK_SECONDS:-30}
[ "$QUICK" = 1 ] && SECONDS_TO_RUN=3

build final
print_line '(cd scripts && GOWORK=off go build -o ../bin/faults ./bench/faults)'
(cd scripts && GOWORK=off go build -o ../bin/faults ./bench/faults)

root=$WORK/root
run mkdir -p "$root"
print_line "head -c $((10 << 20)) /dev/zero > $root/big.bin"
head -c $((10 << 20)) /dev/zero >"$root/big.bin"
start_server final bin/final -addr 127.0.0.1:0 -quiet -stats-gc -root "$root" \
	-header-timeout 2s -write-timeout 2s -idle-timeout 5s

fds() { ls "/proc/$PID/fd" | wc -l; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status"; }

# settle brings the server to the same resting state before each
# measurement: the loops' pools give back half their spare buffers each
# second, and /stats?gc=1 collects garbage and returns free memory to the
# OS. Once RSS holds still for three readings in a row (or after 15 s) the
# figures are comparable.
settle() {
	local last=0 now steady=0
	for ((i = 0; i < 15 && steady < 3; i++)); do
		curl -s "http://$ADDR/stats?gc=1" >/dev/null
		now=$(rss_kib)
		# steady: within 1% of the reading before
		if [ "$last" -gt 0 ] && [ $((now > last ? now - last : last - now)) -le $((last / 100)) ]; then
			steady=$((steady + 1))
		else
			steady=0
		fi
		last=$now
		sleep 1
	done
}

# One soak round: wrk and bench/faults at the same time for $1 seconds.
soak_round() {
	local seconds=$1
	print_line "wrk -t1 -c64 -d${seconds}s http://$ADDR/plaintext > $WORK/wrk.out 2>&1 &"
	wrk -t1 -c64 -d"${seconds}s" "http://$ADDR/plaintext" >"$WORK/wrk.out" 2>&1 &
	local wrk_pid=$!
	run bin/faults -addr "$ADDR" -duration "${seconds}s" -path /static/big.bin -hold 5s
	wait "$wrk_pid"
}

WARMUP=10
[ "$QUICK" = 1 ] && WARMUP=2
say "warm-up: $WARMUP seconds of the same mix, so the start figures are those of a server that has met it"
# The first contact with hundreds of connections grows the Go runtime's own
# structures once; the soak asks whether the server comes back to its warm
# resting state after a long run, which is what a leak would prevent.
soak_round "$WARMUP" >/dev/null
settle
start_fds=$(fds) start_rss=$(rss_kib)
echo "# start: $start_fds descriptors, RSS $start_rss KiB"

say "soak: ${SECONDS_TO_RUN}s of wrk and of attacks at the same time"
soak_round "$SECONDS_TO_RUN"
grep -E 'requests in|Requests/sec|Socket errors|Non-2xx' "$WORK/wrk.out"

say "settle: the attackers are gone; wait (at most 30 s) for the server to close what they left"
for ((i = 0; i < 300; i++)); do
	[ "$(fds)" -le "$start_fds" ] && break
	sleep 0.1
done
settle
end_fds=$(fds) end_rss=$(rss_kib)

say "the server's own count"
run_sh "curl -s http://$ADDR/stats | grep -E '\"(requests|connections_total|timeouts|shed_emfile|request_errors)\"' | tail -n 5"

say "before and after"
printf '%-12s %10s %10s\n' "" start end
printf '%-12s %10s %10s\n' descriptors "$start_fds" "$end_fds"
printf '%-12s %10s %10s\n' "RSS (KiB)" "$start_rss" "$end_rss"
ok=1
if [ "$end_fds" -gt "$start_fds" ]; then
	echo "FAIL: $((end_fds - start_fds)) descriptors more than at the start"
	ok=0
fi
if [ "$end_rss" -gt $((start_rss * 11 / 10)) ]; then
	echo "FAIL: RSS grew by more than 10%"
	ok=0
fi
kill -0 "$PID" 2>/dev/null || {
	echo "FAIL: the server died"
	ok=0
}
[ "$ok" = 1 ] && echo "ok: descriptors back to the start, RSS within 10% of it; the server is alive"
[ "$ok" = 1 ]
