#!/usr/bin/env bats
# vt-thumb: the thumbnail and the sprite sheet, measured with ffprobe and
# ffmpeg's own filters (signalstats, blurdetect, psnr).

load test_helper

setup_file() {
	fixtures clip.mp4 rot.mp4 sar.mp4 aonly.m4a zero.mp4 text.mp4 trunc.mp4
	local d=$BATS_FILE_TMPDIR mix
	# 12 s: black to 1 s, fade in to 2.5, sharp, blurred 5 to 7.5, sharp,
	# fade out 10 to 11.5, black.
	mix="testsrc2=s=320x180:r=30:d=12,fade=in:st=1:d=1.5,fade=out:st=10:d=1.5"
	mix+=",gblur=sigma=6:enable='between(t,5,7.5)'"
	_ffmpeg -f lavfi -i "$mix" -c:v libx264 -preset ultrafast -g 15 -pix_fmt yuv420p \
		"${_BITEXACT[@]}" "$d/mix.mp4"
	# the same with a keyframe every second (windows share them), with a
	# single keyframe, and at 15 fps (few enough frames to decode whole)
	_ffmpeg -i "$d/mix.mp4" -c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p \
		"${_BITEXACT[@]}" "$d/mixg30.mp4"
	_ffmpeg -i "$d/mix.mp4" -c:v libx264 -preset ultrafast -g 1000 -pix_fmt yuv420p \
		"${_BITEXACT[@]}" "$d/mix1k.mp4"
	_ffmpeg -i "$d/mix.mp4" -r 15 -c:v libx264 -preset ultrafast -g 15 -pix_fmt yuv420p \
		"${_BITEXACT[@]}" "$d/mix15.mp4"
	# 10 s, black but for 6 to 7 s
	_ffmpeg -f lavfi -i "testsrc2=s=320x180:r=30:d=10,drawbox=c=black:t=fill:enable='not(between(t,6,7))'" \
		-c:v libx264 -preset ultrafast -g 15 -pix_fmt yuv420p "${_BITEXACT[@]}" "$d/dark.mp4"
	_ffmpeg -f lavfi -i "color=c=black:s=320x180:r=30:d=3" \
		-c:v libx264 -preset ultrafast -pix_fmt yuv420p "${_BITEXACT[@]}" "$d/black.mp4"
	# 4 s at 25 fps, lossless, B-frames: frame N has luma 16 + 2N
	_ffmpeg -f lavfi -i "color=c=black:s=320x180:r=25:d=4,geq=lum='16+2*N':cb=128:cr=128" \
		-c:v libx264 -preset ultrafast -qp 0 -bf 2 -g 25 -pix_fmt yuv420p \
		"${_BITEXACT[@]}" "$d/count.mp4"
	# the same as a raw stream: no index, no timestamps, no seeking
	_ffmpeg -i "$d/count.mp4" -c copy -bsf:v h264_mp4toannexb -f h264 "$d/count.h264"
	# three shots of 2, 4 and 1 s
	_ffmpeg -f lavfi -i "testsrc2=s=320x180:r=30:d=2" -f lavfi -i "smptehdbars=s=320x180:r=30:d=4" \
		-f lavfi -i "rgbtestsrc=s=320x180:r=30:d=1" -filter_complex "[0][1][2]concat=n=3:v=1:a=0" \
		-c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p "${_BITEXACT[@]}" "$d/shots.mp4"
	# the index up front, the second half of the data gone
	_ffmpeg -i "$(fixture clip.mp4)" -c copy -movflags +faststart "${_BITEXACT[@]}" "$d/fast.mp4"
	head -c $(($(stat -c %s "$d/fast.mp4") / 2)) "$d/fast.mp4" >"$d/fastcut.mp4"
}

# yavg FILE [FILTER]: mean luma of the first frame, after FILTER.
yavg() {
	ffmpeg -nostdin -hide_banner -loglevel error -i "$1" \
		-vf "${2:+$2,}signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG:file=-" \
		-frames:v 1 -f null - | sed -n 's/.*YAVG=//p' | head -n 1
}

