#!/usr/bin/env bash
# final-wrk.sh: load the final server with wrk, with and without pipelining.
#
# Starts bin/final (one event loop per CPU, no access log) and runs wrk
# against /plaintext twice: keep-alive connections that send one request and
# wait for its answer, then the same connections sending 16 requests per
# write (a Lua script, written to a temporary directory, makes wrk
# pipeline). After each run it prints requests per second, latency, errors,
# and the server's syscall counters from /stats; before and after, the
# server's open descriptors from /proc/PID/fd, which must come back to where
# they started once wrk has gone. Each run lasts 5 seconds, 2 with --quick.
# wrk comes from the distribution: the script installs it if it is missing
# (apt-get, with sudo when not root) or says how to. The figures are for
# this machine, with wrk taking CPU from the server: notes/06-performance.md
# is about measuring honestly. Notes: notes/04-final.md, section "Load".
#
# For a class, the server's /live page charts the same counters while wrk
# runs: open the address the script prints, in a browser on the projector
# (with PAUSE=1 the script waits while you do). Or start final yourself and
# load that one, whose page can stay open between runs:
#
#   go run ./final -addr 127.0.0.1:8080 -quiet     # then open /live
#   FINAL_ADDR=127.0.0.1:8080 PAUSE=1 scripts/final-wrk.sh
#
#   scripts/final-wrk.sh [--quick]

# This script prints the commands it runs, $ signs and all, in single quotes.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh" "$@"

need curl

SECONDS_EACH=5
if ((QUICK)); then
	SECONDS_EACH=2
fi
CONNECTIONS=50
THREADS=2

# install_wrk: wrk is one package on Debian and Ubuntu. Never prompt for a
# password (a prompt is a wait without end): sudo -n, or a clear message.
install_wrk() {
	command -v wrk >/dev/null 2>&1 && return 0
	echo "# wrk is not installed; trying the distribution's package"
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1 || ! sudo -n true 2>/dev/null; then
			echo "$0: wrk is missing and this script cannot install it without a password." >&2
			echo "Install it yourself: sudo apt-get install wrk (or your system's equivalent)." >&2
			exit 1
		fi
		sudo=(sudo -n)
	fi
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "$0: wrk is missing and there is no apt-get here; install wrk with your package manager." >&2
		exit 1
	fi
	if ! run timeout 300 "${sudo[@]}" apt-get install -y wrk; then
		run timeout 300 "${sudo[@]}" apt-get update || true
		run timeout 300 "${sudo[@]}" apt-get install -y wrk || {
			echo "$0: apt-get could not install wrk; install it by hand and run this again." >&2
			exit 1
		}
	fi
}

# fds: how many descriptors the server has open now.
fds() { find "/proc/$PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# stats_line: the server's totals from /stats, on one line.
stats_line() {
	run_sh "curl -s --max-time 10 http://$ADDR/stats | sed -n '/\"total\"/,/^  }/p' | grep -E '\"(requests|epoll_wait|read|write)\"' | tr -d ' \",' | tr '\\n' ' '; echo"
}

# load NAME WRK-ARGS...: one wrk run, then what the server says.
load() {
	local name=$1
	shift
	local out=$WORK/$name.wrk
	print_cmd wrk "$@"
	wrk "$@" | tee "$out"
	echo "# in short:"
	awk '/^Requests\/sec:/ { rps = $2 }
		/^ +Latency / && avg == "" { avg = $2; max = $4 }
		/^ +99%/ { p99 = $2 }
		END {
			print "#   requests per second: " rps
			print "#   latency: average " avg ", 99th percentile " p99 ", max " max
		}' "$out"
	if grep -qE '^ +(Non-2xx|Socket errors)' "$out"; then
		grep -E '^ +(Non-2xx|Socket errors)' "$out" | sed 's/^ */#   /'
	else
		echo "#   errors: none (wrk prints 'Non-2xx' and 'Socket errors' lines only when there are some)"
	fi
}

say "wrk"
install_wrk
run_sh "wrk --version 2>&1 | head -n 1 || true"
run nproc

say "build the final server"
build final

if [ -n "${FINAL_ADDR:-}" ]; then
	say "the server: yours, at $FINAL_ADDR (FINAL_ADDR)"
	ADDR=$FINAL_ADDR PID=""
	if ! curl -s --max-time 5 -o /dev/null "http://$ADDR/healthz"; then
		echo "$0: nothing answers at http://$ADDR/healthz; start final there first" >&2
		exit 1
	fi
	echo "# its counters, live: http://$ADDR/live"
else
	say "start it: one loop per CPU, no access log"
	start_server final bin/final -addr 127.0.0.1:0 -quiet
	echo "# its counters, live, for a projector: open http://$ADDR/live in a browser"
	echo "# its open descriptors now: stdio, the static root, the runtime's epoll and"
	echo "# eventfd, and per loop its epoll, listener, eventfd and spare (plus anything"
	echo "# the shell passed on)"
	BEFORE=$(fds)
	run_sh "ls /proc/$PID/fd | wc -l"
fi

say "keep-alive: $CONNECTIONS connections, each sends a request and waits for its answer"
load keepalive -t "$THREADS" -c "$CONNECTIONS" -d "${SECONDS_EACH}s" --latency "http://$ADDR/plaintext"
echo "# the server's counters so far (totals: requests, epoll_wait, read, write):"
stats_line
echo "# about one read and one write per request"

say "pipelined: the same connections, 16 requests per write"
PIPELINE=$WORK/pipeline.lua
# wrk sends whatever request() returns as one write; 16 requests glued
# together are 16 pipelined requests, and wrk counts each response.
cat >"$PIPELINE" <<'LUA'
local batch
function init(args)
	local requests = {}
	for i = 1, 16 do
		requests[i] = wrk.format(nil, "/plaintext")
	end
	batch = table.concat(requests)
end
function request()
	return batch
end
LUA
run cat "$PIPELINE"
load pipelined -t "$THREADS" -c "$CONNECTIONS" -d "${SECONDS_EACH}s" --latency -s "$PIPELINE" "http://$ADDR/plaintext"
echo "# the server's counters, both runs together:"
stats_line
echo "# the second run added far more requests than reads and writes: one read brings"
echo "# a batch of 16, one write takes their 16 answers"

if [ -z "$PID" ]; then
	echo "# your server goes on running; its /live page has the last minute"
	exit 0
fi

say "after wrk: every connection closed, every descriptor given back"
# wrk has closed its sockets; the loops close theirs when they see the end
# of file, which takes a moment on a busy machine.
tries=50
until (($(fds) <= BEFORE)) || ((tries-- == 0)); do
	sleep 0.1
done
AFTER=$(fds)
run_sh "ls /proc/$PID/fd | wc -l"
echo "# before: $BEFORE, after: $AFTER"
if ((AFTER > BEFORE)); then
	echo "# more than before: a descriptor leaked, or connections are still closing" >&2
fi

say "stop it"
stop_server "$PID"
show final
