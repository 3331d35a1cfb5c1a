#!/usr/bin/env bats
# vt-probe: container and stream facts, checked against ffprobe.
# shellcheck disable=SC2016,SC2030,SC2031 # probed sets f; its manifests are jq programs

load test_helper

setup_file() {
	fixtures clip.mp4 aonly.m4a rot.mp4 sar.mp4 odd.mp4 ten.mkv zero.mp4 text.mp4 trunc.mp4
}

# probed NAME [MANIFEST]: vt-probe of fixture NAME succeeds; f is the
# fixture, output vt-probe's JSON. With MANIFEST, a jq program that makes
# it from $f, vt-probe reads that on stdin.
probed() {
	f=$(fixture "$1")
	if [ $# -gt 1 ]; then
		run --separate-stderr vt-probe < <(jq -n --arg f "$f" "$2")
	else
		run --separate-stderr vt-probe "$f"
	fi
	assert_success
}

# same_as_ffprobe STREAM SELECTOR FIELD...: each FIELD of vt-probe's STREAM
# (a jq path) is ffprobe's value, a number where that is one.
same_as_ffprobe() {
	local stream=$1 sel=$2 k want
	shift 2
	for k in "$@"; do
		want=$(stream_field "$f" "$sel" "$k")
		[[ $want =~ ^-?[0-9]+$ ]] || want=$(jq -Rn --arg w "$want" '$w')
		assert_json "$output" "$stream.$k == $want" || return
	done
}

@test "vt-probe --help prints usage to stdout and exits 0" {
	run --separate-stderr vt-probe --help
	assert_success
	assert_match '^usage: vt-probe' "${lines[0]}"
	assert_match '--keyframes' "$output"
	assert_equal "" "$stderr"
}

@test "vt-probe --version prints 'vt-probe (vt) VERSION'" {
	assert_version vt-probe
}

@test "vt-probe with a bad option exits 64 with usage on stderr only" {
	assert_bad_option vt-probe
}

@test "vt-probe with two files is a usage error" {
	run --separate-stderr vt-probe "$(fixture clip.mp4)" "$(fixture clip.mp4)"
	assert_failure 64
	assert_equal "" "$output"
}

@test "vt-probe prints one JSON document with format facts equal to ffprobe's" {
	local f
	probed clip.mp4
	assert_json "$output" '.format | type == "object"'
	assert_json "$output" ".format.filename == \"$f\""
	assert_json "$output" ".format.nb_streams == $(format_field "$f" nb_streams)"
	assert_json "$output" ".format.size == $(stat -c %s "$f")"
	assert_json "$output" '.format.format_name | test("mp4")'
	assert_near "$(duration "$f")" "$(jq .format.duration <<<"$output")" 0.001 duration
	assert_near 0 "$(jq .format.start_time <<<"$output")" 0.001 start_time
	assert_json "$output" '.format.bit_rate | type == "number" and . > 0'
}

@test "vt-probe video stream facts are numbers equal to ffprobe's" {
	local f
	probed clip.mp4
	assert_json "$output" '[.streams[] | select(.codec_type == "video")] | length == 1'
	local v='(.streams[] | select(.codec_type == "video"))'
	same_as_ffprobe "$v" v:0 index codec_name width height nb_frames
	assert_json "$output" "$v.width == 320 and $v.height == 180"
	assert_json "$output" "$v.pix_fmt == \"yuv420p\""
	assert_json "$output" "$v.r_frame_rate == 30"
	assert_json "$output" "$v.avg_frame_rate == 30"
	assert_json "$output" "$v.frame_rate == [30, 1]"
	assert_json "$output" "$v.time_base == [$(stream_field "$f" v:0 time_base | tr / ,)]"
	assert_json "$output" "$v.sample_aspect_ratio == [1, 1]"
	assert_json "$output" "$v.start_pts == 0 and $v.start_time == 0"
	assert_json "$output" "$v.rotation == 0"
	assert_json "$output" "$v.display_width == 320 and $v.display_height == 180"
	assert_json "$output" "$v.bits_per_raw_sample == 8"
	assert_json "$output" "$v.profile | type == \"string\""
	assert_near "$(stream_field "$f" v:0 duration)" "$(jq "$v.duration" <<<"$output")" 0.001 duration
}

@test "vt-probe audio stream facts are numbers equal to ffprobe's" {
	local f
	probed clip.mp4
	local a='(.streams[] | select(.codec_type == "audio"))'
	assert_json "$output" "$a.codec_name == \"aac\""
	same_as_ffprobe "$a" a:0 sample_rate channels channel_layout sample_fmt
	assert_json "$output" "$a.time_base == [1, 48000]"
}

@test "vt-probe of an audio-only file has no video stream" {
	run --separate-stderr vt-probe "$(fixture aonly.m4a)"
	assert_success
	assert_json "$output" '[.streams[].codec_type] == ["audio"]'
	assert_json "$output" '.streams[0].sample_rate == 48000 and .streams[0].channels == 2'
}

@test "vt-probe -k lists the same keyframe times as ffprobe" {
	local f expected got
	f=$(fixture clip.mp4)
	run --separate-stderr vt-probe -k "$f"
	assert_success
	expected=$(keyframe_times "$f" | awk '{ printf "%.3f\n", $1 }')
	got=$(jq -r '.streams[] | select(.codec_type == "video") | .keyframes[]' <<<"$output" |
		awk '{ printf "%.3f\n", $1 }')
	assert_equal "0.000 1.500 3.000 4.500" "$(paste -sd" " <<<"$expected")"
	assert_equal "$expected" "$got"
}

@test "vt-probe --keyframes counts the packets ffprobe counts" {
	local f
	f=$(fixture clip.mp4)
	run --separate-stderr vt-probe --keyframes "$f"
	assert_success
	assert_json "$output" "(.streams[] | select(.codec_type == \"video\") | .nb_read_packets) == $(packet_count "$f")"
}

@test "vt-probe without -k does not scan keyframes" {
	run --separate-stderr vt-probe "$(fixture clip.mp4)"
	assert_success
	assert_json "$output" '[.streams[] | has("keyframes")] | any | not'
}

@test "vt-probe reports rotation 90 (clockwise) and a portrait display size for a rotated file" {
	local f
	f=$(fixture rot.mp4)
	# ffprobe gives the display matrix angle counter-clockwise.
	assert_equal -90 "$(rotation "$f")"
	run --separate-stderr vt-probe "$f"
	assert_success
	local v='(.streams[] | select(.codec_type == "video"))'
	assert_json "$output" "$v.rotation == 90"
	assert_json "$output" "$v.width == 320 and $v.height == 180"
	assert_json "$output" "$v.display_width == 180 and $v.display_height == 320"
}

@test "vt-probe applies the sample aspect ratio to the display size" {
	local f
	f=$(fixture sar.mp4)
	assert_equal "4:3" "$(stream_field "$f" v:0 sample_aspect_ratio)"
	run --separate-stderr vt-probe "$f"
	assert_success
	local v='(.streams[] | select(.codec_type == "video"))'
	assert_json "$output" "$v.sample_aspect_ratio == [4, 3]"
	assert_json "$output" "$v.display_height == 180"
	assert_near 426.7 "$(jq "$v.display_width" <<<"$output")" 1 display_width
}

@test "vt-probe reports odd sizes and 10-bit formats as they are" {
	run --separate-stderr vt-probe "$(fixture odd.mp4)"
	assert_success
	assert_json "$output" '.streams[0].width == 321 and .streams[0].height == 241'
	assert_json "$output" '.streams[0].pix_fmt == "yuv444p"'
	run --separate-stderr vt-probe "$(fixture ten.mkv)"
	assert_success
	assert_json "$output" '.streams[0].pix_fmt == "yuv420p10le"'
	assert_json "$output" '.streams[0].bits_per_raw_sample == 10'
}

@test "vt-probe reads the codec of every fixture as ffprobe does" {
	local name f
	for name in hevc.mkv vp9.webm vp8.webm mp3.mkv; do
		f=$(fixture "$name")
		run --separate-stderr vt-probe "$f"
		assert_success
		assert_json "$output" "[.streams[].codec_name] == [$(
			fprobe -show_entries stream=codec_name -of csv=p=0 "$f" | sed 's/.*/"&"/' | paste -sd,)]"
		assert_json "$output" "[.streams[].codec_type] == [\"video\", \"audio\"]"
	done
}

