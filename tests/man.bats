#!/usr/bin/env bats
# The man pages: each tool's SYNOPSIS is its usage line, every long option
# is documented, the EXAMPLES run as written, and vt-vod(7) covers every
# variable of the pipeline.

load test_helper

# The clip the examples expect to find as in.mp4: 2 s of 320x180 at 30 fps,
# H.264 with a keyframe every second, and AAC stereo.
setup_file() {
	ffmpeg -nostdin -hide_banner -loglevel error -y \
		-f lavfi -i testsrc2=s=320x180:r=30:d=2 \
		-f lavfi -i sine=f=440:sample_rate=48000:d=2 -ac 2 \
		-c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p \
		-c:a aac -b:a 96k -shortest -map_metadata -1 -fflags +bitexact \
		"$BATS_FILE_TMPDIR/in.mp4"
}

page() {
	echo "$VT_ROOT/man/$1"
}

# usage_line TOOL: the usage line a bad option prints, without "usage: ".
usage_line() {
	"$VT_BIN/$1" --no-such-option 2>&1 >/dev/null |
		sed -n -e 's/^usage: //p' -e 's/^       \('"$1"' \)/\1/p' | paste -sd ' '
}

assert_synopsis() {
	local p want got
	p=$(page "$1.1")
	[ -f "$p" ] || { flunk "no $p"; return; }
	command -v mandoc >/dev/null || command -v groff >/dev/null ||
		skip "neither mandoc nor groff to render the page"
	want=$(usage_line "$1")
	[ -n "$want" ] || { flunk "$1 printed no usage line"; return; }
	got=$(synopsis "$p")
	[ "$got" = "$want" ] || flunk "SYNOPSIS of $1.1 differs from usage"$'\n'"usage:    $want"$'\n'"SYNOPSIS: $got"
}

# assert_long_options TOOL: every --option in TOOL --help heads an item
# (".It ... Fl \-option") of its page.
assert_long_options() {
	local p help opt n=0 src
	p=$(page "$1.1")
	[ -f "$p" ] || { flunk "no $p"; return; }
	help=$("$VT_BIN/$1" --help) || { flunk "$1 --help failed"; return; }
	src=$(sed 's/\\-/-/g' "$p")
	for opt in $(grep -o -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u); do
		n=$((n + 1))
		grep -Eq "^\.It (.*[[:space:]])?Fl -${opt#--}([^A-Za-z0-9-]|$)" <<<"$src" ||
			{ flunk "$1.1 does not document $opt"; return; }
	done
	[ "$n" -gt 0 ] || flunk "$1 --help names no long option"
}

# examples PAGE: the "$ " command lines of the EXAMPLES, mdoc escapes undone.
examples() {
	sed -n 's/^\.Dl \$ //p' "$1" |
		sed -e 's/\\-/-/g' -e 's/\\&//g' -e 's/\\(dq/"/g' -e 's/\\e/\\/g'
}

# assert_examples TOOL: the examples of TOOL's page succeed, in order, in
# one folder that starts with only in.mp4.
assert_examples() {
	local p dir cmd out rc n=0
	p=$(page "$1.1")
	[ -f "$p" ] || { flunk "no $p"; return; }
	dir=$BATS_TEST_TMPDIR/examples
	mkdir -p "$dir"
	cp "$BATS_FILE_TMPDIR/in.mp4" "$dir/"
	while IFS= read -r cmd; do
		n=$((n + 1))
		rc=0
		out=$(cd "$dir" && PATH="$VT_BIN:$PATH" timeout 120 \
			bash -o pipefail -ec "$cmd" 2>&1 </dev/null) || rc=$?
		[ "$rc" -eq 0 ] ||
			{ flunk "example $n of $1.1 exits $rc: \$ $cmd"$'\n'"$out"; return; }
	done < <(examples "$p")
	[ "$n" -gt 0 ] || flunk "$1.1 has no '.Dl \$ ' examples"
}

# vod_defaults: "NAME VALUE" for each "NAME ?= VALUE" of vod.mk.
vod_defaults() {
	sed -n 's/^\([A-Z_][A-Z0-9_]*\)[[:space:]]*?=[[:space:]]*\(.*[^[:space:]]\)\{0,1\}[[:space:]]*$/\1 \2/p' \
		"$VT_ROOT/pipelines/vod.mk"
}

