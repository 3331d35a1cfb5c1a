#!/usr/bin/env bats
# vt-split: keyframe-aligned chunks by stream copy, checked with ffprobe.

load test_helper

setup_file() {
	fixtures clip.mp4 aonly.m4a rot.mp4 sar.mp4 zero.mp4 text.mp4 trunc.mp4
}

# split [ARGS...]: run vt-split on clip.mp4 into ./chunks, manifest in
# ./chunks.json.
split() {
	run --separate-stderr vt-split "$@" -d chunks "$(fixture clip.mp4)"
	assert_success
	echo "$output" >chunks.json
}

# in_range FILE START END: presentation times in [START, END) of the video
# packets of FILE, one per line, sorted.
in_range() {
	packets "$1" | awk -F, -v s="$2" -v e="$3" '
		$1 != "" && $1 != "N/A" && $1 + 0 >= s - 0.0005 && $1 + 0 < e - 0.0005 { printf "%.6f\n", $1 }' |
		sort -n
}

@test "vt-split --help prints usage to stdout and exits 0" {
	run --separate-stderr vt-split --help
	assert_success
	assert_match '^usage: vt-split' "${lines[0]}"
	assert_match '--chunk' "$output"
	assert_match '--dir' "$output"
	assert_equal "" "$stderr"
}

@test "vt-split --version prints 'vt-split (vt) VERSION'" {
	assert_version vt-split
}

@test "vt-split with a bad option exits 64 with usage on stderr" {
	assert_bad_option vt-split -d chunks "$(fixture clip.mp4)"
}

@test "vt-split without -d is a usage error" {
	run --separate-stderr vt-split "$(fixture clip.mp4)"
	assert_failure 64
	assert_equal "" "$output"
}

@test "vt-split rejects a chunk length that is not a positive number" {
	local c
	for c in abc 0 -2 2x; do
		run --separate-stderr vt-split -c "$c" -d chunks "$(fixture clip.mp4)"
		assert_failure 64
	done
	[ ! -e chunks ] || [ -z "$(ls chunks)" ] || flunk "chunks written despite usage error"
}

@test "vt-split describes the source's video and audio" {
	split -c 2
	assert_json chunks.json ".source == \"$(fixture clip.mp4)\""
	assert_near 5 "$(jq .duration chunks.json)" 0.001 duration
	assert_json chunks.json '.video.index == 0 and .video.codec_name == "h264"'
	assert_json chunks.json '.video.width == 320 and .video.height == 180'
	assert_json chunks.json '.video.frame_rate == [30, 1] and .video.time_base == [1, 15360]'
	assert_json chunks.json '.video.sample_aspect_ratio == [1, 1] and .video.rotation == 0'
	assert_json chunks.json '.video.pix_fmt == "yuv420p" and .video.start_pts == 0'
	assert_json chunks.json '.audio.index == 1 and .audio.codec_name == "aac"'
	assert_json chunks.json '.audio.sample_rate == 48000 and .audio.channels == 2'
	assert_json chunks.json '.audio.channel_layout == "stereo"'
}

@test "vt-split describes its streams exactly as vt-probe does: one schema" {
	split -c 2
	vt-probe "$(fixture clip.mp4)" >probe.json
	assert_equal "$(jq -S -c '.streams[] | select(.codec_type == "video")' probe.json)" \
		"$(jq -S -c .video chunks.json)"
	assert_equal "$(jq -S -c '.streams[] | select(.codec_type == "audio")' probe.json)" \
		"$(jq -S -c .audio chunks.json)"
}

@test "vt-split chunk files are named c00000.nut, c00001.nut ... in DIR" {
	local n want
	# shellcheck disable=SC2046
	split -c 1 $(split_seg 1)
	n=$(jq '.chunks | length' chunks.json)
	want=$(for ((i = 0; i < n; i++)); do printf 'c%05d.nut\n' $i; done)
	assert_equal "$want" "$(jq -r '.chunks[].path' chunks.json | xargs -n 1 basename)"
	assert_equal "$want" "$(cd chunks && ls)"
	# DIR as given, or made absolute
	assert_equal "$PWD/chunks" "$(jq -r '.chunks[0].path' chunks.json | xargs dirname | xargs realpath)"
}

