# shellcheck shell=bash
# lib.sh: what every demo script shares. Source it first thing:
#
#   . "$(dirname "$0")/lib.sh"
#
# It moves to the repository root, reads --quick, prints each command before
# running it, builds the programs once into bin/, starts servers and waits for
# their ready line, and stops everything it started when the script ends,
# however it ends. Every wait is bounded.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT=$(cd "$(dirname "$0")" && pwd)/$(basename "$0") # before the cd, for --help
cd "$ROOT"

# --quick: what scripts/test.sh passes so that no script rots. Scripts keep
# their shape and shorten only their waits and loads.
QUICK=0
for arg in "$@"; do
	case $arg in
	--quick) QUICK=1 ;;
	-h | --help)
		sed -n '2,/^$/s/^# \{0,1\}//p' "$SCRIPT"
		exit 0
		;;
	*)
		echo "usage: $0 [--quick]" >&2
		exit 2
		;;
	esac
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/epollhttp-demo.XXXXXX")
STARTED=()

# cleanup stops every server this script started: SIGTERM first, so each
# prints its exit counters, then SIGKILL for anything still there after a
# few seconds.
cleanup() {
	local status=$?
	local pid
	for pid in "${STARTED[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${STARTED[@]}"; do
		wait_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# say prints a heading for what comes next.
say() { printf '\n## %s\n' "$*"; }

# run prints a command, then runs it.
run() {
	printf '$ %s\n' "$*"
	"$@"
}

# run_sh prints a shell command line (pipes, redirections), then runs it.
run_sh() {
	printf '$ %s\n' "$1"
	bash -c "$1"
}

# need stops the script with a clear message when a tool is missing.
need() {
	local tool=$1 package=${2:-$1}
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "$0 needs $tool: apt-get install $package (or your system's equivalent)" >&2
		exit 1
	fi
}

# build compiles one program of the course into bin/, quietly unless it fails.
build() {
	local module=$1
	mkdir -p bin
	printf '$ go build -o bin/%s ./%s\n' "$module" "$module"
	go build -o "bin/$module" "./$module"
}

# start_server NAME CMD...: start a server in the background with its stdout
# in $WORK/NAME.out and its stderr in $WORK/NAME.err, wait for the ready
# line, and set ADDR (host:port), PORT and PID from it.
start_server() {
	local name=$1
	shift
	printf '$ %s > %s.out 2> %s.err &\n' "$*" "$name" "$name"
	"$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	PID=$!
	STARTED+=("$PID")
	if ! wait_for "$WORK/$name.out" 'listening on ' 60; then
		echo "$name did not print its ready line; it said:" >&2
		cat "$WORK/$name.out" "$WORK/$name.err" >&2
		exit 1
	fi
	ADDR=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$WORK/$name.out" | head -n 1)
	PORT=${ADDR##*:}
	echo "# $name is pid $PID, listening on $ADDR"
}

# stop_server PID: SIGTERM, then wait (bounded) until the process is gone.
stop_server() {
	local pid=$1
	printf '$ kill -TERM %s\n' "$pid"
	kill -TERM "$pid" 2>/dev/null || true
	if ! wait_gone "$pid" 10; then
		echo "pid $pid ignored SIGTERM for 10s; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# start_traced NAME strace OPTIONS... PROGRAM ARGS...: start_server for a
# program run under strace, and set SERVER to the program's own pid.
# strace started with a program ignores SIGTERM (it blocks fatal signals so
# as not to lose the end of the trace), so the program, its child, is the
# process to stop; strace ends when it does.
start_traced() {
	start_server "$@"
	SERVER=$(pgrep -P "$PID")
	STARTED+=("$SERVER")
}

# stop_traced: stop the traced program, then wait for strace to write its
# last lines.
stop_traced() {
	stop_server "$SERVER"
	if ! wait_gone "$PID" 10; then
		echo "strace did not exit after the server did" >&2
		exit 1
	fi
	wait "$PID" || true
}

# wait_for FILE PATTERN SECONDS: wait until FILE has a line matching PATTERN.
wait_for() {
	local file=$1 pattern=$2 seconds=${3:-30}
	local tries=$((seconds * 10))
	while ((tries-- > 0)); do
		if grep -q -- "$pattern" "$file" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# wait_gone PID SECONDS: wait until the process has exited.
wait_gone() {
	local pid=$1 seconds=${2:-10}
	local tries=$((seconds * 10))
	while ((tries-- > 0)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# show NAME: print what a background server wrote so far, stdout then stderr.
show() {
	local name=$1
	printf '$ cat %s.out\n' "$name"
	cat "$WORK/$name.out"
	if [ -s "$WORK/$name.err" ]; then
		printf '$ cat %s.err\n' "$name"
		cat "$WORK/$name.err"
	fi
}
