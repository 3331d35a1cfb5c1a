#!/usr/bin/env bats
# The make pipeline (pipelines/vod.mk): whole ladders from many kinds of
# source, checked with ffprobe. Every run happens once, in setup_file, two
# at a time; the tests read the results.

load test_helper

setup_file() {
	local f=$VT_FIXTURES
	fixtures clip.mp4 vonly.mp4 aonly.m4a odd.mp4 sar.mp4 rot.mp4 ten.mkv \
		hevc.mkv vp9.webm vp8.webm mp3.mkv zero.mp4 trunc.mp4 text.mp4 || return
	set -- \
		"main $f/clip.mp4 RES=360p,180p,90p PRESET=veryfast" \
		"ts $f/clip.mp4 RES=180p,144p,90p FORMAT=ts PRESET=veryfast" \
		"vonly $f/vonly.mp4 RES=90p" \
		"aonly $f/aonly.m4a RES=90p" \
		"odd $f/odd.mp4 RES=180p" \
		"sar $f/sar.mp4 RES=180p" \
		"rot $f/rot.mp4 RES=180p" \
		"ten $f/ten.mkv RES=90p AUDIO_BITRATE=48k" \
		"hevc $f/hevc.mkv RES=90p" \
		"vp9 $f/vp9.webm RES=90p" \
		"vp8 $f/vp8.webm RES=90p" \
		"mp3 $f/mp3.mkv RES=90p" \
		"missing $BATS_FILE_TMPDIR/no-such-video.mp4 RES=90p" \
		"zero $f/zero.mp4 RES=90p" \
		"trunc $f/trunc.mp4 RES=90p" \
		"text $f/text.mp4 RES=90p" \
		"badres $f/clip.mp4 RES=abc" \
		"badseg $f/clip.mp4 RES=90p SEG=abc" \
		"wmpos $f/clip.mp4 RES=90p WATERMARK=x WATERMARK_POS=middle" \
		"wmopacity $f/clip.mp4 RES=90p WATERMARK=x WATERMARK_OPACITY=2" \
		"wmsize $f/clip.mp4 RES=90p WATERMARK=x WATERMARK_SIZE=0" \
		"wmnoimage $f/clip.mp4 RES=90p WATERMARK_IMAGE=$BATS_FILE_TMPDIR/no-such-logo.png" \
		"wmnotpng $f/clip.mp4 RES=90p WATERMARK_IMAGE=$f/text.mp4"
	pipelines "$@"
}

@test "vod: a clip gives a ladder whose renditions have the source's frame count" {
	built main
	assert_ladder_frames "$OUT" "$(fixture clip.mp4)"
}

@test "vod: every rendition lasts as long as the source, within one frame" {
	built main
	assert_ladder_duration "$OUT" "$(fixture clip.mp4)"
	assert_ladder_extinf "$OUT" "$(fixture clip.mp4)"
}

@test "vod: each EXTINF is its segment's frame count over the frame rate" {
	built main
	assert_ladder_extinf_frames "$OUT" "$(fixture clip.mp4)"
}

@test "vod: audio lasts as long as the source's, within one AAC frame" {
	built main
	assert_ladder_audio "$OUT" "$(fixture clip.mp4)"
	assert_equal aac "$(stream_field "$OUT/$(audio_uri "$OUT")" a:0 codec_name)"
}

@test "vod: every segment of every rendition starts with a keyframe" {
	built main
	assert_ladder_keyframes "$OUT"
}

@test "vod: segments start at the same times in every rendition" {
	built main
	assert_ladder_aligned "$OUT"
}

@test "vod: no segment is longer than SEG + 0.5 s" {
	built main
	assert_ladder_seg "$OUT" 2
}

@test "vod: master playlist has every tag a player needs" {
	built main
	assert_master "$OUT" "$(fixture clip.mp4)"
}

@test "vod: media playlists are complete VOD playlists (fmp4 by default)" {
	built main
	assert_media_playlists "$OUT" fmp4
}

