#!/usr/bin/env bash
# step1-curl.sh: one curl request to step 1, and what the server saw.
#
# Starts bin/step1-socket on a free port with -once, sends it one request
# with curl -v, then prints both of the server's outputs: stdout has the
# request's bytes with \r and \n spelled out, stderr has every system call
# it made, in strace's format. Notes: notes/01-socket.md.
#
#   scripts/step1-curl.sh [--quick]
. "$(dirname "$0")/lib.sh" "$@"

need curl

say "build step 1"
build step1-socket

say "start it on a free port (port 0); -once: serve one connection, then exit"
start_server step1 bin/step1-socket -addr 127.0.0.1:0 -once

say "one request; curl -v marks what it sends with > and what it gets with <"
run curl -sv --max-time 10 "http://$ADDR/"

say "the server ends by itself after its one connection"
# Its gentle close waits for curl to hang up, 2 s at most, so this is short.
if ! wait_gone "$PID" 10; then
	echo "step1-socket did not exit after one connection" >&2
	exit 1
fi
status=0
wait "$PID" || status=$?
echo "# step1-socket exited with status $status"

say "what it printed: the bytes curl sent (stdout), the calls it made (stderr)"
show step1
