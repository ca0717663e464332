#!/usr/bin/env bash
# build.sh: build the course's container (.devcontainer/Dockerfile) and
# check, inside it, that every tool is there and that strace may trace.
# scripts/test.sh runs it.
#
#   .devcontainer/build.sh
#
# It needs a container engine that runs: docker or podman. A client alone
# is not enough (a docker command whose daemon is not running, or not
# reachable); then the script says which it found and exits 77, which
# scripts/test.sh reports as skipped, never as passed. The build fetches
# the base image and Debian packages, so it needs the network.
set -uo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$DIR/.." && pwd)
IMAGE=${DEVCONTAINER_IMAGE:-epollhttp-devcontainer-test}

# engine: the first of docker and podman that answers, within 20 s. `info`
# talks to the engine itself; `version` would succeed with the client alone.
engine=""
why=()
for candidate in docker podman; do
	if ! command -v "$candidate" >/dev/null 2>&1; then
		why+=("$candidate: not installed")
		continue
	fi
	if out=$(timeout 20 "$candidate" info 2>&1); then
		engine=$candidate
		break
	fi
	why+=("$candidate: installed, but no engine answers ($(grep -m 1 -iE 'error|cannot|denied' <<<"$out" || echo "${out%%$'\n'*}"))")
done
if [ -z "$engine" ]; then
	echo "devcontainer: SKIPPED, the container was not built: no container engine runs here"
	printf '  %s\n' "${why[@]}"
	exit 77
fi

run() {
	echo "+ $*"
	"$@"
}

echo "devcontainer: building with $engine"
run timeout 1800 "$engine" build -t "$IMAGE" "$DIR" || {
	echo "devcontainer: the build failed"
	exit 1
}
# Inside: every tool of the notes and demos, Go new enough for go.work,
# and strace allowed to trace with the capability devcontainer.json adds.
check='
set -e
for tool in go curl strace nc wrk ss taskset prlimit tcpdump nginx; do
	command -v "$tool" > /dev/null || { echo "missing in the container: $tool"; exit 1; }
done
go version
strace -f -qq -o /dev/null true
cd /src/step1-socket && GOWORK=off go build -o /tmp/step1-socket .
echo "devcontainer: every tool is there, strace traces, step 1 builds"'
run timeout 600 "$engine" run --rm --cap-add SYS_PTRACE -v "$ROOT":/src:ro "$IMAGE" bash -c "$check"
