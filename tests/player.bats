#!/usr/bin/env bats
# examples/player.html in headless Chromium (Debian's chromium, driven by
# playwright-core from tests/browser/node_modules): a pipeline output with
# three rungs, thumbnails and chapters, served on 127.0.0.1 by
# tests/browser/player.js, which plays it, switches rungs in the quality
# menu and hovers over the seek bar. The tests judge what it saw. An error
# event of hls.js, fatal or not, fails them: on a local server nothing
# should go wrong.

load test_helper

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

# need_browser: skip without chromium, node or the npm packages (installed
# by scripts/install-deps); in CI their absence is a failure.
need_browser() {
	local why=
	[ -x "$CHROMIUM" ] || why="no $CHROMIUM"
	command -v node >/dev/null || why="no node"
	[ -d "$VT_ROOT/tests/browser/node_modules/playwright-core" ] &&
		[ -f "$VT_ROOT/tests/browser/node_modules/hls.js/dist/hls.min.js" ] ||
		why="no tests/browser/node_modules (scripts/install-deps)"
	[ -z "$why" ] && return
	[ -z "${CI:-}" ] || { echo "player.bats: $why" >&2; return 1; }
	skip "$why"
}

setup_file() {
	local d=$BATS_FILE_TMPDIR
	fixtures shots.mp4 || return
	vod "$(fixture shots.mp4)" "$d/out" RES=180p,144p,90p THUMB=auto SPRITE_INTERVAL=2 \
		CHAPTERS=0.4 CHAPTER_MIN=2 -j2 >"$d/vod.log" 2>&1 || { cat "$d/vod.log" >&2; return 1; }
	need_browser 2>/dev/null || [ -n "${CI:-}" ] || return 0
	node "$VT_ROOT/tests/browser/player.js" --root "$d/out" --chromium "$CHROMIUM" \
		>"$d/seen.json" 2>"$d/player.err"
	echo $? >"$d/player.status"
}

# seen: what the page showed; fails if the driver could not look at all.
seen() {
	need_browser || return
	SEEN=$S/seen.json
	status=$(cat "$S/player.status") output=$(cat "$S/player.err")
	assert_success || return
	assert_json "$SEEN" '.failure == null'
}

@test "player: playback starts and advances, muted, without being asked" {
	seen || return
	assert_json "$SEEN" '.start | .time > 1 and .paused == false and .height > 0'
}

@test "player: the quality menu lists every rung, largest first, after Auto" {
	seen || return
	assert_json "$SEEN" '[.levels[].height] | sort == [90, 144, 180]'
	assert_json "$SEEN" '.menu == ["-1"] + (.levels | sort_by(-.height) | map(.index | tostring))'
}

@test "player: choosing another rung switches to it and playback goes on, without an error event" {
	seen || return
	assert_json "$SEEN" '.switch.to as $to | .switch.switched[-1] == $to and .switch.currentLevel == $to
		and .switch.height == (.levels[] | select(.index == $to) | .height) and .switch.height != .start.height'
	assert_json "$SEEN" '.switch.time > .start.time + 1 and .switch.frames > 0'
	assert_json "$SEEN" '.errors == [] and .pageErrors == [] and .console == []'
}

@test "player: the chapter list has the chapters of the master's chapter JSON" {
	seen || return
	assert_json "$SEEN" '.chapters == ["0:00Introduction", "0:03Chapter 1", "0:06Outro"]'
	assert_json "$SEEN" '.requests | index("/chapters/chapters-hls.json") != null'
}

@test "player: hovering over the seek bar shows the sprite tile of that time" {
	local t want x y w h
	seen || return
	assert_json "$SEEN" '.preview.shown and (.preview.time - 0.55 * .preview.duration | fabs) < 0.1'
	t=$(jq .preview.time "$SEEN")
	# the cue of sprite.vtt whose interval holds t
	want=$(awk -v t="$t" '/-->/ { split($1, a, ":"); s = a[1] * 3600 + a[2] * 60 + a[3]
		split($3, b, ":"); e = b[1] * 3600 + b[2] * 60 + b[3]; getline cue
		if (t >= s && t < e) print cue }' "$S/out/thumbnails/sprite.vtt")
	[[ $want =~ ^sprite\.jpg#xywh=([0-9]+),([0-9]+),([0-9]+),([0-9]+)$ ]] || { flunk "no cue for $t s: '$want'"; return; }
	x=${BASH_REMATCH[1]} y=${BASH_REMATCH[2]} w=${BASH_REMATCH[3]} h=${BASH_REMATCH[4]}
	# CSS shows -0px as 0px
	x=$([ "$x" -eq 0 ] && echo 0 || echo "-$x") y=$([ "$y" -eq 0 ] && echo 0 || echo "-$y")
	assert_json "$SEEN" ".preview | .position == \"${x}px ${y}px\" and .width == \"${w}px\" and .height == \"${h}px\"
		and (.image | test(\"/thumbnails/sprite[.]jpg\\\"[)]\$\"))"
	assert_json "$SEEN" ".spriteLoaded == [$(stream_fields "$S/out/thumbnails/sprite.jpg" v:0 width height)]"
}
