#!/usr/bin/env bash
# test-min-go.sh: vet and test every module with the oldest Go the README
# promises, besides the newest that scripts/test.sh runs. scripts/test.sh
# runs it.
#
#   scripts/test-min-go.sh                   # the minimum: go1.22.0
#   MIN_GO=go1.22.12 scripts/test-min-go.sh  # another release
#
# The minimum is not written here: it is the go line of go.work, which
# every go.mod must repeat and the README must promise ("Go 1.22 or
# newer"); the script checks that the three agree, then tests the first
# release of that line (go1.22.0), which is also what an older go with
# GOTOOLCHAIN=auto downloads for this repository. The toolchain is fetched
# through the Go module proxy, like a module, and cached in
# $(go env GOMODCACHE); without it the script says so and exits 77, which
# scripts/test.sh reports as skipped, never as passed.
#
# No -race here: scripts/test.sh race-tests with the newest Go, and what
# changes between releases is the library and the compiler, which the plain
# test run exercises (the race run would double the time).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

# run CMD...: print a command, as every script of the course does, then run it.
run() {
	echo "+ $*"
	"$@"
}

# The promise, in its three places.
line=$(go work edit -json | sed -n 's/^\t"Go": "\(.*\)",\{0,1\}$/\1/p')
[ -n "$line" ] || {
	echo "test-min-go: go.work has no go line"
	exit 1
}
# The course's modules are the "use" lines of go.work; the scripts module
# (tooling) runs on its own (GOWORK=off), as in scripts/test.sh.
mapfile -t MODULES < <(go work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p' | grep -vx scripts)
OUTSIDE=(scripts)
vet_and_test() { run go vet ./... && run go test -count=1 ./...; }
disagree=0
for module in "${MODULES[@]}" "${OUTSIDE[@]}"; do
	got=$(cd "$module" && GOWORK=off go mod edit -json | sed -n 's/^\t"Go": "\(.*\)",\{0,1\}$/\1/p')
	if [ "$got" != "$line" ]; then
		echo "test-min-go: $module/go.mod says go $got, go.work says go $line"
		disagree=1
	fi
done
if ! grep -q "Go $line or newer" README.md; then
	echo "test-min-go: README.md does not promise \"Go $line or newer\", as go.work's go line says"
	disagree=1
fi
[ $disagree -eq 0 ] || exit 1

MIN_GO=${MIN_GO:-go$line.0}
export GOTOOLCHAIN=$MIN_GO
# The first go command fetches the toolchain: one download, then cached.
if ! have=$(go env GOVERSION 2>&1); then
	echo "test-min-go: SKIPPED, nothing was tested with $MIN_GO: the module proxy did not give it:"
	echo "$have"
	exit 77
fi
if [ "$have" != "$MIN_GO" ]; then
	echo "test-min-go: asked for $MIN_GO, got $have"
	exit 1
fi
echo "test-min-go: go.work, every go.mod and README.md say Go $line; testing with $have"

failed=()
for module in "${MODULES[@]}"; do
	(cd "$module" && vet_and_test) || failed+=("$module")
done
for module in "${OUTSIDE[@]}"; do
	(cd "$module" && GOWORK=off vet_and_test) || failed+=("$module")
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "test-min-go: failed with $MIN_GO: ${failed[*]}"
	exit 1
fi
echo "test-min-go: every module vets and passes its tests with $MIN_GO"
