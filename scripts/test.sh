#!/usr/bin/env bash
# test.sh: the one test command of the course. From a fresh clone:
#
#   scripts/test.sh
#
# It checks formatting, vets and race-tests every module in go.work, vets
# and tests the benchmark's peers (modules of their own), builds each
# module alone (GOWORK=off) and for another OS (to see the "needs
# Linux" message), checks that no non-test code imports net, fuzzes the
# parser briefly, generates the skeleton of every step (scripts/exercise.sh)
# and checks that each exercise's test fails while it is a stub and passes
# once written, runs the examples in notes/, runs every demo script in
# --quick mode (each line of their output within 100 columns), and builds
# the course's container where a container engine runs. Then it runs the
# tests again with the oldest Go the README promises
# (scripts/test-min-go.sh) and built for arm64 under qemu-user
# (scripts/test-arm64.sh). It prints what failed and exits non-zero on any
# failure.
#
# Set TEST_SKIP to a space-separated list of step names to skip some
# (for example TEST_SKIP="scripts notes" while working on code, or
# TEST_SKIP="min-go arm64" for the newest Go on this machine only).
#
# A step that exits 77 could not run here (a tool or a toolchain is
# missing; it says which): it is reported as SKIPPED, apart from the passes,
# and the summary lists it.

set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

FAILED=()
SKIPPED=()
SKIP=" ${TEST_SKIP:-} "

# step NAME CMD...: run one check, remember it if it fails.
step() {
	local name=$1
	shift
	if [[ $SKIP == *" ${name%%:*} "* ]]; then
		echo "=== $name: skipped (TEST_SKIP)"
		return
	fi
	echo "=== $name"
	local start=$SECONDS status
	"$@"
	status=$?
	if [ $status -eq 0 ]; then
		echo "--- ok: $name ($((SECONDS - start))s)"
	elif [ $status -eq 77 ]; then
		echo "--- SKIPPED: $name ($((SECONDS - start))s): it could not run here, see above"
		SKIPPED+=("$name")
	else
		echo "--- FAILED: $name ($((SECONDS - start))s)"
		FAILED+=("$name")
	fi
}