@test "vt-probe reads a manifest {\"input\": FILE} on stdin" {
	local f
	probed clip.mp4 '{input: $f, extra: [1, 2]}'
	assert_json "$output" ".format.filename == \"$f\""
	assert_json "$output" '.streams | length == 2'
}

@test "vt-probe reads a manifest {\"source\": FILE} on stdin" {
	local f
	probed aonly.m4a '{source: $f}'
	assert_json "$output" ".format.filename == \"$f\""
}

@test "vt-probe with a manifest that is not JSON exits 65" {
	run --separate-stderr vt-probe <<<'{"input": '
	assert_failure 65
	assert_one_error vt-probe
	assert_equal "" "$output"
}

@test "vt-probe with a manifest without input exits 65" {
	run --separate-stderr vt-probe <<<'{"output": "x.mp4"}'
	assert_failure 65
	assert_one_error vt-probe
}

@test "vt-probe of a missing file exits 66 with one line on stderr" {
	run --separate-stderr vt-probe no-such-file.mp4
	assert_failure 66
	assert_one_error vt-probe
	assert_match "no-such-file.mp4" "$stderr"
	assert_equal "" "$output"
}

@test "vt-probe of a zero-byte file exits 65" {
	run --separate-stderr vt-probe "$(fixture zero.mp4)"
	assert_failure 65
	assert_one_error vt-probe
	assert_equal "" "$output"
}

