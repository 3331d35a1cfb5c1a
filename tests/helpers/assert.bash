# Assertions that make failures readable (after rbenv's test/test_helper.bash),
# and the claims every tool's command line makes: --version, a bad option.
# shellcheck disable=SC2154 # status, output, stderr, lines: set by bats' run

flunk() {
	{
		if [ "$#" -eq 0 ]; then cat -
		else echo "$@"
		fi
	} | sed "s:${BATS_TEST_TMPDIR:-/nonexistent}:TEST_DIR:g" >&2
	return 1
}

assert_success() {
	if [ "$status" -ne 0 ]; then
		flunk "command failed with exit status $status" \
			$'\noutput: '"$output"${stderr:+$'\nstderr: '"$stderr"}
	elif [ "$#" -gt 0 ]; then
		assert_output "$1"
	fi
}

# assert_failure [STATUS]
assert_failure() {
	if [ "$status" -eq 0 ]; then
		flunk "expected failure, command succeeded"$'\noutput: '"$output"
	elif [ "$#" -gt 0 ] && [ "$status" -ne "$1" ]; then
		flunk "expected exit status $1, got $status" \
			$'\noutput: '"$output"${stderr:+$'\nstderr: '"$stderr"}
	fi
}

assert_equal() {
	if [ "$1" != "$2" ]; then
		{
			echo "expected: $1"
			echo "actual:   $2"
		} | flunk
	fi
}

# assert_output [EXPECTED]; without an argument the expected text is stdin.
assert_output() {
	local expected
	if [ $# -eq 0 ]; then expected=$(cat -)
	else expected=$1
	fi
	assert_equal "$expected" "$output"
}

# assert_line [INDEX] LINE: LINE is lines[INDEX], or any line.
assert_line() {
	if [ "$1" -ge 0 ] 2>/dev/null; then
		assert_equal "$2" "${lines[$1]}"
	else
		local line
		for line in "${lines[@]}"; do
			[ "$line" = "$1" ] && return 0
		done
		flunk "expected line '$1'"$'\noutput: '"$output"
	fi
}

refute_line() {
	local line
	for line in "${lines[@]}"; do
		[ "$line" != "$1" ] || { flunk "unexpected line '$1'"$'\noutput: '"$output"; return; }
	done
	return 0
}

# assert_match REGEX TEXT
assert_match() {
	[[ $2 =~ $1 ]] || flunk "expected to match /$1/:"$'\n'"$2"
}

# assert_near EXPECTED ACTUAL TOLERANCE [WHAT]
assert_near() {
	awk -v e="$1" -v a="$2" -v t="$3" 'BEGIN {
		if (e == "" || a == "") exit 1
		d = e - a; if (d < 0) d = -d; exit !(d <= t) }' ||
		flunk "${4:-value}: expected $1 +/- $3, got ${2:-nothing}"
}

# assert_le A B [WHAT]: A <= B numerically.
assert_le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }' ||
		flunk "${3:-value}: expected ${1:-nothing} <= $2"
}

# assert_json FILE_OR_TEXT JQ-FILTER: the filter must yield true.
assert_json() {
	local json=$1 filter=$2 got
	[ -f "$json" ] && json=$(cat "$json")
	got=$(jq -e "$filter" <<<"$json" 2>&1) ||
		flunk "jq '$filter' is ${got:-false} for:"$'\n'"$(head -c 2000 <<<"$json")"
}

# assert_one_error TOOL: stderr is one line "TOOL: message".
assert_one_error() {
	local err=${stderr-$output}
	[ "$(printf '%s\n' "$err" | grep -c .)" -eq 1 ] ||
		flunk "expected one line on stderr, got:"$'\n'"$err"
	assert_match "^$1: [^ ].*" "$err"
}

# assert_version TOOL: --version prints "TOOL (vt) X.Y.Z" and exits 0.
assert_version() {
	run --separate-stderr "$1" --version
	assert_success
	assert_match "^$1 \\(vt\\) [0-9]+\\.[0-9]+\\.[0-9]+\$" "$output"
}

# assert_bad_option TOOL [ARGS...]: an unknown option exits 64, prints
# nothing on stdout and the usage on stderr.
assert_bad_option() {
	local tool=$1
	shift
	run --separate-stderr "$tool" --bogus "$@"
	assert_failure 64
	assert_equal "" "$output"
	assert_match "usage: $tool" "$stderr"
}
