# Servers on loopback for the tests: the HTTP server (tests/httpd.js) with
# queued faults (tests/faults.js), free ports, waiting for a condition.
# scripts/install-deps installs node and tests/node_modules.

# need_node: skip unless node and the test servers' packages are installed.
need_node() {
	command -v node >/dev/null || skip "node is not installed (scripts/install-deps)"
	[ -d "$VT_ROOT/tests/node_modules/s3rver" ] || skip "tests/node_modules is missing (scripts/install-deps)"
}

# _serve DIR SCRIPT ARGS...: start node SCRIPT in the background, its port
# in DIR/port and its pid in DIR/pid; wait until it listens.
_serve() {
	local dir=$1 script=$2 i
	shift 2
	node "$VT_ROOT/tests/$script" "$@" >"$dir/port" 2>"$dir/stderr" 3>&- &
	echo $! >"$dir/pid"
	for ((i = 0; i < 200; i++)); do
		[ -s "$dir/port" ] && return 0
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.05
	done
	flunk "$script did not start: $(cat "$dir/stderr")"
}

# server_stop DIR: stop what s3_start or http_start started there.
server_stop() {
	local f
	for f in "$1/pid" "$1/minio.pid"; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	return 0
}

# faults JSON: queue faults (tests/faults.js) on the server at URL, or the
# S3 one. faults_clear [URL]: none.
faults() {
	curl -sS -f -X POST "${2:-$AWS_ENDPOINT_URL}/__vt/faults" -d "$1" >/dev/null
}
faults_clear() {
	curl -sS -f -X DELETE "${1:-$AWS_ENDPOINT_URL}/__vt/faults" >/dev/null
}

# http_start DIR: a web server for the files in DIR/root, logging to
# DIR/log; sets HTTP_URL.
http_start() {
	mkdir -p "$1/root"
	: >"$1/log"
	_serve "$1" httpd.js --root "$1/root" --log "$1/log" || return
	HTTP_URL=http://127.0.0.1:$(cat "$1/port")
	export HTTP_URL
}

# free_port: a TCP port on loopback that nothing listens on.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		ss -Htan "( sport = :$p )" | grep -q . || { echo "$p"; return; }
	done
}

# header NAME [FILE]: a response header's value, from the headers curl -D
# wrote to FILE (default: headers).
header() {
	tr -d '\r' <"${2:-headers}" | sed -n "s/^$1: *//Ip" | head -n 1
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds, or fail.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" 2>/dev/null; do
		[ "$SECONDS" -lt "$end" ] || { flunk "timed out waiting for: $*"; return 1; }
		sleep 0.2
	done
}