# The modules are the "use" lines of go.work, so a new step is tested as
# soon as it is listed there. The scripts module is listed only so that
# `go run ./scripts/check` works from the root; it is tooling, not a step
# (it may use net, and it builds on any Unix), so the "tools" step tests it.
mapfile -t MODULES < <(go work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p' | grep -vx scripts)

gofmt_clean() {
	local unformatted
	unformatted=$(gofmt -l .)
	[ -z "$unformatted" ] || {
		echo "gofmt -l lists files that need gofmt -w:"
		echo "$unformatted"
		return 1
	}
}

in_module() { (cd "$1" && shift && "$@"); }

# no_net_outside_tests: the course's own code may use golang.org/x/sys/unix
# and the standard library, but not the net package (tests may, as clients).
no_net_outside_tests() {
	local module=$1 found
	found=$(cd "$module" && go list -f '{{.ImportPath}}: {{join .Imports " "}}' ./... |
		grep -E ': (.* )?(net|net/http)( |$)' || true)
	[ -z "$found" ] || {
		echo "non-test code imports net or net/http:"
		echo "$found"
		return 1
	}
}

# builds_only_on_linux: on another OS the build must stop with the one
# readable message of not_linux.go, not a wall of undefined symbols.
builds_only_on_linux() {
	local module=$1 out
	out=$(cd "$module" && GOWORK=off GOOS=darwin GOARCH=arm64 go build ./... 2>&1)
	if [ $? -eq 0 ]; then
		echo "$module builds for darwin; it should refuse"
		return 1
	fi
	if ! grep -q this_course_needs_Linux <<<"$out" || grep -v this_course_needs_Linux <<<"$out" | grep -q undefined; then
		echo "unexpected build output for darwin:"
		echo "$out"
		return 1
	fi
}

# run_script: a demo in --quick mode, with PAUSE=1 and no input, so the
# pauses between sections are taken and go on at end of input, as they must.
run_script() {
	local script=$1
	local log=$ROOT/bin/test-logs/$(basename "$script").log
	PAUSE=1 timeout --kill-after=10 180 bash "$script" --quick </dev/null >"$log" 2>&1 || {
		local status=$?
		echo "$script --quick failed (exit $status); its output:"
		tail -n 60 "$log"
		return 1
	}
	if grep -q 'lib\.sh' "$script"; then
		fits_100_columns "$log"
	fi
}

# fits_100_columns LOG: a demo is read on a projector, and every line it
# prints must fit in 100 columns (scripts/lib.sh, fit; WIDE=1 is for wide
# screens only). Columns are characters, tabs to 8-column stops.
fits_100_columns() {
	local wide
	wide=$(expand "$1" | awk '{ t = $0; gsub(/[\200-\277]/, "", t) } length(t) > 100 { print FNR ": " $0 }')
	[ -z "$wide" ] || {
		echo "$1: $(wc -l <<<"$wide") lines wider than 100 columns; the first ones:"
		head -n 5 <<<"$wide"
		return 1
	}
}

# fuzz_parser: the parser under the default limits, then under small ones
# (a read past a limit hid where the defaults never reach).
fuzz_parser() {
	(cd step3-parse && go test -run '^$' -fuzz '^FuzzParse$' -fuzztime "${FUZZTIME:-15s}" ./httpparse) &&
		(cd step3-parse && go test -run '^$' -fuzz '^FuzzParseWithSmallLimits$' -fuzztime "${FUZZTIME:-15s}" ./httpparse)
}

# stage_tester NAME STATUS LINE ARGS...: run the stage tester
# (scripts/check) with ARGS, and expect exit status STATUS and, if LINE is
# not empty, a line of output that starts with LINE.
stage_tester() {
	local log=$ROOT/bin/test-logs/$1.log want=$2 line=$3 status=0
	shift 3
	timeout --kill-after=10 300 go run ./scripts/check "$@" >"$log" 2>&1 || status=$?
	if [ "$status" -ne "$want" ] || { [ -n "$line" ] && ! grep -q "^$line" "$log"; }; then
		echo "go run ./scripts/check $*: exit $status, want $want${line:+ and a line '$line'}; its output:"
		tail -n 60 "$log"
		return 1
	fi
}

mkdir -p bin/test-logs
step gofmt gofmt_clean
for module in "${MODULES[@]}"; do
	step "vet:$module" in_module "$module" go vet ./...
	step "test:$module" in_module "$module" go test -race -count=1 ./...
	step "alone:$module" in_module "$module" env GOWORK=off go build ./...
	step "linux-only:$module" builds_only_on_linux "$module"
	step "no-net:$module" no_net_outside_tests "$module"
done
step "tools" in_module scripts bash -c 'GOWORK=off go vet ./... && GOWORK=off go test -count=1 ./...'
# bench.sh's peers and the parser comparison are modules of their own
# (scripts/bench/gnet, fasthttp, parsers), outside go.work so that their
# dependencies never reach the course's: vetted and tested alone, and
# skipped where their modules cannot be fetched (offline, before setup.sh).
peer_module() {
	local dir=$1
	if ! (cd "$dir" && GOWORK=off go mod download >/dev/null 2>&1); then
		echo "$dir: its dependencies cannot be fetched here (no network, and not in the module cache)"
		return 77
	fi
	(cd "$dir" && GOWORK=off go vet ./... && GOWORK=off go test -count=1 ./...)
}
for dir in scripts/bench/*/; do
	[ -f "$dir/go.mod" ] && step "peers:$(basename "$dir")" peer_module "${dir%/}"
done
if [ -d step3-parse/httpparse ]; then
	step fuzz fuzz_parser
fi
# The skeletons a learner completes (scripts/exercise.sh): each builds,
# and each exercise's check fails as a stub, naming the exercise, then
# passes once it is written, the steps side by side (about two minutes).
step exercises in_module scripts env GOWORK=off go run ./exercise -root .. -verify
# notes_check runs the notes' examples. Their traces show the descriptor
# numbers of Go 1.23 and later, whose runtime wakes its own epoll instance
# through an eventfd; Go 1.22's runtime uses a pipe, one descriptor more,
# and every number after it comes out one higher. Under Go 1.22 the step
# says so and is skipped, not failed (README.md, Prerequisites).
notes_check() {
	local minor
	minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
	if [ -n "$minor" ] && [ "$minor" -lt 23 ]; then
		echo "notes: skipped with $(go env GOVERSION): the notes show the descriptor numbers of Go 1.23 and later"
		return 77
	fi
	in_module scripts env GOWORK=off go run ./notescheck
}
step notes notes_check
# The stage tester against the course's own servers: step 1 passes stage 1
# and fails stage 2 where note 1 says it must (a slow client stops it);
# step 2 passes stages 1 and 2; final passes all five.
step stages:step1-socket stage_tester stages-step1 1 'FAIL stage2.slow_client ' \
	-stage 2 -- go run ./step1-socket -addr '127.0.0.1:{port}'
step stages:step2-epoll stage_tester stages-step2 0 '' \
	-stage 2 -- go run ./step2-epoll -addr '127.0.0.1:{port}'
step stages:final stage_tester stages-final 0 '' -stage 5 -header-timeout 2s -idle-timeout 3s -- \
	go run ./final -addr '127.0.0.1:{port}' -root '{root}' -quiet -header-timeout 2s -idle-timeout 3s
for script in scripts/*.sh; do
	case $(basename "$script") in
	lib.sh | test.sh | wait-ready.sh | test-min-go.sh | test-arm64.sh | exercise.sh) continue ;; # helpers, not demos
	esac
	step "scripts:$(basename "$script")" run_script "$script"
done

# The container of README's "Not on Linux?", where an engine runs.
step devcontainer bash .devcontainer/build.sh

# The same tests on what learners have besides this machine's newest Go on
# amd64: the README's minimum Go, and arm64.
step min-go bash scripts/test-min-go.sh
step arm64 bash scripts/test-arm64.sh

echo
if [ ${#SKIPPED[@]} -gt 0 ]; then
	echo "scripts/test.sh: ${#SKIPPED[@]} could not run here and were skipped (not passed):"
	printf '  %s\n' "${SKIPPED[@]}"
fi
if [ ${#FAILED[@]} -eq 0 ] && [ ${#SKIPPED[@]} -gt 0 ]; then
	echo "scripts/test.sh: all that ran passed"
	exit 0
elif [ ${#FAILED[@]} -eq 0 ]; then
	echo "scripts/test.sh: all passed"
	exit 0
fi
echo "scripts/test.sh: ${#FAILED[@]} failed:"
printf '  %s\n' "${FAILED[@]}"
exit 1
