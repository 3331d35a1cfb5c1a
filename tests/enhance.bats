#!/usr/bin/env bats
# The VOD pipeline's optional features: thumbnails and a sprite sheet,
# chapters named in the master playlist, and a JSON job file; bad requests
# refused before any encoding; optional steps that fail only warn. Every
# run happens once, in setup_file, two at a time; the tests read the
# results.

load test_helper

# The request of the issue, as variables and as a job file.
JOB_JSON='{"resolutions": ["180p", "90p"],
 "thumbnail": {"mode": "timestamp", "time": 4.5, "sprite_interval": 2},
 "watermark": {"text": "(c) Brand", "position": "top_left"},
 "chapters": {"scene_threshold": 0.4, "min_length": 2}}'

setup_file() {
	local f=$VT_FIXTURES d=$BATS_FILE_TMPDIR bad=()
	fixtures shots.mp4 aonly.m4a trunc.mp4 || return
	cd "$d" || return
	printf '%s\n' "$JOB_JSON" >job.json
	printf '%s\n' '{"thumbnail": {"mode": "scene", "sprite_interval": 0}}' >scene.json
	# A thumbnail folder that cannot be made, and titles that are not UTF-8:
	# both optional steps fail for real.
	mkdir -p fail && : >fail/thumbnails
	printf 'Opening\n\377\376 bad\n' >latin.txt
	# bad NAME JSON: a job file that is refused.
	badjob() { printf '%s\n' "$2" >"$1.json"; bad+=("$1 $f/shots.mp4 RES=90p JOB=$d/$1.json"); }
	badjob jobfield '{"thumbnail": {"mode": "auto", "size": 3}}'
	badjob jobtop '{"thumbnails": {"mode": "auto"}}'
	badjob jobmode '{"thumbnail": {"mode": "big"}}'
	badjob jobtype '{"chapters": {"scene_threshold": "high"}}'
	badjob jobrange '{"chapters": {"scene_threshold": 1.5}}'
	badjob jobres '{"resolutions": "720p"}'
	badjob jobnotime '{"thumbnail": {"mode": "timestamp"}}'
	badjob jobpos '{"watermark": {"text": "x", "position": "middle"}}'
	badjob jobnotjson '{"thumbnail": '
	set -- \
		"vars $f/shots.mp4 RES=180p,90p THUMB=auto SPRITE_INTERVAL=2 CHAPTERS=0.4 CHAPTER_MIN=2" \
		"job $f/shots.mp4 JOB=$d/job.json" \
		"override $f/shots.mp4 JOB=$d/job.json RES=90p THUMB=auto THUMB_TIME= CHAPTERS= WATERMARK_POS=center" \
		"scene $f/shots.mp4 RES=90p THUMB=scene SPRITE_INTERVAL=0" \
		"jobscene $f/shots.mp4 RES=90p JOB=$d/scene.json" \
		"fail $f/shots.mp4 RES=90p THUMB=timestamp THUMB_TIME=1 CHAPTERS=0.4 CHAPTER_MIN=2 CHAPTER_TITLES=$d/latin.txt" \
		"aonly $f/aonly.m4a RES=90p THUMB=auto CHAPTERS=0.4" \
		"trunc $f/trunc.mp4 RES=90p THUMB=auto CHAPTERS=0.4" \
		"thumbmode $f/shots.mp4 RES=90p THUMB=big" \
		"notime $f/shots.mp4 RES=90p THUMB=timestamp" \
		"timeauto $f/shots.mp4 RES=90p THUMB=auto THUMB_TIME=3" \
		"chrange $f/shots.mp4 RES=90p CHAPTERS=1.5" \
		"chword $f/shots.mp4 RES=90p CHAPTERS=yes" \
		"interval $f/shots.mp4 RES=90p THUMB=auto SPRITE_INTERVAL=-1" \
		"width $f/shots.mp4 RES=90p THUMB=auto THUMB_WIDTH=0" \
		"nojob $f/shots.mp4 RES=90p JOB=$d/no-such-job.json" \
		"${bad[@]}"
	pipelines "$@"
}

