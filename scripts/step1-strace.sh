#!/usr/bin/env bash
# step1-strace.sh: watch step 1's system calls with strace, beside its own account.
#
# Runs bin/step1-socket -once under strace -f while curl sends one request,
# then prints the start of the raw trace (the Go runtime starting up), the
# trace cut down to the calls on the server's two sockets, and the server's
# own narration of the same calls. strace needs ptrace: in a container, start
# it with --cap-add SYS_PTRACE. Notes: notes/01-socket.md.
#
#   scripts/step1-strace.sh [--quick]
. "$(dirname "$0")/lib.sh" "$@"

need strace
need curl

CALLS=socket,setsockopt,bind,listen,getsockname,accept4,read,write,shutdown,close
TRACE=$WORK/strace.txt

# -qq and -e signal=none keep strace's own notes (thread exits, signals such
# as the SIGURG Go uses to preempt goroutines) out of the trace; they would
# also cut lines in two ("<unfinished ...>", "<... resumed>").
STRACE_FLAGS=(-f -qq -e signal=none -e "trace=$CALLS")

say "build step 1"
build step1-socket

say "run it under strace: -f follows every thread, -e trace= picks the calls, -o writes the trace to a file"
# strace hands its own stdout and stderr to the program, so the ready line
# still lands in step1.out and start_server can wait for it.
start_server step1 strace "${STRACE_FLAGS[@]}" -o "$TRACE" bin/step1-socket -addr 127.0.0.1:0 -once

say "one request"
run curl -s --max-time 10 "http://$ADDR/"

# -once: the server exits after this connection, and strace with it.
if ! wait_gone "$PID" 10; then
	echo "strace or step1-socket did not exit after one connection" >&2
	exit 1
fi
wait "$PID" || true

say "the raw trace has $(wc -l <"$TRACE") lines, and starts with the Go runtime, not with our code"
run head -n 10 "$TRACE"

# Before the program's first socket() the trace is the Go runtime starting
# up: recent versions read a few /sys and /proc files on fds 3 and 4 (openat
# is not in CALLS, so only their read and close show).
say "only the server's sockets"
echo "# the filter: sed starts at the first socket() line, which drops the runtime's"
echo "# startup files; grep drops write(1, ...) and write(2, ...), the program printing"
echo "# its dump and narration, and the '???( <detached ...>' strace may print for a"
echo "# thread caught in an untraced call at exit. What is left: the server's two sockets."
run_sh "sed -n '/ socket(/,\$p' $TRACE | grep -v -e ' write([12], ' -e '<detached'"

threads=$(sed -n '/ socket(/,$p' "$TRACE" | grep -v -e ' write([12], ' -e '<detached' | awk '{ print $1 }' | sort -u | wc -l)
echo "# the first column is the thread id: these calls ran on $threads thread(s) of one"
echo "# process (Go moves goroutines between threads); without -f strace follows only the first"

say "the program's own account of the same calls, on stderr"
echo "# the same calls, spelled alike; some strace versions show SO_RCVTIMEO's value as raw bytes"
show step1
