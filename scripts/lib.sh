# shellcheck shell=bash
# lib.sh: what every demo script shares. Source it first thing:
#
#   . "$(dirname "$0")/lib.sh" "$@"
#
# It moves to the repository root, reads --quick, prints each command before
# running it, builds the programs once into bin/, starts servers and waits for
# their ready line, and stops everything it started when the script ends,
# however it ends. Every wait is bounded.
#
# Every command a script prints can be pasted into a shell, from the
# repository root, and does what the script did: words are quoted as the
# shell needs them (quote, below), the files it names are in a directory of
# their own under /tmp ($WORK) that stays there after the script ends, and
# no descriptor is opened without its own printed exec line.
#
# Two settings for a classroom, from the environment:
#   PAUSE=1  wait for Enter before each section but the first, so the screen
#            holds while the teacher talks (end of input goes on: with
#            PAUSE=1 and stdin not a terminal the script runs through)
#   WIDE=1   print long lines whole. By default every line fits in 100
#            columns, for a projector: fit, below, shortens socket addresses
#            and cuts the middle out of longer lines.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT=$(cd "$(dirname "$0")" && pwd)/$(basename "$0") # before the cd, for --help
cd "$ROOT"

# --quick: what scripts/test.sh passes so that no script rots. Scripts keep
# their shape and shorten only their waits and loads.
QUICK=0
for arg in "$@"; do
	case $arg in
	--quick) QUICK=1 ;;
	-h | --help)
		sed -n '2,/^$/s/^# \{0,1\}//p' "$SCRIPT"
		exit 0
		;;
	*)
		echo "usage: $0 [--quick]" >&2
		exit 2
		;;
	esac
done

PAUSE=${PAUSE:-0}
WIDE=${WIDE:-0}
COLUMNS_MAX=100

# A directory per run, named after the script: two runs at once (two
# terminals, or two test runs on one machine) never share files. It is kept
# when the script ends, so that the commands it printed can be run again;
# --quick runs (the tests) remove it.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/$(basename "$0" .sh).XXXX")
STARTED=()