# assert_vtt_cues FILE N DURATION: a WebVTT file of N cues, contiguous from
# 0 to DURATION.
assert_vtt_cues() {
	local got
	[ "$(head -n 1 "$1")" = WEBVTT ] || { flunk "$1: no WEBVTT line"; return; }
	got=$(grep -- ' --> ' "$1" | awk -v n="$2" -v d="$3" '
		function s(t, a) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
		{ if (NR == 1 && s($1) != 0) print "first cue starts at " $1
		  if (NR > 1 && s($1) != end) print "gap before " $1
		  end = s($3) }
		END { if (NR != n) print NR " cues, want " n
		      if (end < d - 0.05 || end > d + 0.05) print "last cue ends at " end ", want " d }')
	[ -z "$got" ] || flunk "$1: $got"
}

@test "enhance: THUMB=auto makes thumbnails/thumbnail.jpg, a sprite sheet and its WebVTT track" {
	built vars
	assert_equal "mjpeg,320,180" "$(stream_fields "$OUT/thumbnails/thumbnail.jpg" v:0 codec_name width height)"
	# 9 s at a tile every 2 s: 5 tiles of 160x90 in one row
	assert_equal "mjpeg,800,90" "$(stream_fields "$OUT/thumbnails/sprite.jpg" v:0 codec_name width height)"
	assert_vtt_cues "$OUT/thumbnails/sprite.vtt" 5 9
	assert_equal "sprite.jpg#xywh=0,0,160,90 sprite.jpg#xywh=640,0,160,90" \
		"$(grep '#xywh=' "$OUT/thumbnails/sprite.vtt" | sed -n '1p;$p' | paste -sd' ')"
	assert_json "$OUT/job.json" '.thumbnail | .path == "thumbnails/thumbnail.jpg" and .mode == "auto"
		and .width == 320 and .height == 180 and (.time | . >= 0 and . < 9)'
	assert_json "$OUT/job.json" '.sprite == {vtt: "thumbnails/sprite.vtt", sheets: ["thumbnails/sprite.jpg"],
		interval: 2, tiles: 5, tile_width: 160, tile_height: 90}'
}

@test "enhance: CHAPTERS writes chapters.vtt, chapters.json and Apple's JSON, named by the master" {
	local m
	built vars
	m=$OUT/master.m3u8
	assert_vtt_cues "$OUT/chapters/chapters.vtt" 3 9
	assert_equal "Introduction Chapter 1 Outro" "$(jq -r '[.chapters[].title] | join(" ")' "$OUT/chapters/chapters.json")"
	assert_json "$OUT/chapters/chapters.json" '[.chapters[] | [.start, .end]] == [[0, 3], [3, 6], [6, 9]]'
	assert_json "$OUT/chapters/chapters-hls.json" '[.[] | .["start-time"]] == [0, 3, 6] and all(.[]; .duration == 3)'
	assert_equal '#EXT-X-SESSION-DATA:DATA-ID="com.apple.hls.chapters",URI="chapters/chapters-hls.json"' \
		"$(grep '^#EXT-X-SESSION-DATA' "$m")"
	assert_master "$OUT" "$(fixture shots.mp4)"
	assert_json "$OUT/job.json" '.chapters == {count: 3, cuts: 2, threshold: 0.4,
		files: {vtt: "chapters/chapters.vtt", json: "chapters/chapters.json", hls: "chapters/chapters-hls.json"}}'
	assert_json "$OUT/job.json" '.warnings == [] and .request.chapters == {scene_threshold: 0.4, min_length: 2}'
}

@test "enhance: the video with THUMB and CHAPTERS on is the same as without" {
	built vars
	assert_ladder_frames "$OUT" "$(fixture shots.mp4)"
	assert_ladder_keyframes "$OUT"
	assert_ladder_audio "$OUT" "$(fixture shots.mp4)"
	assert_no_temp_files "$OUT"
	cmp "$OUT/90p/seg_00001.m4s" "$S/scene/90p/seg_00001.m4s" >/dev/null ||
		flunk "90p differs from the run without chapters"
}

