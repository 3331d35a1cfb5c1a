#!/usr/bin/env bats
# examples/player.html in headless Chromium (Debian's chromium, driven by
# playwright-core from tests/browser/node_modules): a pipeline output with
# three rungs, thumbnails and chapters, served on 127.0.0.1 by
# tests/browser/player.js, which plays it, switches rungs in the quality
# menu and hovers over the seek bar; and a live stream's folder, while
# vt-livesegment and vt-hls --live write it. The tests judge what it saw.
# An error event of hls.js, fatal or not, fails them: on a local server
# nothing should go wrong.

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
	live_run live
	live_run ll
}

# live_run NAME: the 9 s clip as a live stream in real time, 1 s segments,
# and the page on it once the master playlist is there. NAME ll: LL-HLS,
# with 0.25 s parts and playlists from vt-hls --listen.
live_run() {
	local d=$BATS_FILE_TMPDIR/$1 pid i seg=() hls=() page=()
	if [ "$1" = ll ]; then
		i=$(free_port)
		seg=(-n 0.25) hls=(-l "127.0.0.1:$i") page=(--playlists "127.0.0.1:$i")
	fi
	mkdir -p "$d"
	{ timeout 60 vt-livesegment -R -i "$(fixture shots.mp4)" -s 1 "${seg[@]}" -r 144p,90p \
		-P ultrafast -d "$d/out" 2>"$d/livesegment.err" |
		timeout 60 vt-hls --live "${hls[@]}" "$d/out" >/dev/null 2>"$d/livehls.err"; } &
	pid=$!
	for ((i = 0; i < 400; i++)); do
		[ -s "$d/out/master.m3u8" ] && break
		sleep 0.05
	done
	node "$VT_ROOT/tests/browser/player.js" --root "$d/out" --live 1 "${page[@]}" \
		--chromium "$CHROMIUM" >"$d/seen.json" 2>"$d/player.err"
	echo $? >"$d/player.status"
	wait "$pid"
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

@test "player: a live stream's folder plays, and the page shows how far behind the live edge it is" {
	need_browser || return
	status=$(cat "$S/live/player.status") output=$(cat "$S/live/player.err")
	assert_success || return
	assert_json "$S/live/seen.json" '.failure == null and .live == true and .errors == [] and .pageErrors == []'
	assert_json "$S/live/seen.json" '.liveView | .shown and .latency > 0 and .latency < 10
		and (.text | test("^LIVE, [0-9]+[.][0-9] s behind$"))'
	# plain HLS: three target durations behind
	assert_json "$S/live/seen.json" '.liveView.targetLatency >= 3'
	assert_json "$S/live/seen.json" '.requests | map(select(test("part_|_HLS_"))) == []'
}

@test "player: an LL-HLS live stream plays from its parts, with blocking reloads, closer to the edge" {
	need_browser || return
	status=$(cat "$S/ll/player.status") output=$(cat "$S/ll/player.err")
	assert_success || return
	assert_json "$S/ll/seen.json" '.failure == null and .live == true and .errors == [] and .pageErrors == []'
	assert_json "$S/ll/seen.json" '.liveView | .shown and .lowLatencyMode'
	# PART-HOLD-BACK: three part targets (0.85 s), not three target
	# durations; hls.js adds a second for each stall, as on a loaded machine
	assert_json "$S/ll/seen.json" '.liveView.targetLatency < 2'
	assert_json "$S/ll/seen.json" '.liveView.latency > 0 and .liveView.latency < 3'
	assert_json "$S/ll/seen.json" '.requests | map(select(test("/part_[0-9]+_[0-9]+[.]m4s$"))) | length > 4'
	assert_json "$S/ll/seen.json" '.requests | map(select(test("index[.]m3u8[?]_HLS_msn=[0-9]+&_HLS_part=[0-9]+$"))) | length > 4'
}
