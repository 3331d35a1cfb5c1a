#!/usr/bin/env bats
# vt-encode: one decode per chunk feeding every rung, checked with ffprobe.

load test_helper

# One split of clip.mp4 into two or three chunks (its keyframes are 1.5 s
# apart) and one two-rung encode on a 2 s grid, shared by the tests that only
# read them.
setup_file() {
	fixtures clip.mp4 aonly.m4a ten.mkv sar.mp4 rot.mp4
	cd "$BATS_FILE_TMPDIR" || return
	# shellcheck disable=SC2046
	vt-split -c 2 $(split_seg 2) -d "$PWD/chunks" "$(fixture clip.mp4)" >chunks.json 2>split.err
	echo $? >split.status
	vt-encode -r 180p,90p -s 2 -P ultrafast -d "$PWD/enc" <chunks.json >enc.jsonl 2>enc.err
	echo $? >enc.status
}

setup() {
	vt_test_setup || return
	N=$(jq '.chunks | length' "$S/chunks.json" 2>/dev/null)
}

# shared_ok: the shared split and encode succeeded.
shared_ok() {
	status=$(cat "$S/split.status") output=$(cat "$S/split.err")
	assert_success
	status=$(cat "$S/enc.status") output=$(cat "$S/enc.err")
	assert_success
	[ "${N:-0}" -ge 2 ] || flunk "clip.mp4 split into ${N:-no} chunks, the tests want 2 or more"
}

# line I: vt-encode's output line for chunk I.
line() {
	sed -n "$(($1 + 1))p" "$S/enc.jsonl"
}

# chunks_of FIXTURE: split a fixture into ./NAME.chunks.json.
chunks_of() {
	vt-split -d "${1%.*}-chunks" "$(fixture "$1")" >"${1%.*}.chunks.json" ||
		flunk "vt-split failed on $1"
}

# rung_path JSONL CHUNK RUNG: the output file of one chunk and rung.
rung_path() {
	jq -r --argjson c "$2" --arg r "$3" \
		'select(.chunk == $c) | .rungs[] | select(.name == $r) | .path' "$1"
}

@test "vt-encode --help prints usage to stdout and exits 0" {
	run --separate-stderr vt-encode --help
	assert_success
	assert_match '^usage: vt-encode' "${lines[0]}"
	local opt
	for opt in --res --seg --params --preset --threads --chunk --plan --audio --dir; do
		assert_match "$opt" "$output"
	done
	assert_equal "" "$stderr"
}

@test "vt-encode --version prints 'vt-encode (vt) VERSION'" {
	assert_version vt-encode
}

@test "vt-encode with a bad option exits 64 with usage on stderr" {
	assert_bad_option vt-encode -d enc <"$S/chunks.json"
}

@test "vt-encode without -d is a usage error" {
	run --separate-stderr vt-encode -r 90p <"$S/chunks.json"
	assert_failure 64
	assert_equal "" "$output"
}

@test "vt-encode rejects rung names that are not NNNp with 64" {
	local r
	for r in 720x abc 720 p 15p 4321p 0p 720p,abc 360p,,180p; do
		run --separate-stderr vt-encode --plan -r "$r" -d plan <"$S/chunks.json"
		[ "$status" -eq 64 ] || flunk "-r '$r': expected exit status 64, got $status"
		assert_equal "" "$output"
	done
}

@test "vt-encode rejects bad numbers with 64" {
	local args
	for args in "-s 0" "-s abc" "-s -2" "-t -1" "-t x" "-c -1" "-c one"; do
		# shellcheck disable=SC2086
		run --separate-stderr vt-encode $args -r 90p -d enc <"$S/chunks.json"
		[ "$status" -eq 64 ] || flunk "'$args': expected exit status 64, got $status"
	done
}

@test "vt-encode --plan never upscales: larger rungs are skipped and reported" {
	run --separate-stderr vt-encode --plan -r 1080p,360p,180p,90p -d plan <"$S/chunks.json"
	assert_success
	assert_json "$output" '[.rungs[].name] == ["180p", "90p"]'
	assert_json "$output" '[.skipped[].name] | sort == ["1080p", "360p"]'
	assert_json "$output" '[.skipped[].reason | type == "string" and length > 0] | all'
	assert_json "$output" '.rungs[0].width == 320 and .rungs[0].height == 180'
	assert_json "$output" '.rungs[1].width == 160 and .rungs[1].height == 90'
	assert_json "$output" '[.rungs[].bitrate | type == "number" and . > 0] | all'
	assert_json "$output" '.rungs[0].bitrate > .rungs[1].bitrate'
	[ -z "$(find . -name '*.ts')" ] || flunk "--plan encoded something"
}

