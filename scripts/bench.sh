#!/usr/bin/env bash
# bench.sh: final beside net/http and the fastest Go servers, measured in one run.
#
# The servers: nethttp (Go's net/http, the reference), fasthttp and gnet
# (scripts/bench/fasthttp, scripts/bench/gnet: final's /plaintext on each),
# final, and nginx when it is installed (worker_processes 1). Each runs on
# CPU 0 (taskset -c 0, GOMAXPROCS=1, final with -loops 1, gnet and nginx
# with one event loop) and wrk runs on CPU 1, so they do not fight for a
# core. Every case gets a warm-up run per server, then five rounds in
# which each server is measured once in turn, so that a machine whose speed
# drifts meets every server alike; the median round by CPU per request
# (the figure the comparisons are about: its inverse is requests/s per
# server core) is reported: requests/s, p50 and p99 latency, the server's
# CPU (user and system time from /proc/PID/stat) as a share of one core,
# requests/s per server core (requests/s divided by that share) and CPU per
# request. On a virtual machine one round can differ from the next by a
# fifth; the median of five is steadier than that of three.
#
# Cases: keep-alive (64 connections), pipelined (256 connections, 16
# requests per write), Connection: close (16 connections), and, for final
# and net/http only, a sweep of keep-alive connections from 16 to 4096.
#
#   scripts/bench.sh            # about 9 minutes; writes notes/06-performance.svg
#   scripts/bench.sh --quick    # one 1-second run per case, to see it works
#
# BENCH_SERVERS picks servers (nethttp fasthttp gnet nginx final),
# BENCH_CASES cases (keepalive pipelined close sweep), BENCH_RUNS the rounds
# (5) and BENCH_DURATION each round's length (4s). To measure a change
# before and after, build each version and point the script at it:
#   FINAL_BIN=bin/final-before BENCH_SERVERS=final scripts/bench.sh
#   BENCH_SERVERS="gnet final" BENCH_CASES="keepalive close" scripts/bench.sh
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

DURATION=${BENCH_DURATION:-4s} RUNS=${BENCH_RUNS:-5} WARMUP=2s SWEEP="16 64 256 1024 4096"
if ! [[ $RUNS =~ ^[1-9][0-9]*$ && $DURATION =~ ^[1-9][0-9]*[smh]?$ ]]; then
	echo "bench.sh: BENCH_RUNS must be a count (1 or more) and BENCH_DURATION a wrk duration (4s, 1m)" >&2
	exit 2
fi
if [ "$QUICK" = 1 ]; then
	DURATION=1s RUNS=1 WARMUP="" SWEEP="16 256"
fi
CHART=notes/06-performance.svg
[ "$QUICK" = 1 ] && CHART=$WORK/chart.svg
RESULTS=$WORK/results.tsv

FINAL_BIN=${FINAL_BIN:-}
CASES=${BENCH_CASES:-keepalive pipelined close sweep}
if [ -n "${BENCH_SERVERS:-}" ]; then
	ASKED=$BENCH_SERVERS
else
	ASKED="nethttp fasthttp gnet final"
	command -v nginx >/dev/null 2>&1 && ASKED="nethttp fasthttp gnet nginx final"
fi

SERVERS=()
mkdir -p bin
for server in $ASKED; do
	case $server in
	final)
		if [ -z "$FINAL_BIN" ]; then
			build final
			FINAL_BIN=bin/final
		fi
		;;
	nethttp)
		print_line '(cd scripts && GOWORK=off go build -o ../bin/nethttp ./bench/nethttp)'
		(cd scripts && GOWORK=off go build -o ../bin/nethttp ./bench/nethttp)
		;;
	fasthttp | gnet)
		if ! build_peer "$server"; then
			# Asked for by name, it must be there; in the default list, a
			# peer that cannot be built (no module proxy, a cold cache in
			# --quick) is left out, and the results say so.
			[ -n "${BENCH_SERVERS:-}" ] && exit 1
			echo "# $server could not be built: measured without it"
			continue
		fi
		;;
	nginx) need nginx nginx-light ;;
	*)
		echo "bench.sh: unknown server $server (nethttp fasthttp gnet nginx final)" >&2
		exit 2
		;;
	esac
	SERVERS+=("$server")
