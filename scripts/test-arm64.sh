#!/usr/bin/env bash
# test-arm64.sh: vet and test every package built for arm64 (GOARCH=arm64),
# run under qemu-user on this amd64 machine. scripts/test.sh runs it.
#
#   scripts/test-arm64.sh
#
# Why: learners run the course on arm64 (a Linux VM on an Apple Silicon Mac,
# a Raspberry Pi, a cloud instance), where unix.EpollEvent has another
# layout and some system calls do not exist (epoll_wait: arm64 has only
# epoll_pwait). Building for arm64 catches code that assumes amd64; running
# the tests catches the rest.
#
# Needs qemu-aarch64-static (Debian and Ubuntu: apt-get install
# qemu-user-static) and its binfmt_misc entry, so that the kernel runs an
# arm64 binary through qemu wherever it is started: go test starts each test
# binary, and some tests start themselves again (os.Args[0]). A systemd
# distribution registers the entry when the package is installed; elsewhere
# (a container, a CI machine without systemd) this script registers it
# when it runs as root. When it cannot run, it says why and exits 77, which
# scripts/test.sh reports as skipped, never as passed.
#
# No -race: the race detector needs cgo, and cgo a cross C compiler.
# Tests that cannot mean anything under emulation are skipped by name
# (EMULATION_SKIP below, each with its reason) and listed in the output.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

skip() {
	echo "test-arm64: SKIPPED, nothing was tested for arm64: $*"
	exit 77
}

# run CMD...: print a command, as every script of the course does, then run it.
run() {
	echo "+ $*"
	"$@"
}

if [ "$(go env GOHOSTARCH)" = arm64 ]; then
	skip "this machine is arm64 already: scripts/test.sh has just tested it natively"
fi
QEMU=$(command -v qemu-aarch64-static || command -v qemu-aarch64) ||
	skip "qemu-aarch64-static is not installed (Debian, Ubuntu: apt-get install qemu-user-static)"

BINFMT=/proc/sys/fs/binfmt_misc
# registered: is there an enabled binfmt_misc entry for arm64 ELF files?
registered() {
	local entry
	for entry in "$BINFMT"/qemu-aarch64*; do
		[ -f "$entry" ] && grep -q '^enabled' "$entry" && return 0
	done
	return 1
}

if ! registered; then
	[ "$(id -u)" -eq 0 ] ||
		skip "no binfmt_misc entry for arm64, and registering one needs root (sudo $0)"
	# The entry Debian's package ships; flag F makes the kernel open qemu now,
	# so the entry works in any mount namespace (binfmt_misc(7) has no man
	# page; see the kernel's Documentation/admin-guide/binfmt-misc.rst).
	conf=/usr/lib/binfmt.d/qemu-aarch64.conf
	[ -r "$conf" ] || skip "no binfmt_misc entry for arm64, and no $conf to register one from"
	echo "test-arm64: registering qemu for arm64 binaries with binfmt_misc"
	if [ ! -w "$BINFMT/register" ]; then
		run mount -t binfmt_misc binfmt_misc "$BINFMT" ||
			skip "cannot mount binfmt_misc on $BINFMT (a container without the privilege?)"
	fi
	run sh -c "cat $conf > $BINFMT/register" ||
		skip "the kernel refused the binfmt_misc entry from $conf"
	registered || skip "binfmt_misc has no enabled qemu-aarch64 entry after registering one"
fi

# A first arm64 program, before a whole suite fails for a reason that has
# nothing to do with the code.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'package main\n\nimport "runtime"\n\nfunc main() { println(runtime.GOARCH) }\n' >"$probe/main.go"
(cd "$probe" && GOWORK=off GOARCH=arm64 go build -o probe main.go) ||
	skip "go cannot build for arm64 here"
got=$("$probe/probe" 2>&1) || skip "an arm64 program does not run here: $got"
[ "$got" = arm64 ] || skip "an arm64 program printed $got, not arm64"
echo "test-arm64: arm64 programs run through $QEMU"

# The course's modules are the "use" lines of go.work; the scripts module
# (tooling) runs on its own (GOWORK=off), as in scripts/test.sh.
mapfile -t MODULES < <(go work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p' | grep -vx scripts)
OUTSIDE=(scripts)

# EMULATION_SKIP: tests whose measure is the emulator's, not the code's.
# - TestDeclaredBodiesDoNotSizeMemory (final): compares the server's
#   virtual memory (VmSize) before and after 2000 connections; under
#   qemu-user that is the emulator's address space, which grows with its
#   translation cache and its per-thread state, not the server's.
# - TestAFilesHeadAndBodyShareASegment (final/server): counts the TCP
#   segments a response arrived in from the client's TCP_INFO (tcp(7)).
#   qemu-user takes every SOL_TCP option for an int and hands back only
#   its first 4 bytes, so the counts read as 0 (seen under qemu 7.2: an
#   arm64 program printing its TCP_INFO gets rtt 0, data_segs_in 0). The
#   segments themselves are the kernel's, the same code on arm64.
EMULATION_SKIP='^(TestDeclaredBodiesDoNotSizeMemory|TestAFilesHeadAndBodyShareASegment)$'
echo "test-arm64: skipped under emulation, see the script for why: $EMULATION_SKIP"
vet_and_test() { run go vet ./... && run go test -count=1 -skip "$EMULATION_SKIP" ./...; }
export GOARCH=arm64
failed=()
for module in "${MODULES[@]}"; do
	(cd "$module" && vet_and_test) || failed+=("$module")
done
for module in "${OUTSIDE[@]}"; do
	(cd "$module" && GOWORK=off vet_and_test) || failed+=("$module")
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "test-arm64: failed for arm64: ${failed[*]}"
	exit 1
fi
echo "test-arm64: every module vets and passes its tests built for arm64"