@test "vt-encode --plan takes rungs and bitrates from a params file" {
	jq -n '{resolutions: ["90p"], seg: 2, preset: "ultrafast", bitrates: {"90p": 150000}, future_key: 1}' >params.json
	run --separate-stderr vt-encode --plan -p params.json -d plan <"$S/chunks.json"
	assert_success
	assert_json "$output" '[.rungs[] | [.name, .bitrate]] == [["90p", 150000]]'
}

@test "vt-encode options on the command line win over the params file" {
	jq -n '{resolutions: ["90p"], bitrates: {"180p": 222000}}' >params.json
	run --separate-stderr vt-encode --plan -p params.json -r 180p -d plan <"$S/chunks.json"
	assert_success
	assert_json "$output" '[.rungs[] | [.name, .bitrate]] == [["180p", 222000]]'
}

@test "vt-encode with a bad params file exits 64 or 65" {
	echo '{"resolutions": ' >params.json
	run --separate-stderr vt-encode --plan -p params.json -d plan <"$S/chunks.json"
	[ "$status" -eq 64 ] || [ "$status" -eq 65 ] || flunk "expected 64 or 65, got $status"
	assert_one_error vt-encode
	run --separate-stderr vt-encode --plan -p no-such-params.json -d plan <"$S/chunks.json"
	assert_failure 66
}

@test "vt-encode prints one JSON line per chunk" {
	local i
	shared_ok
	assert_equal "$N" "$(wc -l <"$S/enc.jsonl")"
	for ((i = 0; i < N; i++)); do
		assert_json "$(line $i)" ".chunk == $i and .chunks == $N and .frames == $(jq ".chunks[$i].frames" "$S/chunks.json")"
		assert_json "$(line $i)" '[.rungs[] | [.name, .width, .height]] == [["180p", 320, 180], ["90p", 160, 90]]'
		assert_json "$(line $i)" '([.rungs[].bitrate | . > 0] | all) and .skipped == []'
	done
}

@test "vt-encode puts each chunk at grid offset + its start on the output timeline" {
	local i t0 start
	shared_ok
	t0=$(jq '.video.start_time' "$S/chunks.json")
	for ((i = 0; i < N; i++)); do
		start=$(jq ".chunks[$i].start" "$S/chunks.json")
		assert_json "$(line $i)" ".grid.seg == 2 and .grid.offset >= 0"
		assert_json "$(line $i)" \
		    ".grid.offset as \$o | [.rungs[] | .start - \$o - ($start - $t0) | fabs < 0.001] | all"
	done
}

@test "vt-encode writes DIR/<rung>/c00000.ts per chunk" {
	local i r
	shared_ok
	for r in 180p 90p; do
		assert_equal "$(for ((i = 0; i < N; i++)); do printf 'c%05d.ts\n' $i; done)" "$(cd "$S/enc/$r" && ls)"
		for ((i = 0; i < N; i++)); do
			assert_equal "$S/enc/$r/$(printf 'c%05d.ts' $i)" "$(rung_path "$S/enc.jsonl" $i $r)"
		done
	done
}

@test "vt-encode output of each chunk and rung has the chunk's frame count" {
	local i r path frames
	shared_ok
	for ((i = 0; i < N; i++)); do
		frames=$(jq ".chunks[$i].frames" "$S/chunks.json")
		for r in 180p 90p; do
			path=$(rung_path "$S/enc.jsonl" $i $r)
			assert_equal "$frames" "$(frame_count "$path")"
			assert_json "$(line $i)" \
				"(.rungs[] | select(.name == \"$r\") | .frames == $frames and .bytes == $(stat -c %s "$path"))"
		done
	done
}

@test "vt-encode output is 8-bit yuv420p H.264 at the rung's size" {
	local i
	shared_ok
	for ((i = 0; i < N; i++)); do
		assert_equal "h264,yuv420p,320,180" \
			"$(stream_fields "$(rung_path "$S/enc.jsonl" $i 180p)" v:0 codec_name pix_fmt width height)"
		assert_equal "h264,yuv420p,160,90" \
			"$(stream_fields "$(rung_path "$S/enc.jsonl" $i 90p)" v:0 codec_name pix_fmt width height)"
	done
}