@test "vod: renditions are 8-bit yuv420p H.264 at the asked sizes" {
	built main
	assert_ladder_yuv420p "$OUT" "$(fixture clip.mp4)"
	assert_equal "$OUT/180p/index.m3u8 $OUT/90p/index.m3u8" "$(ladder_video "$OUT" | paste -sd" ")"
	assert_equal "320,180" "$(stream_fields "$OUT/180p/index.m3u8" v:0 width height)"
	assert_equal "160,90" "$(stream_fields "$OUT/90p/index.m3u8" v:0 width height)"
}

@test "vod: a rung above the source is skipped and noted in job.json" {
	built main
	[ ! -e "$OUT/360p" ] || flunk "360p was made from a 180-line source"
	! grep -q '360p' "$OUT/master.m3u8" || flunk "360p in master.m3u8"
	assert_json "$OUT/job.json" '[.skipped[].name] == ["360p"]'
	assert_json "$OUT/job.json" '.skipped[0].reason | type == "string" and length > 0'
}

@test "vod: job.json records the request, the source and the result" {
	built main
	local j=$OUT/job.json
	assert_json "$j" '.status == "ok"'
	assert_json "$j" ".request.video == \"$(fixture clip.mp4)\""
	assert_json "$j" '.request | (.seg | tostring) == "2" and (.chunk | tostring) == "2"'
	assert_json "$j" '.request.preset == "veryfast" and .request.format == "fmp4"'
	assert_json "$j" '.request.resolutions | index("360p") != null'
	assert_json "$j" '.source | type == "object"'
	assert_json "$j" '[.renditions[].name] == ["180p", "90p"]'
	assert_json "$j" '.audio | type == "object"'
	assert_json "$j" '.warnings | type == "array"'
}

@test "vod: OUT/probe.json is the source's probe" {
	built main
	assert_json "$OUT/probe.json" ".format.filename == \"$(fixture clip.mp4)\""
	assert_json "$OUT/probe.json" '[.streams[].codec_type] == ["video", "audio"]'
	assert_near "$(duration "$(fixture clip.mp4)")" "$(jq .format.duration "$OUT/probe.json")" 0.001 duration
}

@test "vod: work files are kept in OUT/.work" {
	built main
	local f
	for f in probe.json params.json chunks.json chunks.mk plan.json; do
		[ -s "$OUT/.work/$f" ] || flunk "no $OUT/.work/$f"
	done
	[ -d "$OUT/.work/enc" ] || flunk "no $OUT/.work/enc"
	assert_json "$OUT/.work/chunks.json" '(.chunks | length) >= 2 and ([.chunks[].frames] | add) == 150'
}

@test "vod: no temporary files are left" {
	built main
	assert_no_temp_files "$OUT"
}

@test "vod: running make again on a finished job changes nothing (logs aside)" {
	built main
	local before after
	before=$(find "$OUT" -type f ! -name '*.log' -exec stat -c '%n %i %.9Y' {} + | sort)
	run vod "$(fixture clip.mp4)" "$OUT" RES=360p,180p,90p PRESET=veryfast -j2
	assert_success
	after=$(find "$OUT" -type f ! -name '*.log' -exec stat -c '%n %i %.9Y' {} + | sort)
	[ "$before" = "$after" ] || flunk "files changed:"$'\n'"$(diff <(echo "$before") <(echo "$after"))"
}

@test "vod FORMAT=ts (veryfast, with B-frames): frames, keyframes, alignment and playlists" {
	built ts
	assert_ladder_frames "$OUT" "$(fixture clip.mp4)"
	assert_ladder_keyframes "$OUT"
	assert_ladder_aligned "$OUT"
	assert_ladder_seg "$OUT" 2
	assert_ladder_extinf_frames "$OUT" "$(fixture clip.mp4)"
	assert_media_playlists "$OUT" ts
	assert_master "$OUT" "$(fixture clip.mp4)"
	assert_ladder_audio "$OUT" "$(fixture clip.mp4)"
	assert_json "$OUT/job.json" '.request.format == "ts"'
}

