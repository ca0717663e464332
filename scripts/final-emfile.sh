#!/usr/bin/env bash
# final-emfile.sh: the final server out of descriptors, and at -max-conns.
#
# The script starts bin/final with one event loop under a limit of 64
# descriptors (prlimit --nofile=64:64) and opens 120 connections (100 with
# --quick) that it holds open. Past the limit, accept4(2) fails with
# EMFILE; the server sheds each waiting connection with its spare
# descriptor (accept it, close it) instead of spinning or dying. The script
# shows the connections held and shed, the server's trace of a shed, its
# CPU time and epoll_wait calls over one second at the limit (none), then
# lets the connections go and shows /stats counting the shed ones and the
# server serving again. Last, the polite limit: with -max-conns 20 the 21st
# client gets a 503 with Retry-After, not a silent close.
# Notes: notes/05-hardening.md, section "Out of descriptors: EMFILE and
# -max-conns".
#
#   scripts/final-emfile.sh [--quick]
. "$(dirname "$0")/lib.sh" "$@"

need curl
need ss iproute2
need prlimit util-linux

LIMIT=64 FLOOD=120
((QUICK)) && FLOOD=100

say "build the final server"
build final

say "start it with one loop and at most $LIMIT descriptors, with -trace to count its wakeups"
# prlimit sets the limit, then execs the server: the pid is the server's.
# The hard limit matters: Go raises the soft limit to the hard one at
# start-up, so a soft limit alone would not hold.
start_server final prlimit --nofile=$LIMIT:$LIMIT bin/final -addr 127.0.0.1:0 -loops 1 -quiet -trace
run_sh "ls /proc/$PID/fd | wc -l"
start_fds=$(ls "/proc/$PID/fd" | wc -l)
echo "# descriptors in use before any client: the standard three, the static root,"
echo "# the Go runtime's epoll and eventfd, the loop's epoll, listener, eventfd and spare"
echo "# (ten; more if whatever started this script left descriptors open to it)"

# fds: server descriptors in use; in_state STATE: our connections to the
# server in that TCP state.
fds() { ls "/proc/$PID/fd" | wc -l; }
in_state() { ss -Htn state "$1" "( dport = :$PORT )" | wc -l; }

say "$FLOOD connections, held open by this script"
print_line "held=(); for i in \$(seq $FLOOD); do exec {fd}<>/dev/tcp/127.0.0.1/$PORT; held+=(\$fd); done"
held=()
for ((i = 0; i < FLOOD; i++)); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	held+=("$fd")
done
# The accept queue is first in, first out: once curl, which connects last,
# has been dealt with, so has every connection before it.
run_sh "curl -s --max-time 5 http://$ADDR/healthz; echo \"curl exit \$?\""
echo "# 52 (empty reply) or 56 (reset): curl was shed too, and told at once"
run_sh "ls /proc/$PID/fd | wc -l"
echo "# the server is at its limit"
echo "# our side of each connection: ESTABLISHED if the server kept it, CLOSE-WAIT if it"
echo "# accepted and closed it at once (shed):"
print_line "ss -Htn state established '( dport = :$PORT )' | wc -l"
in_state established
print_line "ss -Htn state close-wait '( dport = :$PORT )' | wc -l"
in_state close-wait

say "what a shed looks like in the trace"
# From the first EMFILE to the spare's reopening: one shed.
run awk '/EMFILE/ { p = 1 } p { print } p && /openat/ { exit }' "$WORK/final.err"
run grep -c EMFILE "$WORK/final.err"
echo "# accept4 said EMFILE; the loop closed its spare (/dev/null), accepted the"
echo "# waiting connection with that number, closed it, and reopened the spare"

say "one second at the limit: the loop sleeps"
waits() { grep -c 'epoll_wait(' "$WORK/final.err"; }
cpu() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; } # utime + stime, proc(5)
w0=$(waits) c0=$(cpu)
run sleep 1
echo "# epoll_wait calls in that second: $(($(waits) - w0)); CPU: $(($(cpu) - c0)) ticks of $(getconf CLK_TCK)"

say "let the connections go"
print_line 'for fd in "${held[@]}"; do exec {fd}<&-; done'
for fd in "${held[@]}"; do exec {fd}<&-; done
# The server notices each end of file and closes its side; bounded wait.
for ((i = 0; i < 100 && $(fds) > start_fds; i++)); do sleep 0.1; done
run_sh "ls /proc/$PID/fd | wc -l"
run_sh "curl -s http://$ADDR/stats | grep -E '\"(connections_total|shed_emfile)\"' | tail -n 2"
run_sh "curl -s http://$ADDR/healthz; echo"
stop_server "$PID"

say "the polite limit: -max-conns 20, with descriptors to spare"
start_server capped bin/final -addr 127.0.0.1:0 -quiet -max-conns 20
print_line "held=(); for i in \$(seq 20); do exec {fd}<>/dev/tcp/127.0.0.1/$PORT; held+=(\$fd); done"
held=()
for ((i = 0; i < 20; i++)); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	held+=("$fd")
done
run_sh "curl -s -i --max-time 5 http://$ADDR/healthz | tr -d '\r'"
print_line 'for fd in "${held[@]}"; do exec {fd}<&-; done'
for fd in "${held[@]}"; do exec {fd}<&-; done
run_sh "curl -s --max-time 5 --retry 3 --retry-delay 1 http://$ADDR/healthz; echo"
echo "# served: if curl came before the server had seen our closes, it got a 503,"
echo "# waited the second Retry-After asks for (curl --retry honours it), and asked again"
run_sh "curl -s http://$ADDR/stats | grep -E '\"rejected_max_conns\"' | tail -n 1"
