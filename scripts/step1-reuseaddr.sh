#!/usr/bin/env bash
# step1-reuseaddr.sh: TIME_WAIT, a quick restart, EADDRINUSE and SO_REUSEADDR.
#
# A server serves one client and exits; its end of that connection stays in
# TIME_WAIT for a minute. A restart on the same port then fails with
# EADDRINUSE unless SO_REUSEADDR was set on both the new listening socket
# and the old connection (which inherited it from the old listener).
# Notes: notes/01-socket.md, section "TIME_WAIT and SO_REUSEADDR".
#
#   scripts/step1-reuseaddr.sh [--quick]
. "$(dirname "$0")/lib.sh" "$@"

need nc netcat-openbsd
need ss iproute2

REQUEST='GET / HTTP/1.1\r\nHost: x\r\n\r\n'

# serve_one_and_exit NAME FLAGS...: start a -once server, let one client in,
# and wait until the server has exited. The client is nc, which reads until
# the server closes, so the server always sends the first FIN and its end of
# the connection, not nc's, goes to TIME_WAIT. (curl hangs up as soon as it
# has Content-Length bytes, so with curl either side may close first.)
serve_one_and_exit() {
	local name=$1
	shift
	start_server "$name" bin/step1-socket -addr 127.0.0.1:0 -once "$@"
	run_sh "printf '$REQUEST' | nc 127.0.0.1 $PORT"
	if ! wait_gone "$PID" 10; then
		echo "$name did not exit after one connection" >&2
		exit 1
	fi
	wait "$PID" || true
	echo "# $name has exited: no process listens on port $PORT any more"
}

# try_restart FLAGS...: start a server on the same address and say whether
# bind(2) let it. It prints its narration on the terminal, so bind's answer
# shows; a server that does start is stopped at once.
RESTARTS=0
try_restart() {
	# A new file name each time: the background job truncates its output
	# file only once it runs, and an old ready line must not be mistaken
	# for a new one.
	RESTARTS=$((RESTARTS + 1))
	local out=$WORK/restart$RESTARTS.out err=$WORK/restart$RESTARTS.err
	print_line "bin/step1-socket -addr $ADDR $* > $out 2> $err &"
	bin/step1-socket -addr "$ADDR" "$@" >"$out" 2>"$err" &
	local pid=$!
	STARTED+=("$pid")
	local tries=100
	while ((tries-- > 0)); do
		if grep -q 'listening on' "$out" 2>/dev/null; then
			run cat "$err" "$out"
			echo "# the restart is up; stopping it"
			stop_server "$pid"
			return
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			local status=0
			wait "$pid" || status=$?
			run cat "$err"
			echo "# the restart exited with status $status"
			return
		fi
		sleep 0.1
	done
	echo "the restart neither started nor failed in 10 s" >&2
	exit 1
}

say "build step 1"
build step1-socket

say "1. a server with SO_REUSEADDR (the default, -reuseaddr=true) serves one client"
serve_one_and_exit old

say "2. the server closed first, so its end of the connection waits in TIME_WAIT"
echo "# (Local is the server's port; the timer counts down from 60 s)"
run_sh "ss -tano state time-wait '( sport = :$PORT )'"

say "3. restart on that port without SO_REUSEADDR: bind(2) refuses"
try_restart -reuseaddr=false -once

say "4. restart with SO_REUSEADDR: bind(2) succeeds, TIME_WAIT or not"
try_restart -reuseaddr=true -once

say "5. both sides must have it: an old server without SO_REUSEADDR..."
serve_one_and_exit old2 -reuseaddr=false
run_sh "ss -tano state time-wait '( sport = :$PORT )'"

say "...leaves a TIME_WAIT connection without it, and then even a restart with SO_REUSEADDR fails"
try_restart -reuseaddr=true -once
echo "# (its hint says so: the old connection lacks the option, and no flag of ours can add it)"
echo "# the way out is to wait: the TIME_WAIT entry is gone after 60 s, and bind works again"