@test "vod: a video-only source gives a ladder without audio" {
	built vonly
	assert_ladder_frames "$OUT" "$(fixture vonly.mp4)"
	assert_ladder_keyframes "$OUT"
	assert_master "$OUT" "$(fixture vonly.mp4)" noaudio
	assert_media_playlists "$OUT" fmp4
	[ ! -e "$OUT/audio" ] || flunk "an audio rendition from a video-only source"
}

@test "vod: an audio-only source gives an audio-only ladder" {
	built aonly
	local m=$OUT/master.m3u8 pl=$OUT/audio/index.m3u8 inf src
	src=$(fixture aonly.m4a)
	[ -f "$pl" ] || flunk "no $pl"
	grep -q '^#EXT-X-STREAM-INF:' "$m" || flunk "no EXT-X-STREAM-INF in master"
	while read -r inf; do
		[ "$(attr "$inf" CODECS)" = mp4a.40.2 ] || flunk "CODECS in '$inf'"
		[ -z "$(attr "$inf" RESOLUTION)" ] || flunk "RESOLUTION in '$inf'"
	done < <(grep '^#EXT-X-STREAM-INF:' "$m")
	assert_equal audio "$(fprobe -show_entries stream=codec_type -of csv=p=0 "$m" | sort -u | grep . | paste -sd,)"
	grep -qx '#EXT-X-ENDLIST' "$pl" || flunk "no EXT-X-ENDLIST in $pl"
	# Without video, the encoder's priming frame may count too.
	local sr
	sr=$(stream_field "$pl" a:0 sample_rate)
	assert_near "$(audio_length "$src")" "$(stream_duration "$pl" a:0)" \
		"$(awk -v sr="$sr" 'BEGIN { print 2 * 1024 / sr + 0.0005 }')" "audio length"
	[ -z "$(find "$OUT" -path "$OUT/.work" -prune -o -name '*p' -type d -print)" ] || flunk "video rungs made"
}

@test "vod: an odd-sized source gives even sizes with the same aspect" {
	built odd
	assert_ladder_yuv420p "$OUT" "$(fixture odd.mp4)"
	assert_ladder_frames "$OUT" "$(fixture odd.mp4)"
}

@test "vod: a source with non-square pixels gives square pixels, same display aspect" {
	built sar
	assert_ladder_yuv420p "$OUT" "$(fixture sar.mp4)"
	assert_ladder_frames "$OUT" "$(fixture sar.mp4)"
}

@test "vod: a rotated source gives portrait output without rotation" {
	built rot
	assert_ladder_yuv420p "$OUT" "$(fixture rot.mp4)"
	assert_equal "180,320" "$(stream_fields "$(ladder_video "$OUT" | head -n 1)" v:0 width height)"
	assert_ladder_frames "$OUT" "$(fixture rot.mp4)"
}

@test "vod: a 10-bit source gives 8-bit yuv420p" {
	built ten
	assert_ladder_yuv420p "$OUT" "$(fixture ten.mkv)"
	assert_ladder_frames "$OUT" "$(fixture ten.mkv)"
	assert_master "$OUT" "$(fixture ten.mkv)"
}

@test "vod: AUDIO_BITRATE sets the audio rendition's bitrate" {
	built ten
	local pl bits
	pl=$OUT/$(audio_uri "$OUT")
	bits=$(fprobe -select_streams a:0 -show_entries packet=size -of csv=p=0 "$pl" |
		awk -v d="$(playlist_extinf "$pl" | awk '{ s += $1 } END { print s }')" '{ s += $1 } END { print s * 8 / d }')
	assert_le "$bits" 64000 "audio bitrate for AUDIO_BITRATE=48k"
	assert_le 32000 "$bits" "audio bitrate for AUDIO_BITRATE=48k"
}

# source_ok NAME FIXTURE: a complete ladder from that source.
source_ok() {
	built "$1" || return
	local src
	src=$(fixture "$2")
	assert_ladder_frames "$OUT" "$src"
	assert_ladder_yuv420p "$OUT" "$src"
	assert_ladder_keyframes "$OUT"
	assert_master "$OUT" "$src"
	assert_ladder_audio "$OUT" "$src"
}

