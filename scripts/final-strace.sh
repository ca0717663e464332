#!/usr/bin/env bash
# final-strace.sh: how many system calls one request costs, counted by strace,
# one request at a time and sixteen at a time.
#
# Runs bin/final with one event loop under strace -f, twice. First one client
# (curl) sends 1024 requests one after another on one keep-alive connection;
# then a fresh server gets 1024 requests pipelined in batches of 16: the
# client writes 16 requests at once and reads the 16 answers before it sends
# the next batch. For each run the script finds the loop's thread (the one
# that sleeps in epoll_wait on the server's epoll instance), counts that
# thread's calls by name, and divides by the number of requests. What the Go
# runtime's other threads did (nanosleep, futex, epoll_pwait on the runtime's
# own epoll instance) is counted apart: it follows time and start-up, not
# requests. With --quick, 192 requests per run. strace needs ptrace: in a
# container, start it with --cap-add SYS_PTRACE. Notes: notes/04-final.md,
# section "Keep-alive and pipelining".
#
#   scripts/final-strace.sh [--quick]

# This script prints the commands it runs, $ signs and all, in single quotes.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh" "$@"

need strace
need curl

N=1024
if ((QUICK)); then
	N=192
fi
BATCH=16
REQ='GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n'

# strace_server NAME: start bin/final under strace (start_traced in lib.sh
# sets SERVER to the server's own pid).
strace_server() {
	local name=$1
	# No -e trace=: every call of every thread is recorded, so nothing the
	# loop does can hide. -qq and -e signal=none leave out thread exits and
	# the runtime's SIGURG, which are not calls.
	start_traced "$name" strace -f -qq -e signal=none -o "$WORK/$name.strace" \
		bin/final -addr 127.0.0.1:0 -loops 1 -quiet
	echo "# strace is pid $PID; the server, its child, is pid $SERVER"
}

# JOIN glues back the calls strace cuts in two. When another thread makes a
# call while one is in progress, strace prints "epoll_wait(6, <unfinished
# ...>", and later "<... epoll_wait resumed>[...], 256, -1) = 1"; JOIN
# prints such a call once, whole, where it ended.
JOIN='
/ <unfinished \.\.\.>$/ { sub(/ *<unfinished \.\.\.>$/, ""); held[$1] = $0; next }
/^[0-9]+ +<\.\.\. [a-z0-9_]+ resumed>/ && ($1 in held) {
	rest = $0; sub(/^[0-9]+ +<\.\.\. [a-z0-9_]+ resumed> ?/, "", rest)
	print held[$1] rest; delete held[$1]; next
}
{ print }'