@test "enhance: a job file asks for rungs, a timestamp thumbnail, a watermark and chapters" {
	local box x0 y0 x1 y1 rest
	built job
	assert_equal "$S/job/180p/index.m3u8 $S/job/90p/index.m3u8" "$(ladder_video "$OUT" | paste -sd' ')"
	assert_json "$OUT/job.json" ".request.job == \"$S/job.json\""
	assert_json "$OUT/job.json" '.thumbnail | .mode == "timestamp" and .requested_time == 4.5 and (.time - 4.5 | fabs) < 0.04'
	assert_json "$OUT/job.json" '.sprite.tiles == 5 and .chapters.count == 3 and .warnings == []'
	assert_json "$OUT/.work/params.json" '.watermark == {text: "(c) Brand", position: "top_left"}'
	grep -q '^#EXT-X-SESSION-DATA:DATA-ID="com.apple.hls.chapters"' "$OUT/master.m3u8" || flunk "no chapters in the master"
	# the watermark is in the top left corner of the first frame
	box=$(changed "$OUT/90p/index.m3u8" "$S/scene/90p/index.m3u8")
	read -r x0 y0 x1 y1 rest <<<"$box"
	[ "$box" != none ] || { flunk "90p: no watermark"; return; }
	assert_le "$x1" 80 "right edge of the watermark ($box)"
	assert_le "$y1" 45 "bottom edge of the watermark ($box)"
}

@test "enhance: variables on the command line win over the job file" {
	built override
	assert_json "$OUT/job.json" '.request | .resolutions == ["90p"] and .chapters == null
		and .thumbnail.mode == "auto" and .watermark.position == "center" and .watermark.text == "(c) Brand"'
	assert_json "$OUT/job.json" '.thumbnail.mode == "auto" and .sprite.interval == 2 and .chapters == null'
	[ ! -e "$OUT/chapters" ] || flunk "chapters made"
	! grep -q SESSION-DATA "$OUT/master.m3u8" || flunk "the master names chapters"
}

@test "enhance: THUMB=scene, or scene mode in a job file, chooses within the longest shot; no chapters without CHAPTERS" {
	built jobscene || return
	assert_json "$OUT/job.json" '.request.thumbnail == {mode: "scene", sprite_interval: 0}'
	# the values vt-thumb chose, its defaults among them, are the step's parameters
	assert_json "$OUT/.work/thumb.params" '.settings | .mode == "scene" and .width == 1280 and .sprite_interval == 0'
	cmp "$OUT/thumbnails/thumbnail.jpg" "$S/scene/thumbnails/thumbnail.jpg" || flunk "not the same thumbnail as THUMB=scene"
	built scene
	assert_json "$OUT/job.json" '.thumbnail.mode == "scene" and .sprite == null and .chapters == null'
	assert_json "$OUT/.work/thumb.json" '.thumbnail.shot | .index >= 0 and .end - .start == 3'
	[ ! -e "$OUT/chapters" ] || flunk "chapters made"
	[ ! -e "$OUT/thumbnails/sprite.vtt" ] || flunk "a sprite with SPRITE_INTERVAL=0"
	! grep -q SESSION-DATA "$OUT/master.m3u8" || flunk "the master names chapters"
}