# cleanup stops every server this script started: SIGTERM first, so each
# prints its exit counters, then SIGKILL for anything still there after a
# few seconds.
cleanup() {
	local status=$?
	local pid
	for pid in "${STARTED[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${STARTED[@]}"; do
		wait_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null || true
	done
	if ((QUICK)); then
		rm -rf "$WORK"
	else
		printf '\n# the files it wrote stay in %s (rm -r it when done)\n' "$WORK"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SECTIONS=0

# say prints a heading for what comes next. With PAUSE=1 it first waits for
# Enter, except before the first heading.
say() {
	if ((SECTIONS++ > 0)) && [ "$PAUSE" = 1 ]; then
		printf '\n[Enter: next section] '
		read -r _ || true # end of input: go on
	fi
	printf '\n## %s\n' "$*" | fit
}

# quote ARGS...: the words as one shell line, each quoted only if it must be,
# so that the line can be pasted into a shell and run as shown. A word with a
# control character in it (a tab, a newline) gets printf %q's $'...' form.
quote() {
	local out="" arg q
	for arg in "$@"; do
		if [[ $arg =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
			q=$arg
		elif [[ $arg == *[[:cntrl:]]* ]]; then
			printf -v q '%q' "$arg"
		else
			q="'${arg//\'/\'\\\'\'}'"
		fi
		out+="${out:+ }$q"
	done
	printf '%s' "$out"
}

# WRAP breaks a shell command line longer than max columns at spaces that
# are outside quotes, ending each piece with " \" and indenting the next, so
# the wrapped command still pastes as one. A comment (a word that starts
# with #) is never broken: a backslash cannot continue a comment.
WRAP='
function width(s,  t) { t = s; gsub(/[\200-\277]/, "", t); return length(t) }
{
	line = $0; n = length(line); nw = 0; word = ""; quote = ""
	for (i = 1; i <= n; i++) {
		c = substr(line, i, 1)
		if (quote == "" && c == "#" && word == "") { word = substr(line, i); break }
		if (quote == "" && c == " ") { if (word != "") words[++nw] = word; word = ""; continue }
		word = word c
		if (quote == "" && c == "\\" && i < n) { word = word substr(line, ++i, 1); continue }
		if (quote == "\"" && c == "\\" && i < n) { word = word substr(line, ++i, 1); continue }
		if (quote == "" && (c == "\047" || c == "\"")) quote = c
		else if (c == quote) quote = ""
	}
	if (word != "") words[++nw] = word
	out = "$ " words[1]
	for (k = 2; k <= nw; k++) {
		if (width(out) + 1 + width(words[k]) + 2 > max) {
			print out " \\"
			out = "    " words[k]
		} else {
			out = out " " words[k]
		}
	}
	print out
}'

# print_line LINE: print a shell command line, "$ " first, wrapped to fit.
print_line() {
	if [ "$WIDE" = 1 ] || ((${#1} + 2 <= COLUMNS_MAX)); then
		printf '$ %s\n' "$1"
	else
		printf '%s\n' "$1" | awk -v max="$COLUMNS_MAX" "$WRAP"
	fi
}

# print_cmd ARGS...: print a command given as words, quoted.
print_cmd() { print_line "$(quote "$@")"; }

# assign NAME VALUE: set and export a variable for the commands that follow
# (run_sh runs them in a child bash), and print the assignment: NAME='...',
# then NAME+='...' lines for the rest of a long value, each cut after a
# written line end (\r\n) where one falls within the width.
assign() {
	local name=$1 value=$2 op="=" piece before room
	export "$name=$value"
	while :; do
		room=$((COLUMNS_MAX - ${#name} - 7)) # "$ NAME+='" and "'"
		if [ "$WIDE" = 1 ] || ((${#value} <= room)); then
			print_line "$name$op'${value//\'/\'\\\'\'}'"
			return
		fi
		piece=${value:0:room}
		before=${piece%\\n*}
		if [ "$before" != "$piece" ] && ((${#before} > room / 3)); then
			piece="$before\\n"
		fi
		print_line "$name$op'${piece//\'/\'\\\'\'}'"
		value=${value:${#piece}}
		op="+="
	done
}

# FIT keeps output within the width. Socket addresses in strace's spelling,
# in a trace or in a server's narration, become one short form everywhere:
#   {sa_family=AF_INET, sin_port=htons(41234), sin_addr=inet_addr("127.0.0.1")}
#   -> {AF_INET 127.0.0.1:41234}
# and a line still too long loses its middle, marked by "…", keeping its end
# from the last " = " (the result of a call) when there is one. Tabs are
# expanded first, to 8-column stops. WIDE=1 leaves every line alone.
FIT='
function width(s,  t) { t = s; gsub(/[\200-\277]/, "", t); return length(t) }
# cut s to at most n bytes, without leaving half a UTF-8 character
function cut(s, n) { s = substr(s, 1, n); if (s ~ /[\200-\377]$/) sub(/[\300-\377][\200-\277]*$/, "", s); return s }
function expand(s,  out, i, c) {
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\t") { do out = out " "; while (width(out) % 8 != 0) } else out = out c
	}
	return out
}
function sockaddrs(s,  head, m, port, addr) {
	while (match(s, /\{sa_family=AF_INET, sin_port=htons\([0-9]+\), sin_addr=inet_addr\("[0-9.]+"\)\}/)) {
		m = substr(s, RSTART, RLENGTH)
		port = m; sub(/.*htons\(/, "", port); sub(/\).*/, "", port)
		addr = m; sub(/.*inet_addr\("/, "", addr); sub(/".*/, "", addr)
		s = substr(s, 1, RSTART - 1) "{AF_INET " addr ":" port "}" substr(s, RSTART + RLENGTH)
	}
	while (match(s, /\{sa_family=AF_INET6, sin6_port=htons\([0-9]+\), [^}]*inet_pton\(AF_INET6, "[0-9a-f:.]+"[^}]*\}/)) {
		m = substr(s, RSTART, RLENGTH)
		port = m; sub(/.*htons\(/, "", port); sub(/\).*/, "", port)
		addr = m; sub(/.*inet_pton\(AF_INET6, "/, "", addr); sub(/".*/, "", addr)
		s = substr(s, 1, RSTART - 1) "{AF_INET6 [" addr "]:" port "}" substr(s, RSTART + RLENGTH)
	}
	return s
}
{
	line = $0
	if (index(line, "\t")) line = expand(line)
	line = sockaddrs(line)
	if (width(line) > max) {
		p = 0
		for (q = index(line, " = "); q > 0; q = index(substr(line, p + 1), " = ")) p += q
		if (p > 0 && length(line) - p < 50) {
			# a call and its result: cut out the middle of the call,
			# keeping its last argument when there is room
			tail = substr(line, p)
			for (c = p - 1; c > 1 && substr(line, c, 2) != ", "; c--) ;
			if (c > 1 && length(line) - c < 80) tail = substr(line, c)
			line = cut(line, max - 1 - length(tail)) "…" tail
		} else if (substr(line, 1, max) ~ /[^ ][ ,]/) {
			# words (or JSON): wrap after a space or a comma; the lines that
			# continue a comment stay comments
			indent = (line ~ /^# /) ? "#   " : "  "
			while (width(line) > max) {
				head = cut(line, max)
				for (sp = length(head); sp > length(indent) + 1; sp--) {
					c = substr(head, sp, 1)
					if (c == " " || c == ",") break
				}
				if (sp <= length(indent) + 1) break
				print substr(line, 1, c == "," ? sp : sp - 1)
				line = indent substr(line, sp + 1)
			}
			if (width(line) > max) line = cut(line, max - 1) "…"
		} else {
			line = cut(line, max - 1) "…"
		}
	}
	print line
	fflush()
}'

# fit: the filter itself, for a pipe: CMD | fit.
fit() {
	if [ "$WIDE" = 1 ]; then
		cat
	else
		awk -v max="$COLUMNS_MAX" "$FIT"
	fi
}

# run prints a command, then runs it, its output (stderr too) fitted.
run() {
	print_cmd "$@"
	"$@" 2>&1 | fit
}

# run_sh prints a shell command line (pipes, redirections), then runs it.
run_sh() {
	print_line "$1"
	bash -c "$1" 2>&1 | fit
}

# need stops the script with a clear message when a tool is missing.
need() {
	local tool=$1 package=${2:-$1}
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "$0 needs $tool: apt-get install $package (or your system's equivalent)" >&2
		exit 1
	fi
}

# build compiles one program of the course into bin/, quietly unless it fails.
build() {
	local module=$1
	mkdir -p bin
	print_cmd go build -o "bin/$module" "./$module"
	go build -o "bin/$module" "./$module"
}

# start_server NAME CMD...: start a server in the background with its stdout
# in $WORK/NAME.out and its stderr in $WORK/NAME.err, wait for the ready
# line, and set ADDR (host:port), PORT and PID from it.
start_server() {
	local name=$1
	shift
	print_line "$(quote "$@") > $WORK/$name.out 2> $WORK/$name.err &"
	"$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	PID=$!
	STARTED+=("$PID")
	if ! wait_for "$WORK/$name.out" 'listening on ' 60; then
		echo "$name did not print its ready line; it said:" >&2
		cat "$WORK/$name.out" "$WORK/$name.err" >&2
		exit 1
	fi
	ADDR=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$WORK/$name.out" | head -n 1)
	PORT=${ADDR##*:}
	echo "# $name is pid $PID, listening on $ADDR"
}

# stop_server PID: SIGTERM, then wait (bounded) until the process is gone.
stop_server() {
	local pid=$1
	print_cmd kill -TERM "$pid"
	kill -TERM "$pid" 2>/dev/null || true
	if ! wait_gone "$pid" 10; then
		echo "pid $pid ignored SIGTERM for 10s; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# build_peer NAME: build scripts/bench/NAME, a module of its own, outside
# go.work (its dependencies stay out of the course's modules). With
# --quick, a build that a cold cache makes slow is cut short: the peer is
# then left out, and the next run goes on from what the cache kept.
build_peer() {
	local limit=()
	[ "$QUICK" = 1 ] && limit=(timeout 100)
	print_line "(cd scripts/bench/$1 && GOWORK=off go build -o ../../../bin/$1 .)"
	(cd "scripts/bench/$1" && GOWORK=off "${limit[@]}" go build -o "../../../bin/$1" .)
}

# start_nginx STATIC PREFIX...: nginx as the course's servers run, one
# process (no master, one worker: one event loop), answering /plaintext as
# they do and, when STATIC is a directory, serving its files under
# /static/ with sendfile(2), as final does. PREFIX, if any, comes before
# the nginx command (bench.sh: taskset -c 0). nginx prints no ready line
# and cannot report a port the kernel chose, so this picks a port that
# ss(8) shows free and waits until nginx answers there; if another program
# took the port first, nginx exits (bind: EADDRINUSE) and the next try
# picks another. Sets ADDR, PORT and PID as start_server does.
start_nginx() {
	local static=$1 port try
	shift
	need nginx nginx-light
	need ss iproute2
	mkdir -p "$WORK/nginx"
	# -e (the error log before the configuration is read) came in nginx
	# 1.19.5; an older one logs there only what fails before it reads
	# error_log from the configuration.
	local elog=()
	if nginx -h 2>&1 | grep -q -- '-e filename'; then
		elog=(-e "$WORK/nginx.err")
	fi
	for try in 1 2 3; do
		for port in $(shuf -i 20000-60000 -n 20); do
			ss -Htln "sport = :$port" | grep -q . || break
		done
		write_nginx_conf "$port" "$static"
		print_line "$(quote "$@" nginx -p "$WORK/nginx" "${elog[@]}" -c "$WORK/nginx.conf") > $WORK/nginx.out 2>&1 &"
		"$@" nginx -p "$WORK/nginx" "${elog[@]}" -c "$WORK/nginx.conf" >"$WORK/nginx.out" 2>&1 &
		PID=$!
		STARTED+=("$PID")
		ADDR=127.0.0.1:$port
		PORT=$port
		if wait_nginx; then
			echo "# nginx is pid $PID, listening on $ADDR"
			return 0
		fi
		kill -0 "$PID" 2>/dev/null && break # running, not answering: no point in another port
		wait "$PID" 2>/dev/null || true
	done
	echo "nginx did not answer on $ADDR; it said:" >&2
	cat "$WORK/nginx.out" "$WORK/nginx.err" >&2 2>/dev/null
	exit 1
}

# wait_nginx: wait (10 s at most) until nginx, pid $PID, answers on $ADDR;
# the Server field tells it from another program on the same port.
wait_nginx() {
	local tries=100
	while ((tries-- > 0)) && kill -0 "$PID" 2>/dev/null; do
		if curl -s -D - -o /dev/null --max-time 1 "http://$ADDR/plaintext" | grep -qi '^server: nginx'; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# write_nginx_conf PORT STATIC: $WORK/nginx.conf, every path in $WORK.
write_nginx_conf() {
	local static=""
	if [ -n "$2" ]; then
		# sendfile_max_chunk is 2 MiB by default since nginx 1.21.4: past
		# it, the worker goes back to its event loop, as final does past
		# its write quota.
		static="location /static/ { alias \"$2/\"; sendfile on; }"
	fi
	cat >"$WORK/nginx.conf" <<NGINX
daemon off;
master_process off;
worker_processes 1;
pid "$WORK/nginx/nginx.pid";
error_log "$WORK/nginx.err" warn;
events { worker_connections 8192; }
http {
	access_log off;
	keepalive_requests 100000000;  # as the Go servers: no limit per connection
	client_body_temp_path "$WORK/nginx/body";  # here, not in the system's directories
	proxy_temp_path "$WORK/nginx/proxy";
	fastcgi_temp_path "$WORK/nginx/fastcgi";
	uwsgi_temp_path "$WORK/nginx/uwsgi";
	scgi_temp_path "$WORK/nginx/scgi";
	server {
		listen 127.0.0.1:$1 backlog=4096;
		location = /plaintext {
			default_type "text/plain; charset=utf-8";
			return 200 "Hello, World!";
		}
		$static
	}
}
NGINX
}

# start_traced NAME strace OPTIONS... PROGRAM ARGS...: start_server for a
# program run under strace, and set SERVER to the program's own pid.
# strace started with a program ignores SIGTERM (it blocks fatal signals so
# as not to lose the end of the trace), so the program, its child, is the
# process to stop; strace ends when it does.
start_traced() {
	start_server "$@"
	SERVER=$(pgrep -P "$PID")
	STARTED+=("$SERVER")
}

# stop_traced: stop the traced program, then wait for strace to write its
# last lines.
stop_traced() {
	stop_server "$SERVER"
	if ! wait_gone "$PID" 10; then
		echo "strace did not exit after the server did" >&2
		exit 1
	fi
	wait "$PID" || true
}

# wait_for FILE PATTERN SECONDS: wait until FILE has a line matching PATTERN.
wait_for() {
	local file=$1 pattern=$2 seconds=${3:-30}
	local tries=$((seconds * 10))
	while ((tries-- > 0)); do
		if grep -q -- "$pattern" "$file" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# wait_gone PID SECONDS: wait until the process has exited.
wait_gone() {
	local pid=$1 seconds=${2:-10}
	local tries=$((seconds * 10))
	while ((tries-- > 0)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# show NAME: print what a background server wrote so far, stdout then stderr.
show() {
	local name=$1
	print_cmd cat "$WORK/$name.out"
	fit <"$WORK/$name.out"
	if [ -s "$WORK/$name.err" ]; then
		print_cmd cat "$WORK/$name.err"
		fit <"$WORK/$name.err"
	fi
}