@test "vt-split chunk frames add up to the source's frame count" {
	# shellcheck disable=SC2046
	split -c 1 $(split_seg 1)
	assert_equal 150 "$(frame_count "$(fixture clip.mp4)")"
	assert_json chunks.json '[.chunks[].frames] | add == 150'
	assert_json chunks.json '(.chunks | length) > 1'
	assert_equal "$(jq '.chunks | length' chunks.json)" "$(find chunks -name '*.nut' | wc -l)"
}

@test "vt-split chunk files hold each chunk's frames with the source's timestamps" {
	local i n path all=
	# shellcheck disable=SC2046
	split -c 1 $(split_seg 1)
	n=$(jq '.chunks | length' chunks.json)
	for ((i = 0; i < n; i++)); do
		path=$(jq -r ".chunks[$i].path" chunks.json)
		got=$(in_range "$path" "$(jq ".chunks[$i].start" chunks.json)" "$(jq ".chunks[$i].end" chunks.json)")
		assert_json chunks.json ".chunks[$i].index == $i"
		assert_json chunks.json ".chunks[$i].frames == $(grep -c . <<<"$got")"
		assert_json chunks.json ".chunks[$i].bytes == $(stat -c %s "$path")"
		all+=$got$'\n'
	done
	# no frame lost, none twice, none moved
	assert_equal "$(packets "$(fixture clip.mp4)" | awk -F, '$1 != "" { printf "%.6f\n", $1 }' | sort -n)" \
		"$(grep . <<<"$all" | sort -n)"
}

@test "vt-split chunk files each start with a keyframe, at or before the chunk" {
	local i n path
	# shellcheck disable=SC2046
	split -c 1 $(split_seg 1)
	n=$(jq '.chunks | length' chunks.json)
	for ((i = 0; i < n; i++)); do
		path=$(jq -r ".chunks[$i].path" chunks.json)
		starts_with_keyframe "$path"
		assert_le "$(first_packet "$path" | cut -d, -f1)" \
			"$(jq ".chunks[$i].start + 0.0005" chunks.json)" "chunk $i first frame"
	done
}

@test "vt-split chunk files start at a keyframe at or before the chunk" {
	local n i first start
	split -c 1 -s 1
	n=$(jq '.chunks | length' chunks.json)
	[ "$n" -ge 3 ] || flunk "want several chunks, got $n"
	for ((i = 0; i < n; i++)); do
		first=$(ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags \
		    -of csv=p=0 "$(jq -r ".chunks[$i].path" chunks.json)" | head -n 1)
		[[ $first == *,K* ]] || flunk "chunk $i does not start with a keyframe: $first"
		start=$(jq -r ".chunks[$i].start" chunks.json)
		awk -v a="${first%%,*}" -v b="$start" 'BEGIN { exit !(a <= b + 1e-6) }' ||
		    flunk "chunk $i starts decoding at ${first%%,*}, after its first frame $start"
	done
}

@test "vt-split --seg cuts chunks on the segment grid" {
	[ -n "$(split_seg 1)" ] || skip "vt-split has no --seg"
	split -c 2 --seg 2
	assert_json chunks.json '(.chunks | length) >= 2'
	assert_json chunks.json '[.chunks[].start | . / 2 | . == floor] | all'
	split -c 3 -s 2
	assert_json chunks.json '[.chunks[].start | . / 2 | . == floor] | all'
}

@test "vt-split says the grid and chunk length it used; without -s or a plan, its defaults" {
	split
	assert_json chunks.json '.seg == 6 and .chunk == 12 and .plan == null'
	split -c 2.5 -s 1
	assert_json chunks.json '.seg == 1 and .chunk == 3'
}

