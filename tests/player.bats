#!/usr/bin/env bats
# examples/player.html in headless Chromium (Debian's chromium, driven by
# playwright-core from tests/browser/node_modules): a pipeline output with
# three rungs, thumbnails and chapters, served on 127.0.0.1 by
# tests/browser/player.js, which plays it, switches rungs in the quality
# menu and hovers over the seek bar; and a live stream's folder, while
# vt-livesegment and vt-hls --live write it. Shaka Player plays the same
# outputs, an MPEG-TS one too, in a page of its own. The tests judge what
# they saw. An error event of hls.js or Shaka, fatal or not, fails them:
# on a local server nothing should go wrong.

load test_helper

# superfast: B-frames, whose delay must not leave a gap at the start
setup_file() {
	local d=$BATS_FILE_TMPDIR
	fixtures shots.mp4 || return
	vod "$(fixture shots.mp4)" "$d/out" RES=180p,144p,90p THUMB=auto SPRITE_INTERVAL=2 \
		CHAPTERS=0.4 CHAPTER_MIN=2 PRESET=superfast -j2 >"$d/vod.log" 2>&1 ||
		{ cat "$d/vod.log" >&2; return 1; }
	vod "$(fixture shots.mp4)" "$d/ts/out" RES=144p FORMAT=ts PRESET=superfast -j2 \
		>"$d/vod-ts.log" 2>&1 || { cat "$d/vod-ts.log" >&2; return 1; }
	# re-encoded: a copy would repeat the timestamps' B-frame offset at each loop
	ffmpeg -nostdin -loglevel error -stream_loop 7 -i "$(fixture shots.mp4)" -c:v libx264 \
		-preset ultrafast -g 30 -pix_fmt yuv420p -c:a aac -b:a 64k "$d/long.mp4" || return
	need_browser 2>/dev/null || [ -n "${CI:-}" ] || return 0
	look "$d" --pages hls,shaka
	look "$d/ts" --pages shaka
	live_run live
	live_run ll
}

# look DIR ARGS...: the pages on DIR/out; what they saw in DIR/seen.json.
look() {
	local d=$1
	shift
	node "$VT_ROOT/tests/browser/player.js" --root "$d/out" --chromium "$CHROMIUM" "$@" \
		>"$d/seen.json" 2>"$d/player.err"
	echo $? >"$d/player.status"
}

# live_run NAME: a live stream in real time from the 9 s clip played eight
# times, 1 s segments, hls.js then Shaka on it once the master playlist is
# there; the stream stops when they are done, so that however slow the
# browser's start they see it live. NAME ll: LL-HLS, with 0.25 s parts and
# playlists from vt-hls --listen, hls.js only.
live_run() {
	local d=$BATS_FILE_TMPDIR/$1 seg hls i opt=() listen=() page=(--pages "hls,shaka")
	if [ "$1" = ll ]; then
		i=$(free_port)
		opt=(-n 0.25) listen=(-l "127.0.0.1:$i") page=(--playlists "127.0.0.1:$i")
	fi
	mkdir -p "$d"
	mkfifo "$d/lines"
	timeout 120 vt-hls --live "${listen[@]}" "$d/out" <"$d/lines" >/dev/null 2>"$d/livehls.err" &
	hls=$!
	# --foreground: the SIGINT below reaches vt-livesegment once, not twice
	timeout --foreground 120 vt-livesegment -R -i "$BATS_FILE_TMPDIR/long.mp4" -s 1 "${opt[@]}" -r 144p,90p \
		-P ultrafast -d "$d/out" >"$d/lines" 2>"$d/livesegment.err" &
	seg=$!
	for ((i = 0; i < 400; i++)); do
		[ -s "$d/out/master.m3u8" ] && break
		sleep 0.05
	done
	look "$d" --live 1 "${page[@]}"
	kill -INT "$seg"
	wait "$seg"
	wait "$hls"
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
	local ok
	need_browser || return
	status=$(cat "$S/ll/player.status") output=$(cat "$S/ll/player.err")
	assert_success || return
	assert_json "$S/ll/seen.json" '.failure == null and .live == true and .pageErrors == []'
	# every part, segment and playlist that a playlist listed was there
	assert_json "$S/ll/seen.json" '.failures | map(select(test("[.](m4s|mp4|m3u8)([?]|$)"))) == []'
	# no error event but those of a busy machine: a blocking reload that
	# the encoder, waiting for the CPU, did not answer within hls.js's
	# three part targets, and a stall meanwhile; all non-fatal. Frames
	# that vt-livesegment dropped to keep up leave a hole at a part's end
	# for hls.js to jump.
	ok='"levelLoadTimeOut", "audioTrackLoadTimeOut", "bufferStalledError", "bufferNudgeOnStall"'
	! grep -q 'dropping frames' "$S/ll/livesegment.err" ||
		ok+=', "bufferSeekOverHole", "bufferAppendNoProgress", "aborted"'
	assert_json "$S/ll/seen.json" ".errors | map(select(.fatal or (.details | IN($ok) | not))) == []"
	assert_json "$S/ll/seen.json" '.liveView | .shown and .lowLatencyMode'
	# PART-HOLD-BACK: three part targets (0.85 s), not three target
	# durations; hls.js adds a second for each stall
	assert_json "$S/ll/seen.json" '.liveView.targetLatency -
		(.errors | map(select(.details == "bufferStalledError")) | length) < 2'
	assert_json "$S/ll/seen.json" '.liveView.latency > 0 and .liveView.latency < 10'
	assert_json "$S/ll/seen.json" '.requests | map(select(test("/part_[0-9]+_[0-9]+[.]m4s$"))) | length > 4'
	assert_json "$S/ll/seen.json" '.requests | map(select(test("index[.]m3u8[?]_HLS_msn=[0-9]+&_HLS_part=[0-9]+$"))) | length > 4'
}

