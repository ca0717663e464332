#!/usr/bin/env bash
# final-fairshare.sh: each client's fair share of the final server, under
# two attacks that need no more than a laptop.
#
# First, descriptors: 40 clients (10 with --quick) each send 4000
# pipelined requests for a small file in one go and read nothing. The
# server stops parsing a connection's requests while a file is queued on
# it, so each holds its socket and at most one open file, under a limit of
# 1024 descriptors; another client still gets its file. Then, time: one
# event loop, a client asking for /plaintext every 10 ms and timing each
# answer (scripts/bench/fairshare), alone, then while three clients (two
# with --quick; each a process of its own) download a large file as fast
# as loopback allows, then with those downloads on another server, as a
# control: what the machine's own load costs; then the same against nginx
# (one worker) where it is installed. Each connection gets at most 256 KiB
# of a wakeup, so the small request waits for a share or two, not for
# megabytes. Notes:
# notes/05-hardening.md, sections "What a connection may hold" and
# "Fairness inside a loop".
#
#   scripts/final-fairshare.sh [--quick]

# This script prints the commands it runs, $ signs and all, in single quotes.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh" "$@"

need curl
need prlimit util-linux

CLIENTS=40 PIPELINED=4000 DOWNLOADS=3 BIG=1G MEASURE=5s
if ((QUICK)); then
	CLIENTS=10 DOWNLOADS=2 BIG=256M MEASURE=1s
fi

say "build the final server and the timed client (scripts/bench/fairshare)"
build final
print_line '(cd scripts && GOWORK=off go build -o ../bin/fairshare ./bench/fairshare)'
(cd scripts && GOWORK=off go build -o ../bin/fairshare ./bench/fairshare)

say "a root with a 2 KiB file, and a large one (sparse: its zeros take no disk)"
run mkdir -p "$WORK/root"
run_sh "head -c 2048 /dev/zero | tr '\\0' x > $WORK/root/small.txt"
run truncate -s "$BIG" "$WORK/root/big.bin"

say "one loop, at most 1024 descriptors (a common default)"
start_server final prlimit --nofile=1024:1024 bin/final -addr 127.0.0.1:0 -loops 1 -quiet -root "$WORK/root"
fds() { ls "/proc/$PID/fd" | wc -l; }
start_fds=$(fds)
run_sh "ls /proc/$PID/fd | wc -l"

say "$CLIENTS clients, each sending $PIPELINED requests for the small file, reading nothing"
assign REQ 'GET /static/small.txt HTTP/1.1\r\nHost: x\r\n\r\n'
print_line "for i in \$(seq $PIPELINED); do printf \"\$REQ\"; done > $WORK/batch"
for ((i = 0; i < PIPELINED; i++)); do printf '%b' "$REQ"; done >"$WORK/batch"
run_sh "wc -c < $WORK/batch"
print_line "conns=(); for i in \$(seq $CLIENTS); do exec {fd}<>/dev/tcp/127.0.0.1/$PORT; timeout 10 cat $WORK/batch >&\$fd; conns+=(\$fd); done"
conns=()
for ((i = 0; i < CLIENTS; i++)); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	timeout 10 cat "$WORK/batch" >&"$fd"
	conns+=("$fd")
done
echo "# each answer is about 2.2 KB: $PIPELINED of them are more than a socket's buffers"
echo "# hold (about 4 MB on loopback), so every connection fills up and waits for"
echo "# EPOLLOUT; /stats counts those waits (bounded wait until all $CLIENTS have)"
waits() { curl -s "http://$ADDR/stats" | grep -o '"output_waits": [0-9]*' | head -n 1 | grep -o '[0-9]*$'; }
print_line "waits() { curl -s http://$ADDR/stats | grep -o '\"output_waits\": [0-9]*' | head -n 1 | grep -o '[0-9]*\$'; }"
print_line "for i in \$(seq 100); do [ \$(waits) -ge $CLIENTS ] && break; sleep 0.1; done"
for ((i = 0; i < 100 && $(waits) < CLIENTS; i++)); do sleep 0.1; done
run_sh "curl -s http://$ADDR/stats | grep -E '\"(requests|output_waits)\"' | tail -n 2"

say "what the server holds: a socket for each client, and at most one file"
run_sh "ls -l /proc/$PID/fd | grep -c socket:"
run_sh "ls -l /proc/$PID/fd | grep -c small.txt"
run_sh "ls /proc/$PID/fd | wc -l"
echo "# $start_fds descriptors before; now one socket per client and one file for each"
echo "# connection whose socket filled in the middle of a file (the listener is a socket too)."
echo "# Before the engine stopped parsing while a file was queued, each such client held"
echo "# a descriptor for every response queued up to the 256 KiB output cap: about a hundred"
echo "# here; 40 clients took the server to its limit of 1024, and requests got 503"
echo "# 'out of file descriptors' (TestPipelinedFileRequestsHoldOneFileEach in final/)"
run_sh "curl -s -o /dev/null -w '%{http_code} %{size_download} bytes\\n' http://$ADDR/static/small.txt"
echo "# another client still gets its file"

say "the clients hang up; the server closes their connections"
print_line 'for fd in "${conns[@]}"; do exec {fd}<&-; done'
for fd in "${conns[@]}"; do exec {fd}<&-; done
for ((i = 0; i < 100 && $(fds) > start_fds; i++)); do sleep 0.1; done
run_sh "ls /proc/$PID/fd | wc -l"
stop_server "$PID"

say "time: a request every 10 ms, alone, then during $DOWNLOADS downloads of $BIG, one loop"
echo "# first, the large file once through the page cache: the first reader of a file pays"
echo "# for filling it, and each of the runs below should find it there"
run_sh "cat $WORK/root/big.bin > /dev/null"
start_server final bin/final -addr 127.0.0.1:0 -loops 1 -quiet -root "$WORK/root"
MAIN=$ADDR MAIN_PID=$PID
run bin/fairshare -addr "$MAIN" -downloads "$DOWNLOADS" -for "$MEASURE"
echo "# the downloads share the loop with the timed client: each connection gets at most"
echo "# 256 KiB of a wakeup (writeQuota in final/server/write.go), then the loop moves on."
echo "# A loop that wrote until EAGAIN would make the small request wait for megabytes."

say "the control: the same downloads from another server, the timed client's loop idle"
start_server other bin/final -addr 127.0.0.1:0 -loops 1 -quiet -root "$WORK/root"
run bin/fairshare -addr "$MAIN" -download-addr "$ADDR" -downloads "$DOWNLOADS" -for "$MEASURE"
echo "# what is left is the machine's own load: the downloads' CPU, the other processes."
echo "# The closer the two 'during' lines, the less the shared loop costs the small request"
echo "# (on a busy machine both vary from run to run: run it twice)."
stop_server "$PID"
stop_server "$MAIN_PID"

say "the same test against nginx: one worker, sendfile on, the same files"
if command -v nginx >/dev/null 2>&1; then
	start_nginx "$WORK/root"
	run bin/fairshare -addr "$ADDR" -downloads "$DOWNLOADS" -for "$MEASURE"
	echo "# nginx's worker goes back to its event loop after sendfile_max_chunk (2 MiB by"
	echo "# default since 1.21.4); final after 256 KiB per connection per wakeup."
	stop_server "$PID"
else
	echo "# nginx is not installed here (apt-get install nginx-light): no comparison"
fi