@test "vod: an HEVC source works" {
	source_ok hevc hevc.mkv
}

@test "vod: a VP9 + Opus WebM source works" {
	source_ok vp9 vp9.webm
}

@test "vod: a VP8 + Vorbis WebM source works" {
	source_ok vp8 vp8.webm
}

@test "vod: an H.264 + MP3 Matroska source works" {
	source_ok mp3 mp3.mkv
}

@test "vod: a missing source fails with one vt- error and no master" {
	refused missing
	assert_match 'no-such-video.mp4' "$(cat "$S/missing.stderr")"
}

@test "vod: a zero-byte source fails with one vt- error and no master" {
	refused zero
}

@test "vod: a truncated source fails with one vt- error and no master" {
	refused trunc
}

@test "vod: a text file fails with one vt- error and no master" {
	refused text
}

@test "vod: RES=abc fails with one vt- error and no master" {
	refused badres
}

@test "vod: a bad SEG fails in the plan stage with vt-encode's message, before the split" {
	refused badseg
	assert_json "$OUT/job.json" '.stage == "plan"'
	assert_match "^vt-encode: params: 'seg' must be a number" "$(cat "$S/badseg.stderr")"
	[ ! -e "$OUT/.work/chunks.json" ] || flunk "the source was split"
}

@test "vod: without SEG and CHUNK the tools' defaults are used; a new SEG splits and plans again" {
	local out=$PWD/out
	run vod_make -j2 VIDEO="$(fixture clip.mp4)" OUT="$out" RES=90p PRESET=ultrafast
	assert_success
	assert_json "$out/job.json" '.request.seg == 6 and .request.chunk == 12'
	assert_json "$out/.work/chunks.json" '.seg == 6 and .chunk == 12 and .plan.seg == 6'
	# one 5 s segment: the clip is shorter than the default grid
	assert_equal 1 "$(grep -c '^#EXTINF' "$out/90p/index.m3u8")"
	run vod_make -j2 VIDEO="$(fixture clip.mp4)" OUT="$out" RES=90p PRESET=ultrafast SEG=2
	assert_success
	assert_json "$out/job.json" '.request.seg == 2 and .request.chunk == 12'
	assert_json "$out/.work/chunks.json" '.seg == 2 and .plan.seg == 2'
	assert_equal "0.000 2.000 4.000" "$(segment_starts "$out/90p/index.m3u8" | paste -sd ' ')"
	assert_ladder_keyframes "$out"
}