done

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
echo "# load average when it starts: $(cut -d' ' -f1-3 /proc/loadavg) (ratios in one run are what count)"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
clock_ticks=$(getconf CLK_TCK)

# to_us turns wrk's "312.00us", "1.23ms" or "2.00s" into microseconds.
to_us() {
	awk -v v="$1" 'BEGIN {
		n = v + 0
		if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1000000; else print n
	}'
}

# measure PID ADDR CONNS [wrk args...]: one wrk run against ADDR; prints
# "reqs_per_s p50_us p99_us cpu_us_per_req", the last from the server's
# user and system time (proc(5), /proc/PID/stat fields 14 and 15, in clock
# ticks, every thread of the process included) over the run.
measure() {
	local pid=$1 addr=$2 conns=$3
	shift 3
	local before after out requests rps p50 p99
	before=$(cpu_ticks "$pid")
	out=$(taskset -c 1 wrk -t1 -c"$conns" -d"$DURATION" --latency "$@" "http://$addr/plaintext" 2>&1)
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

# start SERVER: start one server on CPU 0 and record its address and pid.
declare -A ADDRS PIDS
start() {
	case $1 in
	final) start_server final taskset -c 0 env GOMAXPROCS=1 "$FINAL_BIN" -addr 127.0.0.1:0 -loops 1 -quiet ;;
	nginx) start_nginx "" taskset -c 0 ;;
	*) start_server "$1" taskset -c 0 env GOMAXPROCS=1 "bin/$1" -addr 127.0.0.1:0 ;;
	esac
	ADDRS[$1]=$ADDR
	PIDS[$1]=$PID
}

# run_case CASE CONNS SERVERS... -- [wrk args...]: a warm-up run per
# server, then RUNS rounds in which each server is measured once, in turn;
# the median round of each server goes to $RESULTS.
run_case() {
	local case=$1 conns=$2 server i median
	local servers=()
	shift 2
	while [ "$1" != -- ]; do
		servers+=("$1")
		shift
	done
	shift
	if [ -n "$WARMUP" ]; then
		for server in "${servers[@]}"; do
			taskset -c 1 wrk -t1 -c"$conns" -d"$WARMUP" "$@" "http://${ADDRS[$server]}/plaintext" >/dev/null 2>&1
		done
	fi
	declare -A runs=()
	for ((i = 0; i < RUNS; i++)); do
		for server in "${servers[@]}"; do
			runs[$server]+="$(measure "${PIDS[$server]}" "${ADDRS[$server]}" "$conns" "$@")"$'\n'
		done
	done
	for server in "${servers[@]}"; do
		median=$(printf '%s' "${runs[$server]}" | sort -n -k4 | sed -n "$(((RUNS + 1) / 2))p")
		printf '%s\t%s\t%s\t%s\n' "$server" "$case" "$conns" "${median// /	}" >>"$RESULTS"
		printf '  %-8s %-10s %5s conns: %s\n' "$server" "$case" "$conns" "$median"
	done
}

: >"$RESULTS"
for server in "${SERVERS[@]}"; do
	start "$server"
done
# The sweep compares final with net/http only: the chart draws those two.
SWEEPERS=()
for server in "${SERVERS[@]}"; do
	case $server in nethttp | final) SWEEPERS+=("$server") ;; esac