# frame_no JPEG [FILTER]: the frame of count.mp4 the (full-range) picture shows.
frame_no() {
	awk -v y="$(yavg "$@")" 'BEGIN { if (y == "") exit 1; printf "%d\n", y * 219 / 255 / 2 + 0.5 }'
}

# blur FILE: blurdetect's measure of the first frame; higher is blurrier.
blur() {
	ffmpeg -nostdin -hide_banner -loglevel error -i "$1" \
		-vf "blurdetect,metadata=mode=print:key=lavfi.blur:file=-" \
		-frames:v 1 -f null - | sed -n 's/.*blur=//p' | head -n 1
}

# source_frame SRC SECONDS OUT: ffmpeg's decode (turned as displayed) of
# the frame of SRC that starts at SECONDS.
source_frame() {
	_ffmpeg -ss "$(awk -v t="$2" 'BEGIN { printf "%.6f", t - 0.001 }')" -i "$1" -frames:v 1 "$3"
}

# psnr A B: PSNR in dB of picture A against B, scaled to A's size.
psnr() {
	local size
	size=$(stream_fields "$1" v:0 width height | tr , :)
	ffmpeg -nostdin -hide_banner -i "$1" -i "$2" -lavfi \
		"[1:v]scale=$size,format=yuv444p[b];[0:v]format=yuv444p[a];[a][b]psnr" -f null - 2>&1 |
		sed -n 's/.*PSNR.* average:\([0-9.]*\|inf\).*/\1/p' | sed 's/inf/99/' | head -n 1
}

# jpeg_size FILE: "WxH" of an MJPEG picture.
jpeg_size() {
	[ "$(stream_field "$1" v:0 codec_name)" = mjpeg ] || { flunk "$1 is not a JPEG"; return; }
	stream_fields "$1" v:0 width height | tr , x
}

# thumb ARGS...: vt-thumb into out/, stdout in $output, stderr in $stderr.
thumb() {
	run --separate-stderr vt-thumb -d out "$@"
}

# assert_no_output DIR: a failed run left no file there, not even a temp file.
assert_no_output() {
	local left
	left=$(ls -A "$1" 2>/dev/null || true)
	[ -z "$left" ] || flunk "left in $1: $left"
}

# in_good_part SECONDS: within the sharp, unfaded parts of mix.mp4.
in_good_part() {
	awk -v t="$1" 'BEGIN { exit !((t >= 2.5 && t < 5) || (t >= 7.5 && t < 10)) }' ||
		flunk "time $1 is not in the sharp, unfaded part (2.5-5 or 7.5-10 s)"
}

# cues VTT: "START END URL X Y W H" per cue, times in milliseconds.
cues() {
	awk '
		function ms(s,  a) { split(s, a, /[:.]/); return ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 + a[4] }
		/-->/ { s = ms($1); e = ms($3); next }
		/#xywh=/ { split($0, u, "#xywh="); split(u[2], r, ","); print s, e, u[1], r[1], r[2], r[3], r[4] }' "$1"
}

@test "vt-thumb --help prints usage to stdout and exits 0" {
	run --separate-stderr vt-thumb --help
	assert_success
	assert_match '^usage: vt-thumb' "${lines[0]}"
	assert_match '--sprite-interval' "$output"
	assert_equal "" "$stderr"
}

@test "vt-thumb --version prints 'vt-thumb (vt) VERSION'" {
	assert_version vt-thumb
}

@test "vt-thumb with a bad option exits 64 with usage on stderr only" {
	assert_bad_option vt-thumb -d out
}

@test "vt-thumb without -d, or with two files, is a usage error" {
	run --separate-stderr vt-thumb "$S/mix.mp4"
	assert_failure 64
	assert_match 'usage: vt-thumb' "$stderr"
	thumb "$S/mix.mp4" "$S/mix.mp4"
	assert_failure 64
	assert_no_output out
}

