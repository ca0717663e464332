#!/usr/bin/env bash
# exercise.sh: a skeleton of a step for you to complete, checked by the
# step's own tests (scripts/exercise/ is the program; notes say which
# exercise is which).
#
#   scripts/exercise.sh 2 ~/my-step2        step 2 with its exercises taken out
#   cd ~/my-step2 && go test -run 'TestEveryWaitingClientIsAccepted' .
#
#   scripts/exercise.sh -list [STEP]         every exercise, its note, its check
#   scripts/exercise.sh -only 2.2 2 DIR      only exercise 2.2 taken out
#   scripts/exercise.sh -solution 2 DIR      the same copy with nothing taken out
#   scripts/exercise.sh -verify [STEP...]    what CI runs: each skeleton fails,
#                                            exercise by exercise, then passes
#
# STEP is 1, 2, 3 or final. DIR must be new or empty; it may be anywhere
# (the copy has its own go.work and points at this repository for the
# earlier steps it imports, so keep the repository where it is).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$ROOT/bin"
# Built, then run from where you are, so that DIR is read as you typed it.
(cd "$ROOT/scripts" && GOWORK=off go build -o "$ROOT/bin/exercise" ./exercise)
exec "$ROOT/bin/exercise" -root "$ROOT" "$@"