done
rounds="$RUNS round$([ "$RUNS" = 1 ] || echo s) of $DURATION, servers in turn"
echo "# each line below: a server's median round: req/s p50us p99us cpu-us/req"
for case in $CASES; do
	case $case in
	keepalive)
		say "keep-alive, 64 connections: $rounds"
		run_case keepalive 64 "${SERVERS[@]}" --
		;;
	pipelined)
		say "pipelined, 256 connections x 16 requests: $rounds"
		run_case pipelined 256 "${SERVERS[@]}" -- -s "$WORK/pipeline.lua"
		;;
	close)
		say "Connection: close, 16 connections: $rounds"
		run_case close 16 "${SERVERS[@]}" -- -H "Connection: close"
		;;
	sweep)
		if [ ${#SWEEPERS[@]} -eq 0 ]; then
			echo "# the sweep measures final and net/http only: skipped"
			continue
		fi
		say "keep-alive sweep, ${SWEEPERS[*]} only: $rounds"
		for conns in $SWEEP; do run_case sweep "$conns" "${SWEEPERS[@]}" --; done
		;;
	esac
done
if [ -n "${ADDRS[final]:-}" ]; then
	run_sh "curl -s http://${ADDRS[final]}/stats | grep -E '\"(requests|epoll_wait|read|write|accept4|heap_allocs_per_request)\"' | tail -n 6"
fi
for server in "${SERVERS[@]}"; do
	stop_server "${PIDS[$server]}"
done

say "results: every server in the same run"
awk -F'\t' '
	BEGIN {
		printf "%-10s %5s %-9s %9s %10s %14s %9s %8s %8s\n", "case", "conns", "server", "req/s", "server CPU", "req/s per core", "cpu/req", "p50 us", "p99 us"
	}
	{
		share = $7 * $4 / 1e6 # CPU seconds per second: the share of one core
		printf "%-10s %5s %-9s %9.0f %9.0f%% %14.0f %7.2fus %8.0f %8.0f\n", $2, $3, $1, $4, share * 100, ($7 > 0 ? 1e6 / $7 : 0), $7, $5, $6
	}' "$RESULTS"
echo "# server CPU: user and system time over the run, in cores (100% is all of CPU 0);"
echo "# req/s per core: req/s divided by that share, the work one core of the server does"

# The side-by-side of the issue's table: one row per case, a column per
# server, and final's figure as a ratio to gnet's when both ran.
say "requests/s per server core, side by side (higher is better)"
awk -F'\t' -v order="${SERVERS[*]}" '
	function human(v) { return v >= 1e6 ? sprintf("%.2fM", v / 1e6) : v >= 1e3 ? sprintf("%.1fk", v / 1e3) : sprintf("%.0f", v) }
	BEGIN { n = split(order, names, " ") }
	$2 != "sweep" {
		key = $2 " " $3
		if (!(key in seen)) { seen[key] = 1; keys[++k] = key }
		percore[key, $1] = ($7 > 0 ? 1e6 / $7 : 0)
	}
	END {
		ratio = index(" " order " ", " final ") && index(" " order " ", " gnet ")
		line = sprintf("%-14s", "case")
		for (i = 1; i <= n; i++) line = line sprintf(" %9s", names[i])
		if (ratio) line = line sprintf(" %11s", "final/gnet")
		print line
		for (j = 1; j <= k; j++) {
			line = sprintf("%-14s", keys[j])
			for (i = 1; i <= n; i++) line = line sprintf(" %9s", ((keys[j], names[i]) in percore) ? human(percore[keys[j], names[i]]) : "-")
			if (ratio && percore[keys[j], "gnet"] > 0) line = line sprintf(" %10.2fx", percore[keys[j], "final"] / percore[keys[j], "gnet"])
			print line
		}
	}' "$RESULTS"

if [ -z "${ADDRS[final]:-}" ] || [ -z "${ADDRS[nethttp]:-}" ]; then
	exit 0 # no final against net/http: no ratios to it, no chart
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

if [ "$CASES" != "keepalive pipelined close sweep" ]; then
	exit 0 # a partial run: no chart
fi
# The chart draws final and net/http; the peers are in the tables above.
print_line "awk '\$1 == \"final\" || \$1 == \"nethttp\"' $RESULTS | (cd scripts && GOWORK=off go run ./bench/chart) > $CHART"
awk '$1 == "final" || $1 == "nethttp"' "$RESULTS" | (cd scripts && GOWORK=off go run ./bench/chart) >"$CHART"
[ "$QUICK" = 1 ] || cp "$RESULTS" bin/bench-results.tsv