# LOOPCALLS prints the name of every call the loop made: the calls of
# thread tid from its first wait on the server's epoll instance ep onwards.
# The loop's goroutine may run on the process's first thread, which did the
# start-up too (execve, mmap, rt_sigaction...); that part is left out.
# (epoll_pwait: on arm64 Go has no epoll_wait and calls epoll_pwait.)
LOOPCALLS='
$1 == tid && $2 ~ "^epoll_p?wait\\(" ep "," { on = 1 }
on && $1 == tid { sub(/\(.*/, "", $2); print $2 }'

# OTHERCALLS: every other thread's calls, from the start.
OTHERCALLS='$1 != tid { sub(/\(.*/, "", $2); print $2 }'

# count NAME WHAT: the loop thread's calls by name, per request, and the rest.
count() {
	local name=$1 what=$2 trace=$WORK/$1.joined requests ep loop calls
	print_line "awk \"\$JOIN\" $WORK/$name.strace > $trace"
	awk "$JOIN" "$WORK/$name.strace" >"$trace"
	requests=$(sed -n 's/^final: served \([0-9]*\) requests.*/\1/p' "$WORK/$name.err")
	# The first epoll_create1 is the Go runtime's own instance, the second
	# the loop's (notes/02-epoll.md, "What strace shows").
	ep=$(awk '/ epoll_create1\(/ && ++n == 2 { print $NF; exit }' "$trace")
	# runtime.LockOSThread keeps the loop's goroutine, and so every call it
	# makes, on the thread that first waits on that instance.
	loop=$(awk -v ep="$ep" '$2 ~ "^epoll_p?wait\\(" ep "," { print $1; exit }' "$trace")
	echo "# the loop's epoll instance is descriptor $ep; the thread that waits on it is $loop"
	echo "# its calls by name:"
	print_line "awk -v tid=$loop -v ep=$ep \"\$LOOPCALLS\" $trace | sort | uniq -c | sort -rn"
	awk -v tid="$loop" -v ep="$ep" "$LOOPCALLS" "$trace" | sort | uniq -c | sort -rn
	calls=$(awk -v tid="$loop" -v ep="$ep" "$LOOPCALLS" "$trace" | wc -l)
	PER[$name]=$(awk -v c="$calls" -v n="$requests" 'BEGIN { printf "%.2f", c / n }')
	echo "# $what: $requests requests, $calls calls on the loop's thread: ${PER[$name]} per request"
	echo "# the other threads, busiest calls first: the runtime's own work (sysmon's"
	echo "# nanosleep, futex to park and wake threads) and main's start-up"
	print_line "awk -v tid=$loop \"\$OTHERCALLS\" $trace | sort | uniq -c | sort -rn | head -n 5"
	awk -v tid="$loop" "$OTHERCALLS" "$trace" | sort | uniq -c | sort -rn | head -n 5
}

declare -A PER

say "how the calls are counted"
echo "# strace -f writes one line per call: the thread id, then the call. The first"
echo "# awk program glues calls strace cut in two; the other two pick the loop's"
echo "# calls and everybody else's:"
printf 'JOIN=%s\n' "'$JOIN'"
printf 'LOOPCALLS=%s\n' "'$LOOPCALLS'"
printf 'OTHERCALLS=%s\n' "'$OTHERCALLS'"

say "build the final server"
build final

say "the size of one response, from a server without strace"
start_server plain bin/final -addr 127.0.0.1:0 -loops 1 -quiet
# One response to /plaintext is a fixed number of bytes (the Date field has a
# fixed width), so the pipelining client below knows how much to read before
# it sends its next batch.
run_sh "curl -s -o /dev/null -w '%{size_header} + %{size_download}\\n' --max-time 10 http://$ADDR/plaintext"
SIZE=$(curl -s -o /dev/null -w '%{size_header} %{size_download}' --max-time 10 "http://$ADDR/plaintext" | awk '{ print $1 + $2 }')
stop_server "$PID"

say "$N requests, one at a time, on one keep-alive connection"
strace_server seq
# curl's [1-N] is N URLs, fetched in turn over one connection.
run_sh "curl -s --max-time 60 'http://$ADDR/plaintext?[1-$N]' | grep -o 'Hello, World!' | wc -l"
stop_traced
run_sh "grep -E '^final: (served|syscalls)' $WORK/seq.err"
count seq "one at a time"

say "$N requests pipelined, $BATCH per write, on one connection"
strace_server batch
BATCHFILE=$WORK/batch.txt
print_line "for i in \$(seq $BATCH); do printf '$REQ'; done > $BATCHFILE"
for ((i = 0; i < BATCH; i++)); do printf '%b' "$REQ"; done >"$BATCHFILE"
echo "# one response is $SIZE bytes, so $BATCH of them are $((SIZE * BATCH))"
print_line "exec {conn}<>/dev/tcp/127.0.0.1/$PORT"
exec {conn}<>"/dev/tcp/127.0.0.1/$PORT"
print_line "for b in \$(seq $((N / BATCH))); do cat $BATCHFILE >&\$conn; timeout 10 head -c $((SIZE * BATCH)) <&\$conn > /dev/null; done"
# cat writes the 16 requests with one write(2); head -c asks read(2) for no
# more than it still needs, so it never eats into the next batch's answers.
for ((b = 0; b < N / BATCH; b++)); do
	cat "$BATCHFILE" >&"$conn"
	timeout 10 head -c $((SIZE * BATCH)) <&"$conn" >/dev/null
done
print_line "exec {conn}<&-"
exec {conn}<&-
stop_traced
run_sh "grep -E '^final: (served|syscalls)' $WORK/batch.err"
count batch "$BATCH per write"

say "calls per request, on the loop's thread"
printf '# one at a time:  %s\n' "${PER[seq]}"
printf '# %d per write:   %s\n' "$BATCH" "${PER[batch]}"
echo "# One at a time, every request costs an epoll_wait, a read and a write: three"
echo "# calls. Pipelined, the same three calls answer a whole batch: one read brings"
echo "# $BATCH requests, one write takes $BATCH responses (onReadable in"
echo "# final/server/read.go, flush in write.go). What is left over: one accept4"
echo "# (none that says EAGAIN), epoll_ctl and close for the connection, and at the end"
echo "# the eventfd read that wakes the loop for shutdown and its closes. futex on the"
echo "# loop's thread is the Go runtime handing the thread's scheduler slot away"
echo "# while it sleeps in epoll_wait and taking it back when it wakes: the longer"
echo "# the client makes the loop wait, the more often. rt_sigreturn, if any, ends a"
echo "# signal handler: the runtime's SIGURG, which -e signal=none keeps off the trace."