@test "enhance: failed thumbnail and chapters steps only warn; the video is made and make exits 0" {
	built fail
	assert_ladder_frames "$OUT" "$(fixture shots.mp4)"
	assert_master "$OUT" "$(fixture shots.mp4)"
	assert_json "$OUT/job.json" '.status == "ok" and .thumbnail == null and .sprite == null and .chapters == null'
	assert_json "$OUT/job.json" "[.warnings[] | .component] == [\"chapters\", \"thumbnail\"]"
	assert_json "$OUT/job.json" ".warnings[0].message == \"vt-scenes: '$S/latin.txt' line 2: title is not UTF-8\""
	assert_json "$OUT/job.json" ".warnings[1].message == \"vt-thumb: '$OUT/thumbnails' is not a folder\""
	[ -f "$OUT/thumbnails" ] || flunk "the file in the way is gone"
	[ -z "$(compgen -G "$OUT/chapters/*")" ] || flunk "chapter files left: $(ls "$OUT/chapters")"
	! grep -q SESSION-DATA "$OUT/master.m3u8" || flunk "the master names chapters that failed"
	assert_match "^vt: warning: chapters: vt-scenes: " "$(grep chapters <<<"$output")"
	assert_match "^vt: warning: thumbnail: vt-thumb: " "$(grep thumbnail <<<"$output")"
}

@test "enhance: an audio-only source gets its ladder and a warning from each step" {
	built aonly
	assert_json "$OUT/job.json" '.status == "ok" and ([.warnings[] | .component] == ["chapters", "thumbnail"])
		and all(.warnings[]; .message | test("^vt-(scenes|thumb): .*video"))'
	[ -f "$OUT/audio/index.m3u8" ] || flunk "no audio rendition"
}

@test "enhance: a core failure still fails the job, in its stage, with the core tool's error" {
	OUT=$S/trunc
	[ "$(cat "$S/trunc.status")" -ne 0 ] || { flunk "make succeeded"; return; }
	[ ! -e "$OUT/master.m3u8" ] || { flunk "master.m3u8 was written"; return; }
	assert_json "$OUT/job.json" '.status == "failed" and (.stage | IN("probe", "split"))
		and (.error | test("^vt-(probe|split): "))'
	[ "$(grep -c '^vt-[a-z]*: ' "$S/trunc.stderr")" -eq 1 ] || flunk "stderr: $(cat "$S/trunc.stderr")"
}

@test "enhance: bad thumbnail and chapter variables are refused before any work" {
	refused thumbmode request "vt-thumb: invalid mode 'big' (auto, timestamp or scene)" || return
	refused notime request "vt-thumb: --mode timestamp needs --time" || return
	refused timeauto request "vt-thumb: --time is for --mode timestamp" || return
	refused chrange request "vt-scenes: threshold '1.5' out of range 0..1" || return
	refused chword request "vt-scenes: invalid threshold 'yes'" || return
	refused interval request "vt-thumb: sprite interval '-1' out of range 0..86400" || return
	refused width request "vt-thumb: width '0' out of range 2..16384" || return
	refused nojob request "vt-vod: cannot read job file '$S/no-such-job.json'"
}

@test "enhance: a bad job file is refused before any work, naming the field" {
	local j
	j="job file '$S"
	refused jobfield request "$j/jobfield.json': unknown field 'thumbnail.size'" || return
	refused jobtop request "$j/jobtop.json': unknown field 'thumbnails'" || return
	refused jobmode request "vt-thumb: invalid mode 'big'" || return
	refused jobtype request "$j/jobtype.json': chapters.scene_threshold must be a number" || return
	refused jobrange request "vt-scenes: threshold '1.5' out of range" || return
	refused jobres request "$j/jobres.json': resolutions must be an array of rung names" || return
	refused jobnotime request "vt-thumb: --mode timestamp needs --time" || return
	refused jobnotjson request "$j/jobnotjson.json': not JSON" || return
	refused jobpos plan "vt-encode: " || return
	assert_match "middle" "$(jq -r .error "$S/jobpos/job.json")"
}

@test "enhance: quotes, \$(...) and backticks in the variables and the job file are data" {
	local w t d out=$PWD/out
	w="it's \$(shell touch $PWD/pwned1) \`touch $PWD/pwned2\` \$\$(touch $PWD/pwned3) \"q\""$'\n'"touch $PWD/pwned4 #"
	d="$PWD/it's \$(touch pwned5) \`x\`"
	mkdir -p "$d"
	t="$d/titles \"1\".txt"
	printf 'Intro $(touch %s/pwned6)\n`touch %s/pwned7`\n' "$PWD" "$PWD" >"$t"
	jq -n --arg w "$w" --arg t "$t" '{watermark: {text: $w}, chapters: {titles: $t, min_length: 2},
		thumbnail: {mode: "auto", sprite_interval: 0}}' >"$d/job \$(touch pwned8).json"
	run vod "$(fixture shots.mp4)" "$out" RES=90p "JOB=$d/job \$(touch pwned8).json" -j2
	assert_success
	run vod "$(fixture shots.mp4)" "$out" RES=90p "JOB=$d/job \$(touch pwned8).json" "WATERMARK=$w" \
		"CHAPTER_TITLES=$t" "THUMB=timestamp" "THUMB_TIME=2" -j2
	assert_success
	[ -z "$(compgen -G "$PWD/pwned*"; compgen -G "$d/pwned*")" ] || flunk "a value ran: $(ls "$PWD"/pwned* "$d"/pwned* 2>/dev/null)"
	jq -e --arg w "$w" --arg t "$t" '.request | .watermark.text == $w and .chapters.titles == $t' out/job.json >/dev/null ||
		flunk "request: $(jq -c .request out/job.json)"
	assert_equal "Intro \$(touch $PWD/pwned6) \`touch $PWD/pwned7\`" "$(jq -r '[.chapters[0:2][].title] | join(" ")' out/chapters/chapters.json)"
	assert_json out/job.json '.thumbnail.mode == "timestamp" and .chapters.count == 3'
}

@test "enhance: a new thumbnail or chapter setting encodes nothing again; turning them off removes their files" {
	local out=$PWD/out enc before
	vod "$(fixture shots.mp4)" "$out" RES=90p >/dev/null 2>&1 || { flunk "first run failed"; return; }
	enc=$(stat -c '%n %i %.9Y' "$out"/.work/enc/*.json)
	! grep -q SESSION-DATA "$out/master.m3u8" || { flunk "chapters without CHAPTERS"; return; }
	run vod "$(fixture shots.mp4)" "$out" RES=90p THUMB=auto CHAPTERS=0.4 CHAPTER_MIN=2
	assert_success
	assert_equal "$enc" "$(stat -c '%n %i %.9Y' "$out"/.work/enc/*.json)"
	grep -q SESSION-DATA "$out/master.m3u8" || { flunk "no chapters in the master"; return; }
	before=$(find "$out" -type f ! -name '*.log' -exec stat -c '%n %i %.9Y' {} + | sort)
	run vod "$(fixture shots.mp4)" "$out" RES=90p THUMB=auto CHAPTERS=0.4 CHAPTER_MIN=2
	assert_success
	assert_equal "$before" "$(find "$out" -type f ! -name '*.log' -exec stat -c '%n %i %.9Y' {} + | sort)"
	run vod "$(fixture shots.mp4)" "$out" RES=90p
	assert_success
	assert_equal "$enc" "$(stat -c '%n %i %.9Y' "$out"/.work/enc/*.json)"
	[ ! -e "$out/thumbnails" ] && [ ! -e "$out/chapters" ] || flunk "files left: $(ls "$out")"
	! grep -q SESSION-DATA "$out/master.m3u8" || flunk "the master still names chapters"
	assert_json "$out/job.json" '.thumbnail == null and .chapters == null and .warnings == []'
}

@test "enhance: the next run tries a failed step again, and it succeeds once the cause is gone" {
	local out=$PWD/out enc
	mkdir -p "$out" && : >"$out/thumbnails"
	run vod "$(fixture shots.mp4)" "$out" RES=90p THUMB=auto
	assert_success
	assert_json "$out/job.json" '[.warnings[].component] == ["thumbnail"] and .thumbnail == null'
	enc=$(stat -c '%n %i %.9Y' "$out"/.work/enc/*.json)
	rm "$out/thumbnails"
	run vod "$(fixture shots.mp4)" "$out" RES=90p THUMB=auto
	assert_success
	assert_json "$out/job.json" '.warnings == [] and .thumbnail.path == "thumbnails/thumbnail.jpg"'
	[ -s "$out/thumbnails/thumbnail.jpg" ] || flunk "no thumbnail"
	[ -z "$(compgen -G "$out/.work/warn/*")" ] || flunk "warning files left"
	assert_equal "$enc" "$(stat -c '%n %i %.9Y' "$out"/.work/enc/*.json)"
}