# at_start JSON: the page saw the first frame, and every SourceBuffer's
# buffered range, video's and audio's, begin within a frame (30 fps) of
# the start of the timeline, and seeked nowhere else: no gap to jump.
at_start() {
	assert_json "$1" '.timeline | (.buffers | length) == 2
		and (.buffers | all(.ranges[0][0] | fabs < 1 / 30))
		and (.firstFrame | fabs < 1 / 30) and (.seeks | all(fabs < 1 / 30))'
}

# shaka_plays JSON: Shaka Player played without an error, its playback
# advanced, and frames were shown.
shaka_plays() {
	assert_json "$1" '.failure == null and .errors == [] and .pageErrors == []'
	assert_json "$1" '.start | .time > 1 and .paused == false and .height > 0 and .frames > 0'
	assert_json "$1" '.stats | .decodedFrames > 0 and .height > 0 and .loadLatency > 0'
}

@test "player: the first frame and the audio are at the start of the timeline, in hls.js and Shaka Player" {
	seen || return
	at_start "$(jq .shaka "$SEEN")"
	assert_json "$SEEN" '.shaka | .gapsJumped == [] and .stats.gapsJumped == 0'
	at_start "$(jq 'del(.shaka, .requests)' "$SEEN")"
	assert_json "$SEEN" '.errors | map(select(.details == "bufferSeekOverHole")) == []'
}

@test "player: Shaka Player plays the fMP4 VOD" {
	seen || return
	shaka_plays "$(jq .shaka "$SEEN")"
	assert_json "$SEEN" '.shaka | .live == false and (.duration - 9 | fabs) < 0.1'
	# a rung of the master
	assert_json "$SEEN" '.shaka.stats.height as $h | [.levels[].height] | index($h) != null'
}

@test "player: Shaka Player plays the MPEG-TS VOD" {
	S=$S/ts seen || return
	shaka_plays "$(jq .shaka "$SEEN")"
	assert_json "$SEEN" '.shaka | .live == false and (.duration - 9 | fabs) < 0.1 and .stats.height == 144'
}

@test "player: Shaka Player presents the MPEG-TS VOD's video and audio from the start" {
	# Shaka's own TS transmuxer buffers B-frame video from its decode
	# delay (0.068 s here) and jumps gaps; hls.js, GStreamer and
	# libavformat start the same segments at 0. Open: see issue 11's note.
	skip "Shaka 5.2's TS transmuxer starts B-frame video at its decode delay"
	S=$S/ts seen || return
	at_start "$(jq .shaka "$SEEN")"
}

@test "player: Shaka Player plays a live stream's folder" {
	S=$S/live seen || return
	shaka_plays "$(jq .shaka "$SEEN")"
	assert_json "$SEEN" '.shaka | .live == true and .seekRange[1] > .seekRange[0]
		and .state.time <= .seekRange[1]'
}
