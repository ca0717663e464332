#!/usr/bin/env bash
# final-bigbody.sh: request bodies that are declared and never sent.
#
# A Content-Length is a promise, not a fact. bin/bigbody (from
# scripts/bench/bigbody) opens 4000 connections (500 with --quick), each a
# POST whose head declares an 8 MiB body, then sends one byte of it and
# nothing more: 64 bytes of traffic per connection. The script shows the
# server's virtual memory and resident set (VmSize and VmRSS in
# /proc/PID/status) and its live heap (/stats?gc=1, which -stats-gc allows)
# before, while every connection waits for its body, and after the body
# timeout (5s; 2s with --quick) has ended them all with 408. A server that
# sized a buffer from the declared length would reserve 32,000 MiB here
# (4,000 MiB with --quick). Then, with the loop's body budget
# (-max-body-buffer) at 1 MiB, one body fills it and the next gets 503
# with Retry-After; once the first is gone, a body fits again. The script
# fails if the virtual memory grew by more than an eighth of what was
# declared, or if a connection was not ended.
# Notes: notes/05-hardening.md, section "A declared size is a promise, not
# a fact".
#
#   scripts/final-bigbody.sh [--quick]
. "$(dirname "$0")/lib.sh" "$@"

need curl

N=4000 BODY_TIMEOUT=5s
((QUICK)) && N=500 BODY_TIMEOUT=2s
DECLARE=$((8 << 20))

say "build the final server and the attacker (scripts/bench/bigbody)"
build final
print_line '(cd scripts && GOWORK=off go build -o ../bin/bigbody ./bench/bigbody)'
(cd scripts && GOWORK=off go build -o ../bin/bigbody ./bench/bigbody)

# vm_kib FIELD: a line of /proc/PID/status (proc(5)), in KiB.
vm_kib() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$PID/status"; }

# bytes_in: what the server has read, all loops together (the last
# "bytes_in" of /stats is the total's).
bytes_in() {
	curl -s "http://$ADDR/stats" | awk -F '[:,]' '/"bytes_in"/ { n = $2 } END { print n + 0 }'
}

# measure NAME: show the server's memory now, and keep it for the table.
declare -A VMSIZE VMRSS HEAP
measure() {
	run_sh "grep -E '^Vm(Size|RSS):' /proc/$PID/status"
	VMSIZE[$1]=$(vm_kib VmSize) VMRSS[$1]=$(vm_kib VmRSS)
	print_line "curl -s 'http://$ADDR/stats?gc=1' | grep heap_bytes"
	local line
	line=$(curl -s "http://$ADDR/stats?gc=1" | grep heap_bytes)
	echo "$line"
	HEAP[$1]=$(awk -F '[:,]' '{ print int($2 / 1024) }' <<<"$line")
}

say "start final: one loop, a body must arrive within $BODY_TIMEOUT of its head"
echo "# -max-body-buffer 1 TiB admits every body: what is shown is what waiting bodies cost."
echo "# The default budget (64 MiB per loop) would admit eight and refuse the rest: see below."
start_server final bin/final -addr 127.0.0.1:0 -loops 1 -quiet -stats-gc -body-timeout "$BODY_TIMEOUT" \
	-max-body-buffer 1099511627776

say "before"
measure before

say "$N connections, each declaring an 8 MiB body and sending 1 byte of it"
print_line "bin/bigbody -addr $ADDR -n $N -declare $DECLARE -send 1 -wait 60s > $WORK/bigbody.out 2>&1 &"
bin/bigbody -addr "$ADDR" -n "$N" -declare "$DECLARE" -send 1 -wait 60s >"$WORK/bigbody.out" 2>&1 &
CLIENT=$!
STARTED+=("$CLIENT")
if ! wait_for "$WORK/bigbody.out" 'declared' 60; then
	echo "bigbody did not open its connections; it said:" >&2
	cat "$WORK/bigbody.out" >&2
	exit 1
