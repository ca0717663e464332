#!/usr/bin/env bash
# bench.sh: final against net/http, measured side by side in one run.
#
# Each server runs alone on CPU 0 (taskset -c 0, GOMAXPROCS=1, final with
# -loops 1) and wrk runs on CPU 1, so they do not fight for a core. Every
# case gets a warm-up run, then three measured runs, and the median (by
# requests/s) is reported: requests/s, p50 and p99 latency, the server's
# CPU time per request (from /proc/PID/stat), and the ratio to net/http.
#
# Cases: keep-alive (64 connections), pipelined (256 connections, 16
# requests per write), Connection: close (16 connections), and a sweep of
# keep-alive connections from 16 to 4096.
#
#   scripts/bench.sh            # about 5 minutes; writes notes/06-performance.svg
#   scripts/bench.sh --quick    # one 1-second run per case, to see it works
#
# To measure a change before and after, build each version and point the
# script at it (without net/http, if only the two versions matter):
#   FINAL_BIN=bin/final-before BENCH_SERVERS=final scripts/bench.sh
# and BENCH_CASES picks cases (keepalive pipelined close sweep):
#   FINAL_BIN=bin/final-before BENCH_SERVERS=final BENCH_CASES="keepalive close" scripts/bench.sh
. "$(dirname "$0")/lib.sh" "$@"

if ! command -v wrk >/dev/null 2>&1; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "# wrk is missing: installing it from the distribution"
	$sudo apt-get install -y -q wrk >/dev/null || {
		echo "bench.sh needs wrk: apt-get install wrk" >&2
		exit 1
	}
fi
need taskset util-linux

DURATION=5s RUNS=3 WARMUP=2s SWEEP="16 64 256 1024 4096"
if [ "$QUICK" = 1 ]; then
	DURATION=1s RUNS=1 WARMUP="" SWEEP="16 256"
fi
CHART=notes/06-performance.svg
[ "$QUICK" = 1 ] && CHART=$WORK/chart.svg
RESULTS=$WORK/results.tsv

FINAL_BIN=${FINAL_BIN:-}
SERVERS=${BENCH_SERVERS:-nethttp final}
CASES=${BENCH_CASES:-keepalive pipelined close sweep}
if [ -z "$FINAL_BIN" ]; then
	build final
	FINAL_BIN=bin/final
fi
print_line '(cd scripts && GOWORK=off go build -o ../bin/nethttp ./bench/nethttp)'
(cd scripts && GOWORK=off go build -o ../bin/nethttp ./bench/nethttp)

cat >"$WORK/pipeline.lua" <<'LUA'
-- 16 requests in every write, the usual shape of the plaintext benchmark.
init = function(args)
  local batch = {}
  for i = 1, 16 do batch[i] = wrk.format(nil, wrk.path) end
  request_batch = table.concat(batch)
end
request = function() return request_batch end
LUA

echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r), $(go version | cut -d' ' -f3)"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
clock_ticks=$(getconf CLK_TCK)

# to_us turns wrk's "312.00us", "1.23ms" or "2.00s" into microseconds.
to_us() {
	awk -v v="$1" 'BEGIN {
		n = v + 0
		if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1000000; else print n
	}'
}