@test "vt-encode output has keyframes at the same times in every rung" {
	local i a b
	shared_ok
	for ((i = 0; i < N; i++)); do
		a=$(keyframe_times "$(rung_path "$S/enc.jsonl" $i 180p)")
		b=$(keyframe_times "$(rung_path "$S/enc.jsonl" $i 90p)")
		[ -n "$a" ] || flunk "no keyframes in chunk $i, 180p"
		assert_equal "$a" "$b"
	done
}

@test "vt-encode forces keyframes on the segment grid" {
	local i f first start end g rel
	shared_ok
	for ((i = 0; i < N; i++)); do
		f=$(rung_path "$S/enc.jsonl" $i 180p)
		start=$(jq ".chunks[$i].start" "$S/chunks.json")
		end=$(jq ".chunks[$i].end" "$S/chunks.json")
		first=$(span "$f" | cut -d' ' -f1)
		rel=$(keyframe_times "$f" |
			awk -v f="$first" -v s="$start" '{ printf "%.3f\n", $1 - f + s }')
		for g in $(awk -v s="$start" -v e="$end" 'BEGIN {
				for (g = 0; g < e - 0.001; g += 2) if (g >= s - 0.001) printf "%.3f\n", g }'); do
			grep -qx "$g" <<<"$rel" || flunk "chunk $i: no keyframe at ${g}s; keyframes: $(paste -sd" " <<<"$rel")"
		done
		# Each chunk starts with a keyframe too.
		starts_with_keyframe "$f"
		grep -qx "$(printf '%.3f' "$start")" <<<"$rel" || flunk "chunk $i: first frame not a keyframe"
	done
}

@test "vt-encode -c N encodes only chunk N" {
	run --separate-stderr vt-encode -c 1 -r 90p -s 2 -P ultrafast -d enc <"$S/chunks.json"
	assert_success
	assert_equal 1 "${#lines[@]}"
	assert_json "$output" ".chunk == 1 and .chunks == $N"
	assert_equal 1 "$(find enc -name '*.ts' | wc -l)"
	assert_equal "$(jq '.chunks[1].frames' "$S/chunks.json")" \
		"$(frame_count "$(jq -r '.rungs[0].path' <<<"$output")")"
}

@test "vt-encode -c with a chunk past the end fails" {
	run --separate-stderr vt-encode -c "$N" -r 90p -d enc <"$S/chunks.json"
	[ "$status" -eq 64 ] || [ "$status" -eq 65 ] || flunk "expected 64 or 65, got $status"
	assert_one_error vt-encode
}

@test "vt-encode never upscales: a rung above the source is skipped, not encoded" {
	run --separate-stderr vt-encode -c 0 -r 360p,90p -s 2 -P ultrafast -d enc <"$S/chunks.json"
	assert_success
	assert_json "$output" '[.rungs[].name] == ["90p"] and [.skipped[].name] == ["360p"]'
	[ ! -e enc/360p ] || flunk "enc/360p was written"
}

@test "vt-encode turns 10-bit input into 8-bit yuv420p" {
	chunks_of ten.mkv
	run --separate-stderr vt-encode -r 90p -s 2 -P ultrafast -d enc <ten.chunks.json
	assert_success
	local f
	f=$(jq -r '.rungs[0].path' <<<"$output")
	assert_equal "h264,yuv420p" "$(stream_fields "$f" v:0 codec_name pix_fmt)"
	assert_equal 8 "$(stream_field "$f" v:0 bits_per_raw_sample)"
	assert_equal 60 "$(frame_count "$f")"
}

@test "vt-encode makes square pixels with the source's display aspect" {
	chunks_of sar.mp4
	run --separate-stderr vt-encode -r 180p -s 2 -P ultrafast -d enc <sar.chunks.json
	assert_success
	local f w h
	f=$(jq -r '.rungs[0].path' <<<"$output")
	w=$(stream_field "$f" v:0 width) h=$(stream_field "$f" v:0 height)
	assert_equal 0 "$((w % 2 + h % 2))"
	assert_near "$(display_aspect "$(fixture sar.mp4)")" "$(display_aspect "$f")" 0.03 "display aspect"
	assert_match '^(1:1|0:1|N/A)?$' "$(stream_field "$f" v:0 sample_aspect_ratio)"
	assert_json "$output" ".rungs[0].width == $w and .rungs[0].height == $h"
}

