#!/usr/bin/env bash
# bench-idle.sh: what an idle keep-alive connection costs each server.
#
# For final and for the net/http reference, opens 1,000 and then 10,000
# keep-alive connections that have each made one request, holds them idle,
# and reports the server's RSS per connection: (RSS while held - RSS
# before) / connections, after both servers were told to collect garbage
# (final through /stats?gc=1; net/http by waiting for its own GC).
#
#   scripts/bench-idle.sh           # 1,000 and 10,000 connections
#   scripts/bench-idle.sh --quick   # 200 and 1,000
#
# As with bench.sh, FINAL_BIN measures another build of final and
# BENCH_SERVERS=final leaves net/http out:
#   FINAL_BIN=bin/final-before BENCH_SERVERS=final scripts/bench-idle.sh
. "$(dirname "$0")/lib.sh" "$@"

COUNTS="1000 10000"
[ "$QUICK" = 1 ] && COUNTS="200 1000"

# Each side needs a descriptor per connection, and some. Go raises its own
# soft limit to the hard limit; raise ours for the shell's children too.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
max=${COUNTS##* }
if [ "$(ulimit -n)" -lt $((max + 100)) ]; then
	echo "bench-idle.sh: the descriptor limit ($(ulimit -n)) is below $((max + 100)); raise it (ulimit -Hn) first" >&2
	exit 1
fi

FINAL_BIN=${FINAL_BIN:-}
SERVERS=${BENCH_SERVERS:-final nethttp}
if [ -z "$FINAL_BIN" ]; then
	build final
	FINAL_BIN=bin/final
fi
print_line '(cd scripts && GOWORK=off go build -o ../bin/nethttp ./bench/nethttp && GOWORK=off go build -o ../bin/idleclient ./bench/idleclient)'
(cd scripts && GOWORK=off go build -o ../bin/nethttp ./bench/nethttp && GOWORK=off go build -o ../bin/idleclient ./bench/idleclient)

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# hold N: open N idle connections with idleclient, measure, release them.
hold() {
	local n=$1 server=$2 before during fifo=$WORK/hold.fifo
	[ "$server" = final ] && curl -s "http://$ADDR/stats?gc=1" >/dev/null
	before=$(rss_kib "$PID")
	rm -f "$fifo"
	mkfifo "$fifo"
	bin/idleclient -addr "$ADDR" -n "$n" <"$fifo" >"$WORK/idle.out" 2>&1 &
	local client=$!
	exec 9>"$fifo" # keeps the client's stdin open until we close it
	wait_for "$WORK/idle.out" "holding" 120 || {
		cat "$WORK/idle.out" >&2
		exit 1
	}
	[ "$server" = final ] && curl -s "http://$ADDR/stats?gc=1" >/dev/null
	during=$(rss_kib "$PID")
	exec 9>&-
	wait "$client"
	printf '%-8s %6d connections: RSS %6d KiB -> %6d KiB: %7.2f KiB per connection\n' \
		"$server" "$n" "$before" "$during" "$(awk -v a="$before" -v b="$during" -v n="$n" 'BEGIN { print (b - a) / n }')"
	echo "$server $n $(awk -v a="$before" -v b="$during" -v n="$n" 'BEGIN { print (b - a) / n }')" >>"$WORK/idle.tsv"
}

: >"$WORK/idle.tsv"
for server in $SERVERS; do
	if [ "$server" = final ]; then
		start_server final env GOMAXPROCS=1 "$FINAL_BIN" -addr 127.0.0.1:0 -loops 1 -quiet -stats-gc -idle-timeout 10m -max-conns 100000
	else
		start_server nethttp env GOMAXPROCS=1 bin/nethttp -addr 127.0.0.1:0
	fi
	say "$server: idle keep-alive connections, each after one request"
	for n in $COUNTS; do
		hold "$n" "$server"
	done
	stop_server "$PID"
done

[ "$SERVERS" = "final nethttp" ] || exit 0 # a partial run: nothing to compare
say "per idle connection, final against net/http"
awk '{ kib[$1 " " $2] = $3 } END {
	k = split("'"$COUNTS"'", counts, " ")
	for (i = 1; i <= k; i++) { n = counts[i]; printf "%6d connections: final %.2f KiB, net/http %.2f KiB (%.1fx less)\n", n, kib["final " n], kib["nethttp " n], kib["nethttp " n] / kib["final " n] }
}' "$WORK/idle.tsv"
