#!/usr/bin/env bash
# demo.sh: a step's demos for a class, one script after another, in the
# order of that step's plan in notes/teaching.md.
#
#   scripts/demo.sh STEP            # STEP is 1 to 6
#   PAUSE=1 scripts/demo.sh STEP    # wait for Enter between sections
#   WIDE=1 scripts/demo.sh STEP     # long lines whole (a wide screen)
#   scripts/demo.sh --list          # every step's plan
#   scripts/demo.sh --quick [STEP]  # what scripts/test.sh runs: without a
#                                   # step, check that the plans below and
#                                   # notes/teaching.md name the same demos
#                                   # in the same order; with one, run its
#                                   # demos in their --quick form
#
# Each demo prints its commands before it runs them and stops what it
# started. A demo that fails is reported and the next one runs: a class
# should not end on a broken projector. Exit status 1 if any failed.

set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

# The plans, one per session of notes/teaching.md: steps 1 to 3, the
# final server (4), under attack (5), its performance (6). Scripts not
# named here take minutes each: bench.sh is run before session 6 (and
# rewrites notes/06-performance.svg), final-soak.sh is homework.
PLANS=(
	""
	"step1-curl step1-strace step1-packets step1-blocking step1-reuseaddr"
	"step2-curl step2-lt-vs-et step2-backpressure step2-strace"
	"step3-parse step3-smuggle final-smuggle"
	"final-curl final-pipeline final-strace final-wrk"
	"final-slowloris final-bigbody final-emfile final-fairshare final-smuggle final-shutdown"
	"final-wrk final-strace bench-idle"
)

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
	exit 2
}

QUICK=0 STEP=""
for arg in "$@"; do
	case $arg in
	--quick) QUICK=1 ;;
	--list)
		for step in 1 2 3 4 5 6; do
			echo "step $step: ${PLANS[step]}"
		done
		exit 0
		;;
	-h | --help) usage ;;
	[1-6]) STEP=$arg ;;
	*) usage ;;
	esac
done

# check_plans: every script of every plan exists, and notes/teaching.md
# lists each step's demos in the same order ("1. `scripts/NAME.sh`" lines
# under "## Step N").
check_plans() {
	local step name listed failed=0
	for step in 1 2 3 4 5 6; do
		for name in ${PLANS[step]}; do
			if [ ! -x "scripts/$name.sh" ]; then
				echo "step $step: scripts/$name.sh is missing or not executable"
				failed=1
			fi
		done
		listed=$(awk -v step="$step" '
			/^## / { on = ($0 ~ "^## Step " step "[^0-9]") }
			on && /^[0-9]+\. .*`scripts\/[a-z0-9-]+\.sh`/ {
				match($0, /scripts\/[a-z0-9-]+\.sh/)
				name = substr($0, RSTART + 8, RLENGTH - 11)
				printf "%s%s", sep, name; sep = " "
			}' notes/teaching.md)
		if [ "$listed" != "${PLANS[step]}" ]; then
			echo "step $step: notes/teaching.md lists \"$listed\""
			echo "        scripts/demo.sh plans  \"${PLANS[step]}\""
			failed=1
		fi
	done
	((failed == 0)) && echo "demo.sh: the six plans match notes/teaching.md"
	return "$failed"
}

if [ -z "$STEP" ]; then
	((QUICK)) || usage
	check_plans
	exit
fi

read -r -a demos <<<"${PLANS[STEP]}"
args=()
((QUICK)) && args=(--quick)
failed=()
for i in "${!demos[@]}"; do
	name=${demos[i]}
	if ((i > 0)) && [ "${PAUSE:-0}" = 1 ]; then
		printf '\n[Enter: next demo, scripts/%s.sh] ' "$name"
		read -r _ || true # end of input: go on
	fi
	printf '\n=== step %s, demo %d of %d: scripts/%s.sh\n' "$STEP" $((i + 1)) ${#demos[@]} "$name"
	if ! bash "scripts/$name.sh" "${args[@]}"; then
		echo "=== scripts/$name.sh failed; notes/teaching.md, \"When a demo fails\", says what to try"
		failed+=("$name")
	fi
done
echo
if ((${#failed[@]} > 0)); then
	echo "=== step $STEP: ${#failed[@]} of ${#demos[@]} demos failed: ${failed[*]}"
	exit 1
fi
echo "=== step $STEP: all ${#demos[@]} demos ran"