@test "vt-split --plan carries vt-encode's plan in its manifest and cuts on its grid" {
	vt-probe "$(fixture clip.mp4)" | vt-encode --plan -r 90p -s 1 >plan.json
	split --plan plan.json -c 1
	assert_json chunks.json '.seg == 1 and .chunk == 1'
	assert_json chunks.json '([.chunks[].start | . == floor] | all) and (.chunks | length) == 5'
	jq -e --slurpfile p plan.json '.plan == $p[0]' chunks.json >/dev/null ||
		flunk "the manifest's plan is not plan.json:"$'\n'"$(jq -c .plan chunks.json)"
	# -s may repeat the plan's grid, never contradict it
	split --plan plan.json -s 1
	run --separate-stderr vt-split --plan plan.json -s 2 -d other "$(fixture clip.mp4)"
	assert_failure 65
	assert_one_error vt-split
	assert_match "-s asks for 2 s segments, but the plan is for a 1 s grid" "$stderr"
	[ ! -e other ] || flunk "a contradicted plan cut chunks"
}

@test "vt-split --plan refuses a plan for another source, or a bad one, with 65 before cutting" {
	vt-probe "$(fixture rot.mp4)" | vt-encode --plan -r 90p >rot.json
	run --separate-stderr vt-split --plan rot.json -d chunks "$(fixture clip.mp4)"
	assert_failure 65
	assert_one_error vt-split
	assert_match "the plan is for a source with .*rotation 90.*, but '.*clip.mp4' has 320x180 video .*rotation 0" "$stderr"
	vt-probe "$(fixture aonly.m4a)" | vt-encode --plan >aonly.json
	run --separate-stderr vt-split --plan aonly.json -d chunks "$(fixture clip.mp4)"
	assert_failure 65
	assert_match "the plan is for a source with no video, but .* has 320x180 video" "$stderr"
	vt-probe "$(fixture clip.mp4)" | vt-encode --plan -r 90p >plan.json
	jq '.rungs[0].maxrate = 0' plan.json >bad.json
	run --separate-stderr vt-split --plan bad.json -d chunks "$(fixture clip.mp4)"
	assert_failure 65
	assert_match "maxrate" "$stderr"
	echo '{"rungs": ' >bad.json
	run --separate-stderr vt-split --plan bad.json -d chunks "$(fixture clip.mp4)"
	assert_failure 65
	[ -z "$(find . -name '*.nut')" ] || flunk "a refused plan cut chunks"
	# an audio-only source and its own plan
	run --separate-stderr vt-split --plan aonly.json -d chunks "$(fixture aonly.m4a)"
	assert_success
	assert_json "$output" '.video == null and .chunks == [] and .plan.rungs == []'
}

@test "vt-split chunks are contiguous from the first frame to the end" {
	# shellcheck disable=SC2046
	split -c 1 $(split_seg 1)
	assert_json chunks.json '.chunks[0].start == 0 and .chunks[0].start_pts == .video.start_pts'
	assert_json chunks.json '[range(1; .chunks | length) as $i | .chunks[$i - 1].end_pts == .chunks[$i].start_pts] | all'
	assert_json chunks.json '[range(1; .chunks | length) as $i | .chunks[$i - 1].end == .chunks[$i].start] | all'
	assert_json chunks.json '[.chunks[] | .end > .start] | all'
	assert_json chunks.json '.video.time_base as [$n, $d] | [.chunks[] | (.start - .start_pts * $n / $d | fabs) < 1e-6 and (.end - .end_pts * $n / $d | fabs) < 1e-6] | all'
	assert_near 5 "$(jq '.chunks[-1].end' chunks.json)" 0.001 "end of the last chunk"
	assert_json chunks.json '.chunks[-1].end_pts == 76800'
}

@test "vt-split -c changes the number of chunks" {
	local many
	# shellcheck disable=SC2046
	split -c 1 $(split_seg 1)
	many=$(jq '.chunks | length' chunks.json)
	[ "$many" -ge 4 ] || flunk "-c 1: $many chunks of a 5 s clip"
	rm -rf chunks
	# shellcheck disable=SC2046
	split --chunk 10 $(split_seg 1)
	assert_json chunks.json '(.chunks | length) == 1 and .chunks[0].frames == 150'
}