fi
run head -n 1 "$WORK/bigbody.out"
# Measure once the server has read every byte sent: each connection then
# waits for the rest of its body.
sent=$(sed -n 's/.* sent \([0-9]*\) bytes.*/\1/p' "$WORK/bigbody.out")
for ((i = 0; i < 300 && $(bytes_in) < sent; i++)); do sleep 0.1; done
echo "# the server has read all $sent bytes; every connection waits for the rest of its body"
measure during

say "the body timeout ends them: 408, then the close"
echo "# bigbody reads each connection until the server closes it, then exits (at most 60 s)"
status=0
wait "$CLIENT" || status=$?
run tail -n +2 "$WORK/bigbody.out"
run_sh "curl -s http://$ADDR/stats | grep -E '\"(connections_open|timeouts)\"' | tail -n 2"
measure after

say "the server's memory, in KiB"
row() { printf '%-10s %12s %12s %12s\n' "$@"; }
row "" before during after
row VmSize "${VMSIZE[before]}" "${VMSIZE[during]}" "${VMSIZE[after]}"
row VmRSS "${VMRSS[before]}" "${VMRSS[during]}" "${VMRSS[after]}"
row heap "${HEAP[before]}" "${HEAP[during]}" "${HEAP[after]}"
declared_kib=$((N * DECLARE >> 10))
grown_kib=$((VMSIZE[during] - VMSIZE[before]))
echo "# $N connections declared $((declared_kib >> 10)) MiB of bodies and sent $sent bytes;"
echo "# the server's virtual memory grew by $grown_kib KiB, its heap by $((HEAP[during] - HEAP[before])) KiB"
ok=1
if ((grown_kib > declared_kib / 8)); then
	echo "FAIL: virtual memory grew by more than an eighth of what was declared"
	ok=0
fi
if ((status != 0)); then
	echo "FAIL: bigbody exited with status $status: the server did not end every connection"
	ok=0
fi

say "the body budget: -max-body-buffer 1 MiB, and a body that fills it"
# A long body timeout: nothing below waits for it.
start_server budget bin/final -addr 127.0.0.1:0 -loops 1 -quiet -body-timeout 60s \
	-max-body-bytes 1048576 -max-body-buffer 1048576
# One byte short of its 1 MiB: the body's buffer has grown to the size
# declared, and holds the whole budget.
print_line "bin/bigbody -addr $ADDR -n 1 -declare 1048576 -send 1048575 -wait 60s > $WORK/first.out 2>&1 &"
bin/bigbody -addr "$ADDR" -n 1 -declare 1048576 -send 1048575 -wait 60s >"$WORK/first.out" 2>&1 &
FIRST=$!
STARTED+=("$FIRST")
for ((i = 0; i < 300 && $(bytes_in) < 1048575; i++)); do sleep 0.1; done
echo "# the server holds 1048575 bytes of a 1 MiB body: the whole budget of its loop."
echo "# Another body that must wait for more reads has no room, and gets 503:"
run bin/bigbody -addr "$ADDR" -n 1 -declare 100 -send 50 -wait 10s
echo "# the first client goes away; its body goes back to the budget"
print_cmd kill "$FIRST"
kill "$FIRST" 2>/dev/null || true
wait "$FIRST" 2>/dev/null || true
open_conns() { curl -s "http://$ADDR/stats" | awk -F '[:,]' '/"connections_open"/ { n = $2 } END { print n + 0 }'; }
for ((i = 0; i < 300 && $(open_conns) > 1; i++)); do sleep 0.1; done
run_sh "head -c 100000 /dev/zero > $WORK/body.bin"
echo "# a body of 100000 bytes takes several reads, so it is gathered, within the budget:"
run_sh "curl -s --data-binary @$WORK/body.bin http://$ADDR/echo | wc -c"

[ "$ok" = 1 ] && echo "ok: memory followed the bytes received, not the sizes declared"
[ "$ok" = 1 ]
