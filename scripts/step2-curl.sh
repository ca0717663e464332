#!/usr/bin/env bash
# step2-curl.sh: hundreds of clients at once, and one thread serving them all.
#
# Starts bin/step2-epoll on a free port, opens 100 idle connections that never
# send a byte (one such client was enough to block step 1), then runs 200 curl
# processes at the same time (50 with --quick) and counts the status codes
# they got. It then shows the server's threads: a handful, and only one of
# them sleeps in epoll_wait on the server's epoll instance. Last, it stops the
# server, whose counters say how many connections that one thread handled.
# Notes: notes/02-epoll.md, section "One thread per client, or one thread for all".
#
#   scripts/step2-curl.sh [--quick]

# This script prints the commands it runs, $ signs and all, in single quotes.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh" "$@"

need curl
need ss iproute2
need xargs findutils

CLIENTS=200
IDLE=100
if ((QUICK)); then
	CLIENTS=50
	IDLE=20
fi

say "build step 2"
build step2-epoll

say "start it on a free port"
start_server step2 bin/step2-epoll -addr 127.0.0.1:0

say "$IDLE idle clients: connected, silent, never closed"
# bash's /dev/tcp connects without any helper process; the descriptors stay
# open in this script until it exits.
print_line "for i in \$(seq $IDLE); do exec {fd}<>/dev/tcp/127.0.0.1/$PORT; done"
for ((i = 0; i < IDLE; i++)); do
	# shellcheck disable=SC2034 # fd only has to stay open
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
done
echo "# the kernel has finished all $IDLE handshakes:"
run_sh "ss -Htn state established '( sport = :$PORT )' | wc -l"

say "$CLIENTS curl processes at the same time, each asking for /"
# xargs -P starts them all at once; each prints only its status code.
run_sh "seq $CLIENTS | xargs -P $CLIENTS -I{} curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 http://$ADDR/ | sort | uniq -c"
echo "# every one answered 200, while $IDLE clients sat idle on the same loop"

say "how many threads does the server have?"
# Let the loop finish the last curls' hang-ups first: once it sleeps in
# epoll_wait again, /proc shows it there.
tries=50
until grep -q '^[0-9]* 0x5 ' /proc/"$PID"/task/*/syscall 2>/dev/null || ((tries-- == 0)); do
	sleep 0.1
done
run_sh "ls /proc/$PID/task | wc -l"
echo "# a handful, all started by the Go runtime; what is each doing?"
echo "# wchan: where the kernel put the thread to sleep; syscall: the call it is"
echo "# in and its first argument (for epoll_wait, the epoll descriptor)"
print_line "for t in /proc/$PID/task/*; do echo \"\${t##*/} \$(cat \$t/wchan) \$(cut -d' ' -f1,2 \$t/syscall)\"; done"
for t in /proc/"$PID"/task/*; do
	echo "${t##*/} $(cat "$t/wchan" 2>/dev/null) $(cut -d' ' -f1,2 "$t/syscall" 2>/dev/null || echo '(syscall not readable here)')"
done
echo "# the thread whose first argument is 0x5 sleeps in epoll_wait on descriptor 5,"
echo "# the server's epoll instance: that one thread is the whole server. The threads"
echo "# in a futex wait are the runtime's, parked; one of them may sleep in epoll_pwait"
echo "# on 0x3, the runtime's own epoll instance (see scripts/step2-strace.sh)."

say "stop it: the counters count every connection that one thread handled"
stop_server "$PID"
show step2
echo "# accepts = $IDLE idle + $CLIENTS curl; requests = $CLIENTS; closed = accepts: the idle"
echo "# ones were closed at shutdown"
