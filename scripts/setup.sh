#!/usr/bin/env bash
# setup.sh: run once with the network, and every later build, test and demo
# of the course works without it (a classroom, a train).
#
# It fetches what the go command would otherwise fetch on first use: the
# Go toolchain go.work asks for, if the installed go is older (and the
# oldest one scripts/test.sh also tests with, scripts/test-min-go.sh), and
# every module the course needs (golang.org/x/sys), into the module cache,
# and the benchmark's peers (gnet, fasthttp), built into bin/.
# It builds every program into bin/ and compiles the tests, so the build
# cache is warm. Then it proves the point: every module builds again with
# GOPROXY=off, the network forbidden. Where a container engine runs, it
# builds the course's container (.devcontainer/build.sh), whose base image
# and packages come from the network too. Last, it lists the tools the demos
# and tests use, which are present, and how to install the missing ones
# (apt-get, Debian and Ubuntu; it installs nothing itself).
#
#   scripts/setup.sh            # everything
#   scripts/setup.sh --quick    # no tests compiled, no container built (what
#                               # scripts/test.sh runs)
#
# Exit status 1 when a tool the notes and demos need is missing, or when a
# module does not build offline; tools only some parts need are listed as
# optional.
. "$(dirname "$0")/lib.sh" "$@"

# Every module: the steps in go.work, and scripts/ (listed there or not).
mapfile -t MODULES < <(go work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p')
[[ " ${MODULES[*]} " == *" scripts "* ]] || MODULES+=(scripts)
WANT=$(go work edit -json | sed -n 's/^\t"Go": "\(.*\)",\{0,1\}$/\1/p')
failed=0

say "Go: go.work asks for $WANT or newer"
run go version
have=$(go env GOVERSION)
if [ "$(printf '%s\n' "go$WANT" "$have" | sort -V | head -n 1)" != "go$WANT" ]; then
	echo "# the go command above is older than $WANT. With GOTOOLCHAIN=auto (the"
	echo "# default) it fetches a newer one for this repository by itself; here it is"
	echo "# GOTOOLCHAIN=$(go env GOTOOLCHAIN). Install Go $WANT or newer: https://go.dev/dl/"
	failed=1
fi
echo "# the oldest release scripts/test.sh tests with (scripts/test-min-go.sh), fetched"
echo "# once through the module proxy into the module cache:"
if ! run env GOTOOLCHAIN="go$WANT.0" go version; then
	echo "# (not fetched: scripts/test.sh will report its min-go step as skipped)"
fi

say "modules: every dependency into the module cache, $(go env GOMODCACHE)"
for module in "${MODULES[@]}"; do
	run_sh "(cd $module && GOWORK=off go mod download)" || failed=1
done

say "bench.sh's peers, gnet and fasthttp: modules of their own, outside go.work"
echo "# optional: without them bench.sh measures net/http, nginx and final, and says so"
for peer in gnet fasthttp; do
	[ -d "scripts/bench/$peer" ] || continue
	build_peer "$peer" || echo "# $peer not fetched: bench.sh will leave it out"
done

say "build: every program into bin/, and the tools in scripts/"
for module in step1-socket step2-epoll step3-parse final; do
	[ -d "$module" ] && build "$module"
done
for tool in notescheck check bench/nethttp bench/faults bench/idleclient bench/chart; do
	[ -d "scripts/$tool" ] || continue
	run_sh "(cd scripts && GOWORK=off go build -o ../bin/${tool##*/} ./$tool)" || failed=1
done
if ((QUICK)); then
	echo "# --quick: the tests are not compiled ahead"
else
	echo "# the tests, compiled but not run (-run '^$'), plain and with -race"
	for module in "${MODULES[@]}"; do
		run_sh "(cd $module && GOWORK=off go test -count=1 -run '^\$' ./... > /dev/null)" || failed=1
		run_sh "(cd $module && GOWORK=off go test -race -count=1 -run '^\$' ./... > /dev/null)" || failed=1
	done
fi

say "offline: every module builds with the network forbidden (GOPROXY=off)"
for module in "${MODULES[@]}"; do
	if ! run_sh "(cd $module && GOPROXY=off GOFLAGS=-mod=readonly GOWORK=off go build ./...)"; then
		echo "# $module needs the network still: run this script again where there is one"
		failed=1
	fi
done
run_sh "GOPROXY=off GOFLAGS=-mod=readonly go build ./final ./step1-socket ./step2-epoll ./step3-parse" || failed=1

if ((QUICK)); then
	echo "# --quick: the course's container (.devcontainer) is not built"
else
	say "the course's container, built now so that scripts/test.sh finds it cached"
	status=0
	bash .devcontainer/build.sh || status=$?
	case $status in
	0) ;;
	77) echo "# no container engine runs here: nothing to prepare" ;;
	*) failed=1 ;;
	esac
fi

say "tools: what the notes, the demos and the tests use"
# tool, Debian package, what needs it; "!" marks a tool some parts only need.
TOOLS=(
	"curl curl notes and demos: the client"
	"strace strace notes and demos: system calls as the kernel sees them"
	"nc netcat-openbsd notes and demos: raw bytes over TCP"
	"ss iproute2 notes and demos: sockets and their states"
	"wrk wrk final-wrk.sh, bench.sh, final-soak.sh: load"
	"taskset util-linux bench.sh: a CPU each for server and load"
	"prlimit util-linux final-emfile.sh: a descriptor limit for the server"
	"!tcpdump tcpdump step1-packets.sh: the packets (as root)"
	"!nginx nginx-light final-fairshare.sh, bench.sh: a peer to compare with"
	"!chromium chromium final/live_browser_test.go: /live in a real browser"
	"!qemu-aarch64-static qemu-user-static scripts/test-arm64.sh: the tests on arm64"
	"!docker docker.io .devcontainer/build.sh: the course's container"
)
missing=() optional=()
for entry in "${TOOLS[@]}"; do
	read -r tool package why <<<"$entry"
	need=required
	if [[ $tool == !* ]]; then
		tool=${tool#!} need=optional
	fi
	if command -v "$tool" >/dev/null 2>&1; then
		printf '  %-20s %-9s %s\n' "$tool" found "$why"
	else
		printf '  %-20s %-9s %s\n' "$tool" MISSING "$why ($need)"
		if [ "$need" = required ]; then
			missing+=("$package")
		else
			optional+=("$package")
		fi
	fi
done
if command -v strace >/dev/null 2>&1; then
	if strace -f -qq -o /dev/null true 2>/dev/null; then
		echo "  strace may trace here (ptrace is allowed)"
	else
		echo "  strace is NOT allowed to trace here: in a container, start it with"
		echo "  --cap-add SYS_PTRACE (.devcontainer does); notes/teaching.md has a fallback"
	fi
fi
if command -v tcpdump >/dev/null 2>&1 && [ "$(id -u)" -ne 0 ]; then
	echo "  tcpdump needs root: run scripts/step1-packets.sh with sudo to see packets"
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "# missing, and needed by the notes and demos:"
	echo "#   sudo apt-get install ${missing[*]}"
	failed=1
fi
if [ ${#optional[@]} -gt 0 ]; then
	echo "# missing, for the parts named above only:"
	echo "#   sudo apt-get install ${optional[*]}"
fi
if ((failed)); then
	echo "# not ready: see above"
	exit 1
fi
echo "# ready: builds, tests and demos need no network from now on"