# item PAGE NAME: the text of the ".It Va NAME" entry, on one line.
item() {
	awk -v v="$2" '$0 ~ "^\\.It Va " v "( |$)" { on = 1; next }
		on && /^\.(It|El)( |$)/ { exit } on' "$1" | tr '\n' ' '
}

@test "vt-probe.1: SYNOPSIS is the usage line" {
	assert_synopsis vt-probe
}

@test "vt-split.1: SYNOPSIS is the usage line" {
	assert_synopsis vt-split
}

@test "vt-encode.1: SYNOPSIS is the usage line" {
	assert_synopsis vt-encode
}

@test "vt-hls.1: SYNOPSIS is the usage line" {
	assert_synopsis vt-hls
}

@test "vt-livesegment.1: SYNOPSIS is the usage line" {
	assert_synopsis vt-livesegment
}

@test "vt-scenes.1: SYNOPSIS is the usage line" {
	assert_synopsis vt-scenes
}

@test "vt-thumb.1: SYNOPSIS is the usage line" {
	assert_synopsis vt-thumb
}

@test "vt-probe.1 documents every long option of vt-probe --help" {
	assert_long_options vt-probe
}

@test "vt-split.1 documents every long option of vt-split --help" {
	assert_long_options vt-split
}

@test "vt-encode.1 documents every long option of vt-encode --help" {
	assert_long_options vt-encode
}

@test "vt-hls.1 documents every long option of vt-hls --help" {
	assert_long_options vt-hls
}

@test "vt-scenes.1 documents every long option of vt-scenes --help" {
	assert_long_options vt-scenes
}

@test "vt-thumb.1 documents every long option of vt-thumb --help" {
	assert_long_options vt-thumb
}

@test "vt-probe.1: the examples run" {
	assert_examples vt-probe
}

@test "vt-split.1: the examples run" {
	assert_examples vt-split
}

@test "vt-encode.1: the examples run" {
	assert_examples vt-encode
}

@test "vt-livesegment.1 documents every long option of vt-livesegment --help" {
	assert_long_options vt-livesegment
}

@test "vt-livesegment.1: the examples run" {
	assert_examples vt-livesegment
}

@test "vt-hls.1: the examples run" {
	assert_examples vt-hls
}

@test "vt-scenes.1: the examples run" {
	assert_examples vt-scenes
}

@test "vt-thumb.1: the examples run" {
	assert_examples vt-thumb
}

@test "vt-put.1: SYNOPSIS is the usage line" {
	assert_synopsis vt-put
}

@test "vt-put.1 documents every long option of vt-put --help" {
	assert_long_options vt-put
}

@test "vt-put.1: the examples run, against an S3 server on loopback" {
	local rc=0
	need_node
	s3_start "$BATS_TEST_TMPDIR/s3" || return
	assert_examples vt-put || rc=$?
	server_stop "$BATS_TEST_TMPDIR/s3"
	return "$rc"
}

@test "vt-vod.7 names every variable that vod.mk gives a default" {
	local p var value n=0
	p=$(page vt-vod.7)
	[ -f "$p" ] || { flunk "no $p"; return; }
	while read -r var value; do
		n=$((n + 1))
		grep -Eq "^\.It Va $var( |$)" "$p" || { flunk "vt-vod.7 has no '.It Va $var'"; return; }
	done < <(vod_defaults)
	[ "$n" -gt 0 ] || flunk "no '?=' variables found in pipelines/vod.mk"
}

@test "vt-vod.7 gives the defaults of vod.mk" {
	local p var value text want n=0
	p=$(page vt-vod.7)
	[ -f "$p" ] || { flunk "no $p"; return; }
	while read -r var value; do
		case $value in
		'') want='Default: empty' ;;
		*[!A-Za-z0-9._-]*) continue ;;	# computed, such as OUT
		*) want="Default: $value." ;;
		esac
		n=$((n + 1))
		text=$(item "$p" "$var")
		[[ $text == *"$want"* ]] || { flunk "vt-vod.7, $var: want '$want' in: $text"; return; }
	done < <(vod_defaults)
	[ "$n" -gt 0 ] || flunk "no plain defaults found in pipelines/vod.mk"
}