@test "vt-thumb --check prints the settings with its defaults, reading nothing" {
	run --separate-stderr vt-thumb --check
	assert_success
	assert_json "$output" '. == {mode: "auto", width: 1280, height: null, quality: 3,
		sprite_interval: 10, tile_width: 160, columns: 10, rows: 10}'
	run --separate-stderr vt-thumb --check -t 4.5 -H 360 -i 0 -s no-such-file.json -m scene
	assert_failure 64
	run --separate-stderr vt-thumb --check -t 4.5 -H 360 -i 0
	assert_success
	assert_json "$output" '.mode == "timestamp" and .time == 4.5 and .width == null and .height == 360
		and .sprite_interval == 0'
	run --separate-stderr vt-thumb --check -m scene -s no-such-file.json
	assert_success
	assert_json "$output" '.mode == "scene"'
	for args in "-w 0" "-m big" "-m timestamp" "-m auto -t 2" "-i 0.05" "-q 32"; do
		eval "run --separate-stderr vt-thumb --check $args"
		assert_failure 64
		assert_one_error vt-thumb
		assert_equal "" "$output"
	done
}

@test "vt-thumb writes thumbnail.jpg, sprite.jpg and sprite.vtt and describes them" {
	thumb "$S/mix.mp4"
	assert_success
	assert_equal "" "$stderr"
	assert_json "$output" '.input == "'"$S/mix.mp4"'" and .dir == "out"'
	assert_json "$output" '.thumbnail.path == "out/thumbnail.jpg" and .thumbnail.mode == "auto"'
	assert_json "$output" '.sprite.vtt == "out/sprite.vtt" and .sprite.sheets[0].path == "out/sprite.jpg"'
	assert_json "$output" '.thumbnail.time_base == [1, 15360] and .thumbnail.pts == (.thumbnail.time * 15360 | round)'
	assert_equal "sprite.jpg sprite.vtt thumbnail.jpg" "$(ls -A out | paste -sd ' ')"
	assert_equal 320x180 "$(jpeg_size out/thumbnail.jpg)"
	assert_equal yuvj420p "$(stream_field out/thumbnail.jpg v:0 pix_fmt)"
	assert_json "$output" '.thumbnail.width == 320 and .thumbnail.height == 180'
}

@test "auto picks a sharp frame, not black, faded or blurred, and says when" {
	local t
	thumb -i 0 "$S/mix.mp4"
	assert_success
	t=$(jq .thumbnail.time <<<"$output")
	in_good_part "$t"
	assert_json "$output" '.thumbnail.fallback == false and .thumbnail.candidates >= 50'
	assert_json "$output" '.thumbnail.rejected > 0'
	# the picture is that frame of the source...
	source_frame "$S/mix.mp4" "$t" ref.png
	assert_le 30 "$(psnr out/thumbnail.jpg ref.png)" "PSNR against the source frame at $t"
	# ...as bright as the sharp part and sharper than halfway to the blurred part
	source_frame "$S/mix.mp4" 3 sharp.png
	source_frame "$S/mix.mp4" 6 blurred.png
	assert_near "$(yavg sharp.png)" "$(yavg out/thumbnail.jpg)" 10 "mean luma"
	assert_le "$(blur out/thumbnail.jpg)" "$(awk -v a="$(blur sharp.png)" -v b="$(blur blurred.png)" \
		'BEGIN { print (a + b) / 2 }')" "blur of the thumbnail"
}

@test "auto picks a sharp frame with keyframes shared by windows, one keyframe, and few frames" {
	local f
	for f in mixg30.mp4 mix1k.mp4 mix15.mp4; do
		thumb -i 0 "$S/$f"
		assert_success
		in_good_part "$(jq .thumbnail.time <<<"$output")"
		assert_json "$output" '.thumbnail.fallback == false and .thumbnail.candidates >= 80'
	done
	# a window in a group of pictures already visited goes on from there
	thumb -i 0 "$S/mixg30.mp4"
	assert_json "$output" '.decoded_frames < 1.5 * .thumbnail.candidates and .seeks < 20'
}