@test "vt-encode applies rotation: a portrait source gives portrait output" {
	chunks_of rot.mp4
	run --separate-stderr vt-encode -r 180p -s 2 -P ultrafast -d enc <rot.chunks.json
	assert_success
	local f
	f=$(jq -r '.rungs[0].path' <<<"$output")
	assert_equal "180 320" "$(stream_field "$f" v:0 width) $(stream_field "$f" v:0 height)"
	assert_equal 0 "$(rotation "$f")"
}

@test "vt-encode --audio encodes the whole audio to AAC in DIR/audio.ts" {
	local src
	src=$(fixture clip.mp4)
	run --separate-stderr vt-encode --audio -d enc <"$S/chunks.json"
	assert_success
	assert_equal 1 "${#lines[@]}"
	assert_json "$output" '.type == "audio" and .codec_name == "aac"'
	assert_json "$output" '.sample_rate == 48000 and .channels == 2 and .bitrate > 0'
	[ -f enc/audio.ts ] || flunk "no enc/audio.ts"
	assert_equal "aac,48000,2" "$(stream_fields enc/audio.ts a:0 codec_name sample_rate channels)"
	assert_equal "" "$(fprobe -select_streams v -show_entries stream=index -of csv=p=0 enc/audio.ts)"
	# MPEG-TS cannot mark the encoder's priming frame, so it counts: the
	# rest is within one AAC frame (1024 samples at 48 kHz) of the source.
	assert_near "$(audio_length "$src" | awk '{ print $1 + 1024 / 48000 }')" \
		"$(stream_duration enc/audio.ts a:0)" 0.0214 "audio length"
	assert_near "$(stream_field "$src" a:0 duration)" "$(jq .duration <<<"$output")" 0.0214 "reported duration"
}

@test "vt-encode --audio takes channels and bitrate from the params file" {
	local bits
	jq -n '{audio_channels: 1, audio_bitrate: 48000}' >params.json
	run --separate-stderr vt-encode --audio -p params.json -d enc <"$S/chunks.json"
	assert_success
	assert_json "$output" '.channels == 1 and .bitrate == 48000'
	assert_equal "aac,1" "$(stream_fields enc/audio.ts a:0 codec_name channels)"
	# measured: payload bits over time, well under the 128k default
	bits=$(fprobe -select_streams a:0 \
		-show_entries packet=size -of csv=p=0 enc/audio.ts | awk '{ s += $1 } END { print s * 8 / 5 }')
	assert_le "$bits" 64000 "audio bitrate"
}

@test "vt-encode --audio works for audio-only input" {
	run --separate-stderr vt-split -d chunks "$(fixture aonly.m4a)"
	assert_success
	echo "$output" >chunks.json
	run --separate-stderr vt-encode --audio -d enc <chunks.json
	assert_success
	assert_json "$output" '.type == "audio"'
	assert_equal aac "$(stream_field enc/audio.ts a:0 codec_name)"
}

@test "vt-encode with a manifest that is not JSON exits 65" {
	run --separate-stderr vt-encode -r 90p -d enc <<<'{"chunks": ['
	assert_failure 65
	assert_one_error vt-encode
	assert_equal "" "$output"
}

@test "vt-encode with a chunk file missing fails with one error line" {
	jq '.chunks[0].path = "gone/c0000.nut"' "$S/chunks.json" >chunks.json
	run --separate-stderr vt-encode -c 0 -r 90p -d enc <chunks.json
	assert_failure 66
	assert_one_error vt-encode
	[ -z "$(find . -name '*.ts')" ] || flunk "output written for a missing chunk"
}

@test "vt-encode --audio fails with 65 on a source whose packets mostly will not decode" {
	local n
	cp "$(fixture aonly.m4a)" bad.m4a
	n=$(stat -c %s bad.m4a)
	# 0xff over the middle 40% of the file: the packets stay, their data is garbage
	tr '\0' '\377' </dev/zero | head -c $((n * 4 / 10)) |
		dd of=bad.m4a bs=1 seek=$((n * 4 / 10)) conv=notrunc status=none
	vt-split -d chunks bad.m4a >chunks.json
	run --separate-stderr vt-encode --audio -d enc <chunks.json
	assert_failure 65
	assert_equal "" "$output"
	assert_match "vt-encode: '.*bad.m4a' is corrupt: [0-9]+ of [0-9]+ packets would not decode" "$stderr"
	[ ! -e enc/audio.ts ] || flunk "enc/audio.ts left behind"
}