@test "vt-probe of a text file exits 65" {
	run --separate-stderr vt-probe "$(fixture text.mp4)"
	assert_failure 65
	assert_one_error vt-probe
	assert_equal "" "$output"
}

@test "vt-probe of a truncated file exits 65" {
	run --separate-stderr vt-probe "$(fixture trunc.mp4)"
	assert_failure 65
	assert_one_error vt-probe
	assert_equal "" "$output"
}

@test "VT_LOGLEVEL takes libav's level names and numbers in range; anything else exits 64" {
	local f lvl
	f=$(fixture clip.mp4)
	run --separate-stderr vt-probe "$f"
	assert_success
	assert_equal "" "$stderr"
	for lvl in debug 48; do
		VT_LOGLEVEL=$lvl run --separate-stderr vt-probe "$f"
		assert_success
		assert_match "^vt-probe: libav: .*probed" "$stderr"
		[ "$(grep -vc '^vt-probe: libav: ' <<<"$stderr")" = 0 ] || flunk "not all libav lines: $stderr"
	done
	for lvl in quiet -8 fatal; do
		VT_LOGLEVEL=$lvl run --separate-stderr vt-probe "$f"
		assert_success
		assert_equal "" "$stderr"
	done
	for lvl in debugg 57 -9 4x; do
		VT_LOGLEVEL=$lvl run --separate-stderr vt-probe "$f"
		assert_failure 64
		assert_one_error vt-probe
		assert_match "VT_LOGLEVEL '$lvl'" "$stderr"
		assert_equal "" "$output"
	done
}

# late_streams FILE: an MPEG-TS whose six audio streams begin after the
# video has ended, each under PIDs of its own: the demuxer meets them only
# after the probe.
late_streams() {
	local i
	ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc=s=160x90:r=25:d=1 \
		-c:v libx264 -preset ultrafast -g 25 -f mpegts v.ts || return
	for i in 1 2 3 4 5 6; do
		ffmpeg -nostdin -loglevel error -y -f lavfi -i sine=d=0.2 -c:a aac \
			-mpegts_pmt_start_pid $((0x1000 + 16 * i)) -mpegts_start_pid $((0x200 + 16 * i)) \
			-f mpegts "a$i.ts" || return
	done
	cat v.ts a1.ts a2.ts a3.ts a4.ts a5.ts a6.ts >"$1"
}

@test "vt-probe -k of an MPEG-TS with streams that appear after the probe lists and counts them all" {
	local i n
	late_streams late.ts
	# without the scan, the probe sees fewer: the streams do come late
	run --separate-stderr vt-probe late.ts
	assert_success
	assert_json "$output" '.format.nb_streams < 7'
	run --separate-stderr vt-probe -k late.ts
	assert_success
	assert_equal "" "$stderr"
	n=$(format_field late.ts nb_streams)
	assert_equal 7 "$n"
	assert_json "$output" ".format.nb_streams == $n and (.streams | length) == $n"
	for ((i = 0; i < n; i++)); do
		assert_json "$output" ".streams[$i].index == $i and .streams[$i].codec_type == \"$(stream_field late.ts "$i" codec_type)\"" || return
		assert_json "$output" ".streams[$i].nb_read_packets == $(packet_count late.ts "$i")" || return
	done
	assert_equal "$(keyframe_times late.ts | awk '{ printf "%.3f\n", $1 }')" \
		"$(jq -r '.streams[0].keyframes[]' <<<"$output" | awk '{ printf "%.3f\n", $1 }')"
}

@test "vt-probe: a newline in a file name or a manifest string stays inside one error line" {
	run --separate-stderr vt-probe $'no\nsuch\tfile.mp4'
	assert_failure 66
	assert_one_error vt-probe
	assert_match "'no\\\\nsuch\\\\tfile.mp4'" "$stderr"
	run --separate-stderr vt-probe <<<'{"input": "a\nb\u0001c.mp4"}'
	assert_failure 66
	assert_one_error vt-probe
	assert_match "'a\\\\nb\\\\x01c.mp4'" "$stderr"
}