@test "auto samples the whole video: it finds the one lit second of a black video" {
	thumb -i 0 "$S/dark.mp4"
	assert_success
	assert_json "$output" '.thumbnail.time >= 6 and .thumbnail.time < 7'
	assert_json "$output" '.thumbnail.fallback == false'
	assert_le 60 "$(yavg out/thumbnail.jpg)" "mean luma"
}

@test "auto on a black video falls back and still writes a thumbnail" {
	thumb -i 0 "$S/black.mp4"
	assert_success
	assert_json "$output" '.thumbnail.fallback == true'
	assert_equal 320x180 "$(jpeg_size out/thumbnail.jpg)"
}

@test "auto decodes about the frames it measures, not the whole video" {
	thumb -i 0 "$S/mix.mp4"
	assert_success
	assert_json "$output" '.decoded_frames < 1.5 * .thumbnail.candidates and .decoded_frames < 360'
}

@test "timestamp takes the frame whose display interval holds the time" {
	local t want
	# 25 fps: frame N is shown from N * 0.04 s up to the next
	for t in 0:0 0.039:0 0.04:1 1.23:30 2.5:62 2.52:63 3.99:99; do
		want=${t#*:}
		t=${t%:*}
		thumb -i 0 -t "$t" "$S/count.mp4"
		assert_success
		assert_json "$output" ".thumbnail.mode == \"timestamp\" and .thumbnail.requested_time == $t"
		assert_near "$(awk -v n="$want" 'BEGIN { print n * 0.04 }')" "$(jq .thumbnail.time <<<"$output")" 0.0001 "time for $t"
		assert_equal "$want" "$(frame_no out/thumbnail.jpg)"
	done
}

@test "timestamp clamps a time before the video to the first frame and after it to the last" {
	thumb -i 0 -t -5 "$S/count.mp4"
	assert_success
	assert_json "$output" '.thumbnail.time == 0'
	assert_equal 0 "$(frame_no out/thumbnail.jpg)"
	thumb -i 0 --time 1000 "$S/count.mp4"
	assert_success
	assert_near 3.96 "$(jq .thumbnail.time <<<"$output")" 0.0001 time
	assert_equal 99 "$(frame_no out/thumbnail.jpg)"
}

@test "timestamp is frame-accurate between keyframes, with B-frames" {
	local t
	for t in 3.5 0.5 2.04; do
		thumb -i 0 -m timestamp -t "$t" "$S/count.mp4"
		assert_success
		assert_equal "$(awk -v t="$t" 'BEGIN { printf "%d\n", t / 0.04 + 0.0001 }')" "$(frame_no out/thumbnail.jpg)"
	done
}

@test "a raw stream that cannot seek is read again from the start, frame-accurately" {
	thumb -t 1.23 -i 0.5 -c 3 "$S/count.h264"
	assert_success
	assert_json "$output" '.thumbnail.time == 1.2 and .duration == 4 and .sprite.tiles == 8'
	assert_equal 30 "$(frame_no out/thumbnail.jpg)"
	assert_equal 12 "$(frame_no out/sprite.jpg crop=96:48:192:24)"
	assert_equal 87 "$(frame_no out/sprite.jpg crop=96:48:192:204)"
}

@test "the thumbnail size: --width or --height keep the aspect, both fit, never upscaled" {
	local args want
	for args in "-w 160:160x90" "-H 90:160x90" "--width 100 --height 100:100x56" \
		"--width 4000:320x180" "--height 50:88x50"; do
		want=${args#*:}
		thumb -i 0 -t 1 ${args%:*} "$S/mix.mp4"
		assert_success
		assert_equal "$want" "$(jpeg_size out/thumbnail.jpg)"
		assert_json "$output" "\"\(.thumbnail.width)x\(.thumbnail.height)\" == \"$want\""
	done
}

@test "the thumbnail has the display aspect ratio of a video with non-square pixels" {
	local f
	f=$(fixture sar.mp4)
	thumb -T 160 "$f"
	assert_success
	assert_equal 426x180 "$(jpeg_size out/thumbnail.jpg)"
	assert_near "$(display_aspect "$f")" "$(display_aspect out/thumbnail.jpg)" 0.01 "display aspect"
	assert_json "$output" '.display_width == 427 and .display_height == 180'
	assert_json "$output" '.sprite.tile_width == 160 and .sprite.tile_height == 68'
}

@test "the thumbnail of a rotated video is turned as a player shows it" {
	local f
	f=$(fixture rot.mp4)
	thumb -t 1 "$f"
	assert_success
	assert_equal 180x320 "$(jpeg_size out/thumbnail.jpg)"
	assert_json "$output" '.rotation == 90 and .sprite.tile_width == 160 and .sprite.tile_height == 284'
	assert_equal 160x284 "$(jpeg_size out/sprite.jpg)"
	# ffmpeg turns it too; the other way round does not match
	source_frame "$f" 1 upright.png
	assert_equal 180x320 "$(stream_fields upright.png v:0 width height | tr , x)"
	assert_le 30 "$(psnr out/thumbnail.jpg upright.png)" "PSNR against ffmpeg's turned frame"
	_ffmpeg -i upright.png -vf hflip,vflip wrong.png
	assert_le "$(psnr out/thumbnail.jpg wrong.png)" 20 "PSNR against the frame turned the other way"
}

@test "the sprite sheet has cols x rows tiles and one contiguous cue per interval" {
	local dur n
	thumb -i 1 -c 5 "$S/mix.mp4"
	assert_success
	dur=$(stream_field "$S/mix.mp4" v:0 duration)
	n=$(awk -v d="$dur" 'BEGIN { n = int(d / 1); if (n < d / 1) n++; print n }')
	assert_equal 12 "$n"
	assert_equal 800x270 "$(jpeg_size out/sprite.jpg)"
	assert_json "$output" ".sprite.tiles == $n and .sprite.columns == 5 and .sprite.sheets[0].rows == 3"
	assert_json "$output" '.sprite.sheets[0] | .width == 800 and .height == 270 and .url == "sprite.jpg"'
	assert_equal WEBVTT "$(head -n 1 out/sprite.vtt)"
	assert_equal "$n" "$(grep -c -- '-->' out/sprite.vtt)"
	run grep -Evc '^(WEBVTT|[0-9]{2}:[0-5][0-9]:[0-5][0-9]\.[0-9]{3} --> [0-9]{2}:[0-5][0-9]:[0-5][0-9]\.[0-9]{3}|sprite\.jpg#xywh=[0-9]+,[0-9]+,160,90|)$' out/sprite.vtt
	assert_equal 0 "$output"
	cues out/sprite.vtt | awk -v end="$dur" -v W=800 -v H=270 '
		function bad(m) { print "cue " NR ": " m; failed = 1; exit 1 }
		NR == 1 && $1 != 0 { bad("starts at " $1) }
		NR > 1 && $1 != last { bad("starts at " $1 ", not " last) }
		$2 <= $1 { bad("is empty") }
		$4 < 0 || $5 < 0 || $4 + $6 > W || $5 + $7 > H { bad("is outside the sheet") }
		{ last = $2 }
		END { if (!failed && last != end * 1000) { print "cues end at " last; exit 1 } }' || flunk
}

@test "the last cue ends with the video when the interval does not divide it" {
	thumb -i 5 "$S/mix.mp4"
	assert_success
	assert_json "$output" '.sprite.tiles == 3 and .sprite.interval == 5'
	assert_equal "10000 12000 sprite.jpg 320 0 160 90" "$(cues out/sprite.vtt | tail -n 1)"
	assert_equal 480x90 "$(jpeg_size out/sprite.jpg)"
}

@test "tiles beyond one sheet go to sprite-1.jpg, sprite-2.jpg, ..." {
	thumb -i 1 -c 4 -r 2 "$S/mix.mp4"
	assert_success
	assert_equal "sprite-1.jpg sprite-2.jpg sprite.vtt thumbnail.jpg" "$(ls out | paste -sd ' ')"
	assert_equal 640x180 "$(jpeg_size out/sprite-1.jpg)"
	assert_equal 640x90 "$(jpeg_size out/sprite-2.jpg)"
	assert_json "$output" '[.sprite.sheets[] | [.url, .tiles, .rows]] == [["sprite-1.jpg", 8, 2], ["sprite-2.jpg", 4, 1]]'
	assert_equal "8 4" "$(cues out/sprite.vtt | awk '{ n[$3]++ } END { print n["sprite-1.jpg"], n["sprite-2.jpg"] }')"
	assert_equal "8000 9000 sprite-2.jpg 0 0 160 90" "$(cues out/sprite.vtt | sed -n 9p)"
}

@test "each tile shows the frame at its cue's start" {
	local i x y want
	thumb -i 0.5 -c 3 "$S/count.mp4"
	assert_success
	assert_json "$output" '.sprite.tiles == 8 and .sprite.tile_width == 160 and .sprite.tile_height == 90'
	for i in 0 1 2 3 4 5 6 7; do
		x=$((i % 3 * 160)) y=$((i / 3 * 90))
		want=$(awk -v i="$i" 'BEGIN { printf "%d\n", i * 0.5 / 0.04 + 0.0001 }')
		assert_equal "$want" "$(frame_no out/sprite.jpg "crop=96:48:$((x + 32)):$((y + 24))")"
	done
}

@test "--sprite-interval 0 writes no sprite" {
	thumb --sprite-interval 0 "$(fixture clip.mp4)"
	assert_success
	assert_json "$output" '.sprite == null'
	assert_equal thumbnail.jpg "$(ls out)"
}

@test "scene takes a sharp frame inside the longest shot" {
	echo '{"cuts": [{"time": 2.0, "score": 0.9}, {"time": 6.0, "score": 0.8}]}' >scenes.json
	thumb -i 0 --scenes scenes.json "$S/shots.mp4"
	assert_success
	assert_json "$output" '.thumbnail.mode == "scene" and .thumbnail.shot == {"index": 1, "start": 2, "end": 6}'
	assert_json "$output" '.thumbnail.time > 2.2 and .thumbnail.time < 5.8'
	source_frame "$S/shots.mp4" 4 bars.png
	assert_le 30 "$(psnr out/thumbnail.jpg bars.png)" "PSNR against the bars of shot 2"
}

@test "scene reads a list of times, an array of objects and one object per line" {
	local form
	for form in '[1, 2]' '[{"time": 2}, {"time": 1}]' $'{"time": 1}\n{"time": 2}' '{"scenes": [{"start": 1}, {"start": 2}]}'; do
		printf '%s\n' "$form" >scenes.json
		thumb -i 0 -m scene -s scenes.json "$S/shots.mp4"
		assert_success
		assert_json "$output" '.thumbnail.shot.index == 2 and .thumbnail.shot.start == 2'
		assert_json "$output" '.thumbnail.time > 2.5 and .thumbnail.time < 6.5'
	done
}

@test "scene with no cut is the whole video; a cut past the end is ignored" {
	echo '{"cuts": [{"time": 99}]}' >scenes.json
	thumb -i 0 -s scenes.json "$S/shots.mp4"
	assert_success
	assert_json "$output" '.thumbnail.shot.index == 0 and .thumbnail.shot.start == 0 and .thumbnail.shot.end == 7'
}

@test "scene reads vt-scenes output" {
	[ -x "$VT_BIN/vt-scenes" ] || skip "no vt-scenes"
	vt-scenes "$S/shots.mp4" >scenes.json || skip "vt-scenes failed"
	thumb -i 0 -s scenes.json "$S/shots.mp4"
	assert_success
	assert_json "$output" '.thumbnail.time > 2 and .thumbnail.time < 6'
}

@test "mode and option misuse are usage errors" {
	local args
	for args in "-m scene" "-m timestamp" "-m auto -t 1" "-t 1 -s x.json" "-m bogus" \
		"-t abc" "-t nan" "-t inf" "-t 1e999" "-t ''" "-i -1" "-i 0.01" "-i x" "-w 0" "-H -5" \
		"-q 0" "-q 32" "-c 0" "-r 101" "-T 8" "-i 0.1 -c 100 -T 320"; do
		eval "thumb $args \"\$S/mix.mp4\""
		[ "$status" -eq 64 ] || flunk "vt-thumb $args: exit $status, not 64"
		assert_one_error vt-thumb
		assert_no_output out
	done
}

@test "a bad --scenes file is an error and writes nothing" {
	local form
	for form in '' '{"cuts": ' '{"other": []}' '[{"time": "2"}]' '[{"score": 1}]' '[-1]' '"text"'; do
		printf '%s' "$form" >scenes.json
		thumb -s scenes.json "$S/shots.mp4"
		[ "$status" -eq 65 ] || flunk "scenes '$form': exit $status, not 65"
		assert_one_error vt-thumb
		assert_no_output out
	done
	thumb -s missing.json "$S/shots.mp4"
	assert_failure 66
	assert_one_error vt-thumb
}

@test "vt-thumb reads a manifest {\"input\": FILE} on stdin" {
	local f
	f=$(fixture clip.mp4)
	run --separate-stderr vt-thumb -i 0 -d out < <(jq -n --arg f "$f" '{input: $f, extra: 1}')
	assert_success
	assert_json "$output" ".input == \"$f\""
	[ -f out/thumbnail.jpg ] || flunk "no out/thumbnail.jpg"
	run --separate-stderr vt-thumb -d out2 <<<'{"output": "x"}'
	assert_failure 65
	run --separate-stderr vt-thumb -d out2 <<<'{"input": '
	assert_failure 65
	assert_no_output out2
}

@test "bad inputs fail with one line and leave nothing" {
	local name want
	for name in missing.mp4:66 zero.mp4:65 text.mp4:65 trunc.mp4:65 aonly.m4a:65; do
		want=${name#*:}
		name=${name%:*}
		if [ "$name" = missing.mp4 ]; then thumb "$name"
		else thumb "$(fixture "$name")"
		fi
		[ "$status" -eq "$want" ] || flunk "$name: exit $status, not $want"$'\n'"$stderr"
		assert_one_error vt-thumb
		assert_equal "" "$output"
		assert_no_output out
	done
	thumb "$S"
	assert_failure 65
}

@test "a file whose index promises frames that are gone is truncated" {
	thumb "$S/fastcut.mp4"
	assert_failure 65
	assert_match 'truncated' "$stderr"
	assert_equal "" "$output"
	assert_no_output out
	thumb -i 0 -t 0 "$S/fastcut.mp4"
	assert_failure 65
}

@test "an output folder that cannot be made exits 73" {
	touch file
	run --separate-stderr vt-thumb -d file/sub "$(fixture clip.mp4)"
	assert_failure 73
	assert_one_error vt-thumb
}

@test "a second run replaces the files and leaves no temp files" {
	thumb -i 1 "$(fixture clip.mp4)"
	assert_success
	thumb -i 1 -t 2 "$(fixture clip.mp4)"
	assert_success
	assert_equal "sprite.jpg sprite.vtt thumbnail.jpg" "$(ls -A out | paste -sd ' ')"
	assert_json "$output" '.thumbnail.time == 2'
}