# measure SERVER CASE CONNS [wrk args...]: one wrk run against $ADDR; prints
# "reqs_per_s p50_us p99_us cpu_us_per_req".
measure() {
	local pid=$1 conns=$2
	shift 2
	local before after out requests rps p50 p99
	before=$(cpu_ticks "$pid")
	out=$(taskset -c 1 wrk -t1 -c"$conns" -d"$DURATION" --latency "$@" "http://$ADDR/plaintext" 2>&1)
	after=$(cpu_ticks "$pid")
	requests=$(awk '/requests in/ { print $1 }' <<<"$out")
	rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
	p50=$(to_us "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
	p99=$(to_us "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
	# wrk "corrects" its latencies for coordinated omission by adding
	# samples between the ones it measured; when those land below the
	# smallest real sample, its percentile search misses them and prints
	# 0 for the 99th. Then the maximum is the honest bound left.
	if awk -v a="$p99" -v b="$p50" 'BEGIN { exit !(a < b) }'; then
		p99=$(to_us "$(awk '$1 == "Latency" { print $4 }' <<<"$out")")
		echo "# note: wrk's p99 came out below its p50; the maximum ($p99 us) stands in" >&2
	fi
	if grep -q -E 'Socket errors|Non-2xx' <<<"$out"; then
		echo "# warning: $(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr '\n' ' ')" >&2
	fi
	awk -v t="$((after - before))" -v hz="$clock_ticks" -v r="$requests" -v rps="$rps" -v p50="$p50" -v p99="$p99" \
		'BEGIN { printf "%.0f %.0f %.0f %.3f\n", rps, p50, p99, (r > 0 ? t / hz * 1e6 / r : 0) }'
}

# bench SERVER CASE CONNS [wrk args...]: warm up, then RUNS runs; records
# the median run in $RESULTS.
bench() {
	local server=$1 case=$2 conns=$3
	shift 3
	[ -n "$WARMUP" ] && taskset -c 1 wrk -t1 -c"$conns" -d"$WARMUP" "$@" "http://$ADDR/plaintext" >/dev/null 2>&1
	local runs=()
	for ((i = 0; i < RUNS; i++)); do
		runs+=("$(measure "$PID" "$conns" "$@")")
	done
	local median
	median=$(printf '%s\n' "${runs[@]}" | sort -n -k1 | sed -n "$(((RUNS + 1) / 2))p")
	printf '%s\t%s\t%s\t%s\n' "$server" "$case" "$conns" "${median// /	}" >>"$RESULTS"
	printf '  %-8s %-10s %5s conns: %s\n' "$server" "$case" "$conns" "$median"
}

: >"$RESULTS"
for server in $SERVERS; do
	if [ "$server" = final ]; then
		start_server final taskset -c 0 env GOMAXPROCS=1 "$FINAL_BIN" -addr 127.0.0.1:0 -loops 1 -quiet
	else
		start_server nethttp taskset -c 0 env GOMAXPROCS=1 bin/nethttp -addr 127.0.0.1:0
	fi
	say "$server: keep-alive, pipelined, Connection: close, then the sweep (req/s p50us p99us cpu-us/req)"
	for case in $CASES; do
		case $case in
		keepalive) bench "$server" keepalive 64 ;;
		pipelined) bench "$server" pipelined 256 -s "$WORK/pipeline.lua" ;;
		close) bench "$server" close 16 -H "Connection: close" ;;
		sweep) for conns in $SWEEP; do bench "$server" sweep "$conns"; done ;;
		esac
	done
	if [ "$server" = final ]; then
		run_sh "curl -s http://$ADDR/stats | grep -E '\"(requests|epoll_wait|read|write|accept4|heap_allocs_per_request)\"' | tail -n 6"
	fi
	stop_server "$PID"
done

if [[ " $SERVERS " != *" nethttp "* ]]; then
	# A run of final alone (a before-and-after): no ratios to print.
	say "results: final alone (case conns req/s p50us p99us cpu-us/req)"
	awk -F'\t' '{ printf "%-10s %6s %12.0f %8.0f %8.0f %8.2fus\n", $2, $3, $4, $5, $6, $7 }' "$RESULTS"
	exit 0
fi
say "results: final against net/http, same machine, same run"
awk -F'\t' '
	$1 == "nethttp" { base[$2 "/" $3] = $4; basecpu[$2 "/" $3] = $7; basep99[$2 "/" $3] = $6 }
	$1 == "final" { rows[++n] = $0 }
	END {
		printf "%-10s %6s %12s %12s %8s %8s %10s %10s %8s\n", "case", "conns", "final req/s", "net/http", "ratio", "p99 us", "net p99", "cpu/req", "cpu ratio"
		for (i = 1; i <= n; i++) {
			split(rows[i], f, "\t"); k = f[2] "/" f[3]
			printf "%-10s %6s %12.0f %12.0f %7.2fx %8.0f %10.0f %8.2fus %7.2fx\n", f[2], f[3], f[4], base[k], f[4] / base[k], f[6], basep99[k], f[7], (f[7] > 0 ? basecpu[k] / f[7] : 0)
		}
	}' "$RESULTS"
echo "# cpu ratio: net/http's CPU per request divided by final's (3 means a third of the CPU)"

if [ "$SERVERS" != "nethttp final" ] || [ "$CASES" != "keepalive pipelined close sweep" ]; then
	exit 0 # a partial run: no chart
fi
print_line "(cd scripts && GOWORK=off go run ./bench/chart) < $RESULTS > $CHART"
(cd scripts && GOWORK=off go run ./bench/chart) <"$RESULTS" >"$CHART"
[ "$QUICK" = 1 ] || cp "$RESULTS" bin/bench-results.tsv