@test "vod: a killed run resumes and does not redo finished chunk encodes" {
	local src out=$PWD/out pid i=0 before after
	src=$(fixture clip.mp4)
	# shellcheck disable=SC2054 # commas in RES are make's
	local cmd=(vod_make VIDEO="$src" OUT="$out" RES=180p,144p,90p PRESET=veryfast SEG=2 CHUNK=1 -j2)
	setsid bash -c "$(declare -f vod_make); $(printf '%q ' "${cmd[@]}")" >first.log 2>&1 &
	pid=$!
	until compgen -G "$out/.work/enc/*.json" >/dev/null; do
		sleep 0.02
		i=$((i + 1))
		if [ "$i" -gt 3000 ] || ! kill -0 "$pid" 2>/dev/null; then
			kill -KILL -- -"$pid" 2>/dev/null || :
			wait "$pid" || :
			flunk "no chunk encode finished before make ended or a minute passed"$'\n'"$(cat first.log)"
			return
		fi
	done
	kill -KILL -- -"$pid"
	wait "$pid" 2>/dev/null || :
	[ ! -e "$out/master.m3u8" ] || { flunk "the run finished before it was killed"; return; }
	before=$(stat -c '%n %i %.9Y' "$out"/.work/enc/*.json)
	for i in "$out"/.work/enc/*.json; do
		jq -e . "$i" >/dev/null || flunk "half-written $i"
	done
	# chunk encodes plus the audio encode
	[ "$(wc -l <<<"$before")" -le "$(jq '.chunks | length' "$out/.work/chunks.json")" ] ||
		{ flunk "every encode was done before the kill"; return; }

	run "${cmd[@]}"
	assert_success
	after=$(cut -d' ' -f1 <<<"$before" | xargs stat -c '%n %i %.9Y')
	[ "$before" = "$after" ] || flunk "finished chunk encodes were redone:"$'\n'"$(diff <(echo "$before") <(echo "$after"))"
	assert_ladder_frames "$out" "$src"
	assert_ladder_keyframes "$out"
	assert_ladder_aligned "$out"
	assert_json "$out/job.json" '.status == "ok"'
	assert_no_temp_files "$out"
}

@test "vod: fMP4 and TS segments start on the same grid: fMP4 from 0, TS from its 10 s offset" {
	local fm ts grid
	fm=$(segment_starts "$S/main/180p/index.m3u8")
	ts=$(segment_starts "$S/ts/180p/index.m3u8")
	grid() { awk -v n="$(wc -l <<<"$fm")" -v o="$1" 'BEGIN { for (i = 0; i < n; i++) printf "%.3f\n", o + 2 * i }'; }
	assert_equal "$(grid 0)" "$fm"
	assert_equal "$(grid 10)" "$ts"
}

@test "vod: every frame of every rung is the source's frame at that time" {
	local name pl min
	for name in main hevc; do
		for pl in $(ladder_video "$S/$name"); do
			min=$(min_frame_psnr "$pl" "$(fixture "$( [ $name = main ] && echo clip.mp4 || echo hevc.mkv)")")
			awk -v m="$min" 'BEGIN { exit !(m > 30) }' ||
				flunk "$pl: a frame scores $min dB against the source"
		done
	done
}

@test "vod: BITRATES sets a rung's bit rate" {
	local lo hi
	vod "$(fixture clip.mp4)" "$PWD/lo" RES=180p AUDIO_BITRATE=64k -j2 >/dev/null
	vod "$(fixture clip.mp4)" "$PWD/hi" RES=180p AUDIO_BITRATE=64k BITRATES=180p=1200k -j2 >/dev/null
	lo=$(jq '.renditions[0].average_bandwidth' lo/job.json)
	hi=$(jq '.renditions[0].average_bandwidth' hi/job.json)
	[ "$hi" -gt $((2 * lo)) ] || flunk "180p at 1200k: $hi b/s, at the default: $lo b/s"
	assert_json hi/job.json '.request.bitrates == {"180p": "1200k"}'
}

# grey_clip: ./grey.mp4, a flat grey 320x180 clip of 2 s, and plain/, its
# ladder without a watermark: a pixel of a watermarked ladder that differs
# from plain/ is the watermark's.
grey_clip() {
	ffmpeg -nostdin -loglevel error -y -f lavfi -i color=gray:s=320x180:r=30:d=2 \
		-c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p grey.mp4 || return
	vod "$PWD/grey.mp4" "$PWD/plain" RES=180p,90p -j2 >/dev/null ||
		flunk "the plain ladder failed"
}

# red_logo FILE [COLOUR]: a 64x32 PNG, COLOUR (default red), opaque.
red_logo() {
	ffmpeg -nostdin -loglevel error -y -f lavfi -i "color=${2:-red}:s=64x32,format=rgba" \
		-frames:v 1 "$1"
}

@test "vod: WATERMARK is drawn as written in every rung, and no part of it runs" {
	local t r w h box x0 y0 x1 y1 rest
	t="it's \$(shell touch $PWD/pwned1) \`touch $PWD/pwned2\` \$\$(touch $PWD/pwned3) %{pts} ; a,b \\ # x"$'\n'"touch $PWD/pwned4 #"
	grey_clip
	run vod "$PWD/grey.mp4" "$PWD/wm" RES=180p,90p "WATERMARK=$t" -j2
	assert_success
	[ -z "$(compgen -G "$PWD/pwned*")" ] || flunk "the watermark text ran: $(ls "$PWD"/pwned*)"
	jq -e --arg t "$t" '.watermark.text == $t' wm/.work/params.json >/dev/null ||
		flunk "params.json: $(jq -c .watermark wm/.work/params.json)"
	# what was not asked for is vt-encode's own default, not the pipeline's
	assert_json wm/job.json '.request.watermark | keys == ["text"]'
	for r in 180p 90p; do
		w=$(stream_field "wm/$r/index.m3u8" v:0 width) h=${r%p}
		box=$(changed "wm/$r/index.m3u8" "plain/$r/index.m3u8")
		read -r x0 y0 x1 y1 rest <<<"$box"
		# two lines of text, the longer one too wide for the picture, at the bottom right
		assert_le "$((h / 2))" "${y0:--1}" "$r: top of the text ($box)" || return
		assert_near $((w - 1 - h * 3 / 100)) "${x1:-0}" 3 "$r: right edge of the text ($box)" || return
	done
}

@test "vod: WATERMARK_IMAGE, _POS, _SIZE and _OPACITY put the logo in every rung" {
	local r h m box x0 y0 x1 y1 rest
	grey_clip
	red_logo logo.png
	run vod "$PWD/grey.mp4" "$PWD/wm" RES=180p,90p WATERMARK_IMAGE="$PWD/logo.png" \
		WATERMARK_POS=top_left WATERMARK_SIZE=0.2 WATERMARK_OPACITY=1 -j2
	assert_success
	assert_json wm/job.json ".request.watermark.image == \"$PWD/logo.png\" and .request.watermark.size == 0.2"
	assert_json wm/job.json ".request.watermark.image_sha256 == \"$(sha256sum <logo.png | cut -c1-64)\""
	for r in 180p 90p; do
		h=${r%p} m=$(awk -v h="${r%p}" 'BEGIN { printf "%.0f", 0.03 * h }')
		box=$(changed "wm/$r/index.m3u8" "plain/$r/index.m3u8" 59)
		read -r x0 y0 x1 y1 rest <<<"$box"
		assert_near "$m" "${x0:--9}" 1 "$r: left edge of the logo ($box)" || return
		assert_near "$m" "${y0:--9}" 1 "$r: top edge of the logo ($box)" || return
		assert_near $((h * 2 / 5)) $((x1 - x0 + 1)) 2 "$r: width of the logo ($box)" || return
		assert_near $((h / 5)) $((y1 - y0 + 1)) 2 "$r: height of the logo ($box)" || return
	done
}

@test "vod: a new watermark, or a new picture under the same name, encodes again; the same one does not" {
	local out=$PWD/out before again seg
	grey_clip
	red_logo logo.png
	vod "$PWD/grey.mp4" "$out" RES=90p WATERMARK=one -j2 >/dev/null || { flunk "first run failed"; return; }
	before=$(stat -c '%n %i %.9Y' "$out"/.work/enc/c*.json)
	seg=$(segment_files "$out/90p/index.m3u8" | head -n 1)
	cp "$seg" one.mp4
	vod "$PWD/grey.mp4" "$out" RES=90p WATERMARK=one -j2 >/dev/null || { flunk "second run failed"; return; }
	assert_equal "$before" "$(stat -c '%n %i %.9Y' "$out"/.work/enc/c*.json)"
	vod "$PWD/grey.mp4" "$out" RES=90p WATERMARK=two -j2 >/dev/null || { flunk "WATERMARK=two failed"; return; }
	again=$(stat -c '%n %i %.9Y' "$out"/.work/enc/c*.json)
	[ "$before" != "$again" ] || { flunk "WATERMARK=two encoded nothing again"; return; }
	! cmp -s one.mp4 "$(segment_files "$out/90p/index.m3u8" | head -n 1)" || { flunk "the same segment for 'one' and 'two'"; return; }
	vod "$PWD/grey.mp4" "$out" RES=90p WATERMARK_IMAGE="$PWD/logo.png" -j2 >/dev/null || { flunk "logo run failed"; return; }
	before=$(stat -c '%n %i %.9Y' "$out"/.work/enc/c*.json)
	red_logo logo.png blue
	vod "$PWD/grey.mp4" "$out" RES=90p WATERMARK_IMAGE="$PWD/logo.png" -j2 >/dev/null || { flunk "new logo run failed"; return; }
	[ "$before" != "$(stat -c '%n %i %.9Y' "$out"/.work/enc/c*.json)" ] || flunk "a new logo.png encoded nothing again"
}

@test "vod: a bad watermark value fails in the plan stage, before the split" {
	local name
	for name in wmpos wmopacity wmsize wmnoimage wmnotpng; do
		refused "$name" || return
		assert_json "$OUT/job.json" '.stage == "plan"' || return
		[ ! -e "$OUT/.work/chunks.json" ] || { flunk "$name: the source was split"; return; }
	done
	assert_match "position 'middle'" "$(cat "$S/wmpos.stderr")"
	assert_match "no-such-logo.png" "$(cat "$S/wmnoimage.stderr")"
}

@test "vod: make runs nothing written in VIDEO, PRESET, OUT or SEG" {
	# make runs in $VT_ROOT: a command that ran would leave ranN there
	cp "$(fixture short.mp4)" 'a$(shell touch ran1).mp4'
	run vod_make VIDEO="$PWD/"'a$(shell touch ran1).mp4' OUT="$PWD/o1" RES=144p PRESET=ultrafast
	[ "$status" -eq 0 ] || flunk "$output"
	[ "$(jq -r .status o1/job.json)" = ok ]
	run vod_make VIDEO="$(fixture short.mp4)" OUT="$PWD/o2" RES=144p PRESET='ultrafast$(shell touch ran2)'
	[ "$status" -ne 0 ]
	run vod_make VIDEO="$(fixture short.mp4)" OUT="$PWD/o3"'$(shell touch ran3)' RES=144p
	[ "$status" -ne 0 ]
	run vod_make VIDEO="$(fixture short.mp4)" OUT="$PWD/o4" SEG='$(shell touch ran4)' RES=144p
	[ "$status" -ne 0 ]
	for n in 1 2 3 4; do
		[ ! -e "$VT_ROOT/ran$n" ] && [ ! -e "ran$n" ] || flunk "variable $n's \$(shell) ran"
	done
}

@test "vod: a VIDEO name with a newline, quotes and \$ is data, also under make -i" {
	local v=$PWD/$'a b\ncd; touch pwned1 #\'$HOME "q`touch pwned2`\t$(shell touch pwned3).mp4'
	cp "$(fixture short.mp4)" "$v"
	# Under -i make runs on past a failed command: a recipe line split at
	# the newline would run the rest (timeout: the old failure also looped).
	run timeout 300 bash -c "$(declare -f vod_make)"'; vod_make "$@"' _ -i -j2 \
		VIDEO="$v" OUT="$PWD/o" RES=144p PRESET=ultrafast
	[ -z "$(compgen -G "$HOME/pwned*"; compgen -G "$PWD/pwned*"; compgen -G "$VT_ROOT/pwned*")" ] ||
		{ flunk "part of VIDEO ran"; return; }
	assert_success
	assert_json o/job.json '.status == "ok"'
	jq -e --arg v "$v" '.request.video == $v' o/job.json >/dev/null ||
		flunk "job.json names $(jq .request.video o/job.json)"
	assert_ladder_frames o "$v"
	# a missing one: one vt- line, the newline escaped in it
	run vod_make VIDEO="$PWD/"$'no\nsuch.mp4' OUT="$PWD/m" RES=144p
	assert_failure
	[ "$(grep -c '^vt-[a-z]*: ' <<<"$output")" -eq 1 ] || { flunk "expected one vt- line:"$'\n'"$output"; return; }
	assert_match "^vt-probe: cannot open '$PWD/no\\\\nsuch.mp4'" "$(grep '^vt-' <<<"$output")"
	assert_json m/job.json '.status == "failed" and .stage == "probe"'
}