@test "vt-split reads what vt-probe prints" {
	local f
	f=$(fixture clip.mp4)
	vt-split -d chunks "$f" | jq -c '.chunks | map(del(.path))' >want.json
	vt-probe "$f" >probe.json
	run --separate-stderr vt-split -d chunks2 <probe.json
	assert_success
	assert_json "$output" ".source == \"$f\""
	assert_equal "$(cat want.json)" "$(jq -c '.chunks | map(del(.path))' <<<"$output")"
}

@test "vt-split reads {\"format\": {\"filename\": FILE}} on stdin" {
	local f
	f=$(fixture clip.mp4)
	vt-split -d chunks "$f" | jq -c '.chunks | map(del(.path))' >want.json
	run --separate-stderr vt-split -d chunks2 < <(jq -n --arg f "$f" '{format: {filename: $f}}')
	assert_success
	assert_json "$output" ".source == \"$f\""
	assert_equal "$(cat want.json)" "$(jq -c '.chunks | map(del(.path))' <<<"$output")"
}

@test "vt-split reads {\"input\": FILE} on stdin" {
	local f
	f=$(fixture clip.mp4)
	run --separate-stderr vt-split -d chunks < <(jq -n --arg f "$f" '{input: $f, other: true}')
	assert_success
	assert_json "$output" ".source == \"$f\" and ([.chunks[].frames] | add) == 150"
}

@test "vt-split creates a nested output folder" {
	run --separate-stderr vt-split -c 2 -d a/b/c "$(fixture clip.mp4)"
	assert_success
	[ -f a/b/c/"$(basename "$(jq -r '.chunks[0].path' <<<"$output")")" ] || flunk "no chunk in a/b/c"
}

@test "vt-split keeps rotation and sample aspect ratio in the manifest" {
	run --separate-stderr vt-split -d chunks "$(fixture rot.mp4)"
	assert_success
	assert_json "$output" '.video.rotation == 90'
	run --separate-stderr vt-split -d chunks2 "$(fixture sar.mp4)"
	assert_success
	assert_json "$output" '.video.sample_aspect_ratio == [4, 3]'
}

@test "vt-split of audio-only input has null video and no chunks" {
	run --separate-stderr vt-split -d chunks "$(fixture aonly.m4a)"
	assert_success
	assert_json "$output" '.video == null and .chunks == []'
	assert_json "$output" '.audio.codec_name == "aac" and .audio.sample_rate == 48000'
}

@test "vt-split of a missing file exits 66" {
	run --separate-stderr vt-split -d chunks no-such-file.mp4
	assert_failure 66
	assert_one_error vt-split
	assert_equal "" "$output"
}

@test "vt-split of a zero-byte file exits 65" {
	run --separate-stderr vt-split -d chunks "$(fixture zero.mp4)"
	assert_failure 65
	assert_one_error vt-split
	assert_equal "" "$output"
}

@test "vt-split of a text file exits 65" {
	run --separate-stderr vt-split -d chunks "$(fixture text.mp4)"
	assert_failure 65
	assert_one_error vt-split
}

@test "vt-split of a truncated file exits 65" {
	run --separate-stderr vt-split -d chunks "$(fixture trunc.mp4)"
	assert_failure 65
	assert_one_error vt-split
}

@test "vt-split with a bad manifest on stdin exits 65" {
	run --separate-stderr vt-split -d chunks <<<'[1, 2'
	assert_failure 65
	assert_one_error vt-split
	run --separate-stderr vt-split -d chunks <<<'{"nothing": 1}'
	assert_failure 65
	assert_one_error vt-split
}

@test "vt-split of a file whose timestamps go backwards exits 65 and blames the input" {
	# Two copies of one MPEG-TS, end to end: the second's times restart.
	ffmpeg -nostdin -loglevel error -y -i "$(fixture clip.mp4)" -an -c copy -f mpegts one.ts
	cat one.ts one.ts >twice.ts
	run --separate-stderr vt-split -c 2 -d chunks twice.ts
	assert_failure 65
	assert_one_error vt-split
	assert_match "'twice.ts' is corrupt: video timestamps go backwards" "$stderr"
	assert_equal "" "$output"
	[ -z "$(ls -A chunks 2>/dev/null)" ] || flunk "files left: $(ls -A chunks)"
}
