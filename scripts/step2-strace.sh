#!/usr/bin/env bash
# step2-strace.sh: step 2 under strace, with the Go runtime's own epoll beside ours.
#
# Runs bin/step2-epoll -trace under strace -f while curl sends one request.
# The server's own narration (-trace) goes to a file of its own, strace's
# trace to another. The script then picks the trace apart: the two epoll
# instances (the runtime's, then the server's), the runtime's threads polling
# theirs, the one thread that runs the server's loop, found by the thread id
# that called accept4, and, from a second run with strace -c, everything else
# a Go program does (futex, nanosleep, signals). strace needs ptrace: in a
# container, start it with --cap-add SYS_PTRACE. Notes: notes/02-epoll.md,
# section "What strace shows".
#
#   scripts/step2-strace.sh [--quick]

# This script prints the commands it runs, $ signs and all, in single quotes.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh" "$@"

need strace
need curl

CALLS=epoll_create1,epoll_ctl,epoll_wait,epoll_pwait,eventfd2,accept4,read,write,close
TRACE=$WORK/strace.txt

# JOIN is an awk program that glues back the lines strace cuts in two. When
# another thread makes a call while one is in progress, strace prints
# "epoll_wait(5, <unfinished ...>", the other call, and later "<... epoll_wait
# resumed>[...], 128, -1) = 1"; JOIN prints the call once, whole, where it
# ended.
JOIN='
/ <unfinished \.\.\.>$/ { sub(/ +<unfinished \.\.\.>$/, " "); held[$1] = $0; next }
/<\.\.\. [a-z0-9_]+ resumed>/ && ($1 in held) {
	rest = $0; sub(/^[0-9]+ +<\.\.\. [a-z0-9_]+ resumed> ?/, "", rest)
	print held[$1] rest; delete held[$1]; next
}
{ print }'

# strace_server NAME STRACE-OPTIONS...: start the server under strace
# (start_traced in lib.sh sets SERVER to the server's own pid).
strace_server() {
	local name=$1
	shift
	start_traced "$name" strace -f "$@" bin/step2-epoll -addr 127.0.0.1:0 -trace
}

say "build step 2"
build step2-epoll

say "run it under strace: -f follows every thread, -e picks the calls, -o writes the trace to a file"
# The server's stderr (its -trace narration) goes to step2.err, not into
# strace's file, so the two accounts can be put side by side.
strace_server step2 -o "$TRACE" -e trace="$CALLS"
echo "# strace is pid $PID; the server, its child, is pid $SERVER"

say "one request"
run curl -s --max-time 10 "http://$ADDR/"
# Wait until the loop has seen curl hang up, so the trace holds the whole
# connection.
if ! wait_for "$WORK/step2.err" 'EPOLL_CTL_DEL' 10; then
	echo "the server never closed curl's connection" >&2
	exit 1
fi

say "stop the server (not strace), and let strace finish"
stop_traced

say "glue back the calls strace cut in two"
JOINED=$WORK/joined.txt
echo "# an awk program: a call cut in two is printed once, whole, where it ended"
printf 'JOIN=%s\n' "'$JOIN'"
print_line "awk \"\$JOIN\" $TRACE > $JOINED"
awk "$JOIN" "$TRACE" >"$JOINED"
echo "# $(wc -l <"$TRACE") lines in the raw trace, $(wc -l <"$JOINED") once glued"

say "two epoll instances: the Go runtime's (created first), then the server's"
run_sh "grep -E '^[0-9]+ +(epoll_create1|eventfd2|epoll_ctl\(3,|epoll_ctl\(5, EPOLL_CTL_ADD, [67],)' $JOINED"
echo "# The first epoll_create1 and eventfd2 are the runtime's netpoller: it runs Go's"
echo "# timers (and the net package, unused here). sock.StartRuntimePoller makes it"
echo "# start now, with a 1 us sleep, instead of at the first timer, when clients may"
echo "# have taken every descriptor. The second epoll_create1 (5) and the second"
echo "# eventfd2 (7) are the server's: the instance its loop sleeps in, and the eventfd"
echo "# that a signal uses to wake that loop."

say "the runtime's threads look at their instance (3) now and then, without waiting"
# Go calls epoll_pwait for its instance on the versions we tried; the pattern
# takes epoll_wait too.
run_sh "grep -E 'epoll_p?wait\(3,' $JOINED | wc -l"
run_sh "grep -E 'epoll_p?wait\(3,' $JOINED | head -n 3"
echo "# a timeout of 0: an idle Go scheduler checks for network events, finds none"

say "the server's loop: the thread that called accept4"
LOOP=$(awk '/ accept4\(/ { print $1; exit }' "$JOINED")
print_line "LOOP=\$(awk '/ accept4\\(/ { print \$1; exit }' $JOINED)   # = $LOOP"
echo "# its lines, less write(1, ...) and write(2, ...): the server printing"
run_sh "awk -v tid=$LOOP '\$1 == tid && !/ write\\([12], /' $JOINED"
echo "# One thread, one epoll instance (5), the client on 9. strace prints the event's"
echo "# data where the server's narration prints fd=9: u64=4294967305 is 1<<32 | 9,"
echo "# the connection's tag (1) above its descriptor. A --- SIGURG --- line, if any,"
echo "# is the Go runtime asking the thread to let another goroutine run."

say "everything else, counted by thread and call"
run_sh "awk -v tid=$LOOP '\$1 != tid { sub(/\\(.*/, \"\", \$2); print \$1, \$2 }' $JOINED | sort | uniq -c"
echo "# The server's set-up (socket, epoll_create1, epoll_ctl) ran before the loop"
echo "# locked its thread, so it shows under another id; write(1|2) is the server"
echo "# printing; write on another thread to the eventfd (7) is stop() waking the"
echo "# loop after SIGTERM; --- is a signal, +++ a thread exiting."

say "without -e: what the whole process does, counted by strace -c"
# A second run, counting rather than printing: no -o per call, one table.
strace_server count -c -S calls -o "$WORK/count.txt"
run curl -s --max-time 10 "http://$ADDR/"
wait_for "$WORK/count.err" 'EPOLL_CTL_DEL' 10 || true
stop_traced
run head -n 14 "$WORK/count.txt"
echo "# futex, nanosleep, rt_sigaction, mmap, clone: the Go runtime's threads, locks and"
echo "# memory. To see only the server, trace the calls it makes (-e trace=...) and"
echo "# follow the loop's thread id, as above."

say "the server's own account of the same calls, on stderr"
echo "# the first run's narration, to put beside the loop's lines above"
show step2
