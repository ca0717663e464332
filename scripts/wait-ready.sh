#!/usr/bin/env bash
# wait-ready.sh FILE [SECONDS]: wait until a server started in the background
# has written its ready line ("... listening on HOST:PORT") to FILE, then
# print HOST:PORT. Gives up after SECONDS (default 60) with exit status 1.
#
#   : > /tmp/step1.out        # empty the file first, so an old ready line
#   bin/step1-socket -addr 127.0.0.1:0 > /tmp/step1.out &   # cannot be read
#   ADDR=$(scripts/wait-ready.sh /tmp/step1.out)
#
# The file may not exist yet when this starts (the shell creates it only
# when the background job runs); that counts as "not ready yet".
set -uo pipefail
file=${1:?usage: wait-ready.sh FILE [SECONDS]}
tries=$((${2:-60} * 10))
while ((tries-- > 0)); do
	if [ -f "$file" ]; then
		addr=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$file" | head -n 1)
		if [ -n "$addr" ]; then
			echo "$addr"
			exit 0
		fi
	fi
	sleep 0.1
done
echo "wait-ready.sh: no ready line in $file after ${2:-60}s" >&2
exit 1
