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
	# Watermarks are measured on a flat grey 640x360 clip in two 1 s chunks:
	# a pixel that differs from the plain encode is the watermark's.
	ffmpeg -nostdin -loglevel error -y -f lavfi -i color=gray:s=640x360:r=30:d=2 \
		-c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p grey.mp4 &&
		# shellcheck disable=SC2046
		vt-split -c 1 $(split_seg 1) -d "$PWD/grey-chunks" grey.mp4 >grey.json &&
		vt-encode -r 360p,180p -P ultrafast -t 1 -d "$PWD/plain" <grey.json >/dev/null
	# A 64x32 logo: the left half opaque red, the right half transparent.
	ffmpeg -nostdin -loglevel error -y -f lavfi -i color=red:s=64x32,format=rgba \
		-vf "geq=r=255:g=0:b=0:a='if(lt(X,32),255,0)'" -frames:v 1 logo.png
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

# encoded FIXTURE RUNG: vt-encode of the fixture's split at RUNG succeeds;
# f is the first chunk's output, output vt-encode's line.
encoded() {
	chunks_of "$1" || return
	run --separate-stderr vt-encode -r "$2" -P ultrafast -d enc <"${1%.*}.chunks.json"
	assert_success || return
	f=$(jq -r '.rungs[0].path' <<<"$output")
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

@test "vt-encode keeps the segment grid of vt-split's manifest, and refuses another" {
	local t
	vt-split -c 3 -s 1 -d chunks "$(fixture clip.mp4)" >split.json
	assert_json split.json '.seg == 1'
	run --separate-stderr vt-encode -r 90p -P ultrafast -c 0 -d enc <split.json
	assert_success
	assert_json "$output" '.grid.seg == 1'
	# a keyframe every second, on the manifest's grid, not vt-encode's default
	t=$(keyframe_times "$(jq -r '.rungs[0].path' <<<"$output")" | awk '{ printf "%.1f ", $1 }')
	assert_equal "10.0 11.0 12.0 " "$t"
	run --separate-stderr vt-encode -s 2 -r 90p -c 0 -d enc2 <split.json
	assert_failure 65
	assert_one_error vt-encode
	assert_match "-s asks for 2 s segments, but the manifest's chunks are cut on a 1 s grid" "$stderr"
	echo '{"seg": 6}' >params.json
	run --separate-stderr vt-encode -p params.json -r 90p -c 0 -d enc2 <split.json
	assert_failure 65
	assert_match "the params file asks for 6 s segments" "$stderr"
	echo '{"seg": 1}' >params.json
	run --separate-stderr vt-encode -p params.json -s 1 -r 90p -P ultrafast -c 0 -d enc2 <split.json
	assert_success
	[ ! -e enc2/90p/c00001.ts ] || flunk "chunk 1 encoded with -c 0"
}

# planned_split [PLAN OPTIONS...]: plan.json for clip.mp4 from vt-probe
# (-r 90p -P ultrafast and the options given), then planned.json, its split
# on a 2 s grid with the plan in the manifest.
planned_split() {
	vt-probe "$(fixture clip.mp4)" | vt-encode --plan -r 90p -P ultrafast -s 2 "$@" >plan.json ||
		flunk "vt-encode --plan failed"
	vt-split --plan plan.json -c 2 -d planned "$(fixture clip.mp4)" >planned.json ||
		flunk "vt-split --plan failed"
}

@test "vt-encode encodes from the plan in vt-split's manifest, without planning again" {
	planned_split || return
	# a plan vt-encode would not make itself (it gives 90p 130000 b/s, gop 60)
	jq '.rungs[0].bitrate = 123000 | .rungs[0].maxrate = 123000 | .rungs[0].gop = 20' \
		plan.json >edited.json
	vt-split --plan edited.json -c 2 -d planned "$(fixture clip.mp4)" >planned.json
	run --separate-stderr vt-encode -c 0 -d enc <planned.json
	assert_success
	assert_json "$output" '[.rungs[] | [.name, .bitrate, .maxrate, .gop]] == [["90p", 123000, 123000, 20]]'
	assert_json "$output" '.grid.seg == 2'
	# x264 writes its settings into the stream: the plan's preset and rates
	local sei
	sei=$(grep -a -o 'x264 - core.*' "$(jq -r '.rungs[0].path' <<<"$output")" | head -n 1)
	assert_match 'bitrate=123 ' "$sei"
	assert_match 'vbv_maxrate=123 ' "$sei"
	assert_match 'keyint=20 ' "$sei"
	assert_match 'subme=0 ' "$sei" # ultrafast, not the default medium
}

@test "vt-encode refuses an option or parameter that contradicts the manifest's plan, with 65 naming both" {
	planned_split || return
	run --separate-stderr vt-encode -r 180p -c 0 -d enc <planned.json
	assert_failure 65
	assert_one_error vt-encode
	assert_match "-r asks for rungs 180p, but the manifest's plan has 90p" "$stderr"
	run --separate-stderr vt-encode -P medium -c 0 -d enc <planned.json
	assert_failure 65
	assert_match "-P asks for preset 'medium', but the manifest's plan has 'ultrafast'" "$stderr"
	run --separate-stderr vt-encode --watermark-text hi -c 0 -d enc <planned.json
	assert_failure 65
	assert_match "--watermark-text asks for watermark text 'hi', but the manifest's plan has none" "$stderr"
	echo '{"bitrates": {"90p": "200k"}}' >params.json
	run --separate-stderr vt-encode -p params.json -c 0 -d enc <planned.json
	assert_failure 65
	assert_match "the params file asks for 90p 200000, but the manifest's plan has $(jq '.rungs[0].bitrate' plan.json)" "$stderr"
	run --separate-stderr vt-encode --plan -t 2 <planned.json
	assert_failure 65
	assert_match "-t asks for threads 2, but the manifest's plan has 0" "$stderr"
	[ -z "$(find . -name '*.ts')" ] || flunk "a contradicted plan encoded something"
	# the same values are no contradiction
	echo '{"resolutions": ["90p"], "seg": 2, "preset": "ultrafast"}' >params.json
	run --separate-stderr vt-encode -p params.json -r 90p -s 2 -P ultrafast -t 0 -c 0 -d enc <planned.json
	assert_success
	assert_json "$output" '[.rungs[].name] == ["90p"]'
}

@test "vt-encode refuses a manifest's plan that is out of range or made for another source or grid, with 65" {
	local edit
	planned_split || return
	for edit in '.plan.rungs[0].bitrate = 5' '.plan.rungs[0].width = 161' '.plan.rungs[0].gop = 0' \
		'.plan.preset = "fastest"' '.plan.threads = 65' '.plan.audio.channels = 9' \
		'.plan.rungs[0].profile = "high10"' 'del(.plan.offset)' '.plan.rungs = []' \
		'.plan.watermark = {"text": "x", "opacity": 2}' '.plan.resolutions = ["90x"]'; do
		jq "$edit" planned.json >bad.json
		run --separate-stderr vt-encode -c 0 -d enc <bad.json
		[ "$status" -eq 65 ] || { flunk "$edit: expected exit status 65, got $status"; return; }
		assert_one_error vt-encode || return
	done
	jq '.plan.source.width = 640 | .plan.source.frame_rate = [25, 1]' planned.json >bad.json
	run --separate-stderr vt-encode -c 0 -d enc <bad.json
	assert_failure 65
	assert_match "the plan is for a source with 640x180 video .*25/1 fps.*, but the manifest has 320x180 video .*30/1 fps" "$stderr"
	jq '.plan.seg = 6' planned.json >bad.json
	run --separate-stderr vt-encode -c 0 -d enc <bad.json
	assert_failure 65
	assert_match "the plan is for a 6 s segment grid, but the manifest is cut on a 2 s grid" "$stderr"
	[ -z "$(find . -name '*.ts')" ] || flunk "a bad plan encoded something"
}

@test "vt-encode --audio takes its bit rate and channels from the manifest's plan" {
	echo '{"audio_bitrate": "64k", "audio_channels": 1}' >params.json
	planned_split -p params.json || return
	run --separate-stderr vt-encode --audio -d enc <planned.json
	assert_success
	assert_json "$output" '.bitrate == 64000 and .channels == 1 and .grid.seg == 2'
	# (a TS lists its streams in its program too)
	assert_equal 1 "$(fprobe -select_streams a:0 -show_entries stream=channels -of csv=p=0 enc/audio.ts | head -n 1)"
	echo '{"audio_channels": 2}' >params2.json
	run --separate-stderr vt-encode --audio -p params2.json -d enc2 <planned.json
	assert_failure 65
	assert_match "the params file asks for audio channels 2, but the manifest's plan has 1" "$stderr"
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

@test "vt-encode refuses a manifest whose chunk indices contradict it, with 65" {
	shared_ok || return
	jq '.chunks[1].index = 7' "$S/chunks.json" >past.json
	run --separate-stderr vt-encode -r 90p -P ultrafast -d enc <past.json
	assert_failure 65
	assert_one_error vt-encode
	assert_match "manifest: chunk 7 of $N" "$stderr"
	jq '.chunks = [.chunks[0], .chunks[0], .chunks[0]]' "$S/chunks.json" >thrice.json
	run --separate-stderr vt-encode -r 90p -P ultrafast -d enc <thrice.json
	assert_failure 65
	assert_one_error vt-encode
	assert_match "manifest: chunk 0 given twice" "$stderr"
	run --separate-stderr vt-encode -c 0 -r 90p -P ultrafast -d enc <thrice.json
	assert_failure 65
	[ -z "$(find . -name '*.ts')" ] || flunk "output written: $(find . -name '*.ts')"
}

@test "vt-encode never upscales: a rung above the source is skipped, not encoded" {
	run --separate-stderr vt-encode -c 0 -r 360p,90p -s 2 -P ultrafast -d enc <"$S/chunks.json"
	assert_success
	assert_json "$output" '[.rungs[].name] == ["90p"] and [.skipped[].name] == ["360p"]'
	[ ! -e enc/360p ] || flunk "enc/360p was written"
}

@test "vt-encode turns 10-bit input into 8-bit yuv420p" {
	local f
	encoded ten.mkv 90p
	assert_equal "h264,yuv420p" "$(stream_fields "$f" v:0 codec_name pix_fmt)"
	assert_equal 8 "$(stream_field "$f" v:0 bits_per_raw_sample)"
	assert_equal 60 "$(frame_count "$f")"
}

@test "vt-encode makes square pixels with the source's display aspect" {
	local f w h
	encoded sar.mp4 180p
	w=$(stream_field "$f" v:0 width) h=$(stream_field "$f" v:0 height)
	assert_equal 0 "$((w % 2 + h % 2))"
	assert_near "$(display_aspect "$(fixture sar.mp4)")" "$(display_aspect "$f")" 0.03 "display aspect"
	assert_match '^(1:1|0:1|N/A)?$' "$(stream_field "$f" v:0 sample_aspect_ratio)"
	assert_json "$output" ".rungs[0].width == $w and .rungs[0].height == $h"
}

@test "vt-encode applies rotation: a portrait source gives portrait output" {
	local f
	encoded rot.mp4 180p
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

# --- watermarks --------------------------------------------------------------

FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf

# wm DIR ARGS...: encode the grey clip to 360p and 180p with a watermark.
wm() {
	local dir=$1
	shift
	[ -s "$S/plain/180p/c00001.ts" ] || { flunk "the plain grey encode of setup_file failed"; return; }
	run --separate-stderr vt-encode -r 360p,180p -P ultrafast -t 1 -d "$dir" "$@" <"$S/grey.json"
	assert_success
}

# assert_placed BOX W H POS: the box lies in the POS quarter of a W x H
# picture (or about its centre), 0.03 to 0.06 of H from the nearest edges.
assert_placed() {
	local box=$1 w=$2 h=$3 pos=$4
	[ "$box" != none ] || { flunk "$pos: no watermark found"; return; }
	awk -v b="$box" -v w="$w" -v h="$h" -v pos="$pos" 'BEGIN {
		split(b, v, " "); x0 = v[1]; y0 = v[2]; x1 = v[3]; y1 = v[4]
		lo = 0.03 * h - 2; hi = 0.06 * h + 2
		l = x0; r = w - 1 - x1; t = y0; bo = h - 1 - y1
		if (pos == "center") exit !((l - r) ^ 2 <= 4 && (t - bo) ^ 2 <= 4)
		ok = 1
		if (pos ~ /left/) ok = ok && l >= lo && l <= hi && x1 < w / 2
		if (pos ~ /right/) ok = ok && r >= lo && r <= hi && x0 >= w / 2
		if (pos ~ /top/) ok = ok && t >= lo && t <= hi && y1 < h / 2
		if (pos ~ /bottom/) ok = ok && bo >= lo && bo <= hi && y0 >= h / 2
		exit !ok }' || flunk "$pos: the watermark's box $box in ${w}x$h is out of place"
}

# ratio BOX H: the box's width and height over the picture's height.
ratio() {
	awk -v b="$1" -v h="$2" 'BEGIN { split(b, v, " ")
		printf "%.4f %.4f\n", (v[3] - v[1] + 1) / h, (v[4] - v[2] + 1) / h }'
}

# frame0 FILE OUT: the first frame as raw 320x180 yuv420p.
frame0() {
	ffmpeg -v error -nostdin -y -i "$1" -frames:v 1 -f rawvideo -pix_fmt yuv420p "$2"
}

# psnr A B [CROP]: PSNR in dB of two raw 320x180 yuv420p frames, over the
# crop (w:h:x:y) or the whole frame; 99 if they are the same.
psnr() {
	local c=${3:-320:180:0:0}
	ffmpeg -hide_banner -nostdin -f rawvideo -pix_fmt yuv420p -s 320x180 -i "$1" \
		-f rawvideo -pix_fmt yuv420p -s 320x180 -i "$2" \
		-lavfi "[0]crop=$c[a];[1]crop=$c[b];[a][b]psnr" -f null - 2>&1 |
		sed -n 's/.* average:\([^ ]*\).*/\1/p' | sed 's/^inf$/99/'
}

# drawn_by_ffmpeg TEXTFILE EXPANSION OUT: frame 0 of clip.mp4 with the
# file's text drawn by the ffmpeg command's drawtext, the way vt-encode
# draws it on a 180-line rung, bottom left, size 0.1: 18 px, outline 1 px,
# 5 + 1 px from the edges.
drawn_by_ffmpeg() {
	ffmpeg -v error -nostdin -y -i "$(fixture clip.mp4)" -frames:v 1 -vf \
		"scale=320:180:flags=bicubic:out_range=tv,format=yuv420p,drawtext=textfile=$1:fontfile=$FONT:expansion=$2:fontsize=18:fontcolor=white:bordercolor=black:borderw=1:alpha=0.8000:x=6:y=h-text_h-6" \
		-f rawvideo -pix_fmt yuv420p "$3"
}

@test "vt-encode --help lists the watermark options" {
	run --separate-stderr vt-encode --help
	assert_success
	local opt
	for opt in text image position size opacity font; do
		assert_match "--watermark-$opt" "$output"
	done
}

@test "vt-encode --watermark-text marks the bottom right of every rung, in every chunk and frame" {
	wm wm --watermark-text '(c) Brand'
	local r c f box
	for r in 360p 180p; do
		for c in c00000 c00001; do
			for f in 0 29; do
				box=$(changed "wm/$r/$c.ts" "$S/plain/$r/$c.ts" $f)
				assert_placed "$box" "$(stream_field "wm/$r/$c.ts" v:0 width)" \
					"$(stream_field "wm/$r/$c.ts" v:0 height)" bottom_right || return
			done
		done
	done
}

@test "vt-encode --watermark-position puts it in each corner or the centre, and nowhere else" {
	local pos
	for pos in top_left top_right bottom_left bottom_right center; do
		wm "$pos" --watermark-text '(c) Brand' --watermark-position "$pos" -c 0
		assert_placed "$(changed "$pos/360p/c00000.ts" "$S/plain/360p/c00000.ts")" 640 360 "$pos" || return
	done
}

@test "vt-encode --watermark-size is of the rung's height: the same relative size at 360p and 180p" {
	local big small
	wm wm --watermark-text '(c) Brand' --watermark-size 0.1 -c 0
	big=$(ratio "$(changed wm/360p/c00000.ts "$S/plain/360p/c00000.ts")" 360)
	small=$(ratio "$(changed wm/180p/c00000.ts "$S/plain/180p/c00000.ts")" 180)
	# text 0.1 of the height: about 0.46 wide and 0.1 high, give or take a pixel at 180p
	assert_near "${big% *}" "${small% *}" 0.015 "width over height, 360p vs 180p"
	assert_near "${big#* }" "${small#* }" 0.012 "height over height, 360p vs 180p"
	assert_near 0.1 "${big#* }" 0.02 "text height at 360p, size 0.1"
}

@test "vt-encode --watermark-opacity: a fainter watermark changes the picture less" {
	local full faint
	wm full --watermark-text '(c) Brand' --watermark-opacity 1 -c 0
	wm faint --watermark-text '(c) Brand' --watermark-opacity 0.3 -c 0
	full=$(changed full/360p/c00000.ts "$S/plain/360p/c00000.ts" | cut -d' ' -f6)
	faint=$(changed faint/360p/c00000.ts "$S/plain/360p/c00000.ts" | cut -d' ' -f6)
	[ "${faint:-0}" -gt 0 ] 2>/dev/null || { flunk "opacity 0.3: no change at all"; return; }
	assert_le "$faint" "$((full / 2))" "summed difference at opacity 0.3 (at 1: $full)"
}

@test "vt-encode --watermark-image overlays a PNG at size x the rung's height, aspect and transparency kept" {
	local r h w m box x0 y0 x1 y1 rest
	wm wm --watermark-image "$S/logo.png" --watermark-size 0.2
	for r in 360p 180p; do
		h=${r%p} w=$((${r%p} * 16 / 9)) m=$(awk -v h="${r%p}" 'BEGIN { printf "%.0f", 0.03 * h }')
		box=$(changed "wm/$r/c00001.ts" "$S/plain/$r/c00001.ts" 29)
		read -r x0 y0 x1 y1 rest <<<"$box"
		# the logo is 0.2 h high and 0.4 h wide, m from the bottom right; only
		# its opaque left half, 0.2 h square, changes the picture
		assert_near $((w - m - h * 2 / 5)) "$x0" 2 "$r: left edge of the logo ($box)" || return
		assert_near $((w - m - h / 5 - 1)) "$x1" 2 "$r: right edge of its opaque half ($box)" || return
		assert_near $((h - m - h / 5)) "$y0" 2 "$r: top edge of the logo ($box)" || return
		assert_near $((h - m - 1)) "$y1" 2 "$r: bottom edge of the logo ($box)" || return
	done
}

@test "vt-encode draws hostile watermark text literally, as ffmpeg's drawtext does from a file without expansion" {
	[ -r "$FONT" ] || skip "no $FONT (fonts-dejavu-core)"
	local t n=0 band=320:60:0:120
	echo '{"bitrates": {"180p": "20M"}}' >hi.json
	frame0 "$(fixture clip.mp4)" plain.yuv
	for t in "it's: a \\ test; %{pts} [x] 'q' \"dq\" ,=" $'line one\nline two' \
		'© Ünïcødé 日本' 'drawbox=x=0:c=red[out];[in]'; do
		n=$((n + 1))
		run --separate-stderr vt-encode -p hi.json -r 180p -c 0 -P ultrafast -t 1 -d "e$n" \
			--watermark-text "$t" --watermark-size 0.1 --watermark-position bottom_left \
			--watermark-font "$FONT" <"$S/chunks.json"
		assert_success || return
		frame0 "e$n/180p/c00000.ts" vt.yuv
		printf '%s' "$t" >text.txt
		drawn_by_ffmpeg text.txt none want.yuv
		# the same picture as ffmpeg's, text band and whole frame; not the plain one
		assert_le 45 "$(psnr vt.yuv want.yuv $band)" "text $n: PSNR of the text band against ffmpeg's" || return
		assert_le 45 "$(psnr vt.yuv want.yuv)" "text $n: PSNR of the frame against ffmpeg's" || return
		assert_le "$(psnr vt.yuv plain.yuv $band)" 35 "text $n: PSNR of the text band against no text" || return
	done
	# %{pts} was not expanded: ffmpeg's expanding rendering is another picture
	printf '%s' "it's: a \\ test; %{pts} [x] 'q' \"dq\" ,=" >text.txt
	drawn_by_ffmpeg text.txt normal expanded.yuv
	frame0 e1/180p/c00000.ts vt.yuv
	assert_le "$(psnr vt.yuv expanded.yuv $band)" 35 "PSNR against the text with %{pts} expanded"
}

@test "vt-encode: watermark text that looks like a filter graph draws no red box" {
	wm wm --watermark-text 'drawbox=x=0:y=0:w=640:h=360:c=red:t=fill[out];[in]' -c 0
	local x0 y0 x1 y1 n rest
	read -r x0 y0 x1 y1 n rest <<<"$(changed wm/360p/c00000.ts "$S/plain/360p/c00000.ts")"
	# one line of text at the bottom right, not a filled frame
	assert_le 300 "${y0:-0}" "top of the changed pixels"
	assert_near 628 "${x1:-0}" 3 "right edge of the changed pixels"
	assert_le "${n:-0}" $((640 * 360 / 20)) "changed pixels"
}

@test "vt-encode: a watermark from the params file gives the same bytes as from the options" {
	local t=$'it\'s: a \\ test; %{pts}\n[x] "dq" ,= © 日本'
	wm opt --watermark-text "$t" --watermark-position top_left --watermark-size 0.08 \
		--watermark-opacity 0.5 -c 0
	jq -n --arg t "$t" '{watermark: {text: $t, position: "top_left", size: 0.08, opacity: 0.5}}' >params.json
	wm par -p params.json -c 0
	cmp opt/360p/c00000.ts par/360p/c00000.ts
	cmp opt/180p/c00000.ts par/180p/c00000.ts
	# an option overrides the file: an image there, text here
	jq -n --arg i "$S/logo.png" '{watermark: {image: $i, size: 0.2}}' >params.json
	wm over -p params.json --watermark-text "$t" --watermark-position top_left \
		--watermark-size 0.08 --watermark-opacity 0.5 -c 0
	cmp opt/360p/c00000.ts over/360p/c00000.ts
}

@test "vt-encode rejects bad watermark options with 64 before encoding" {
	local args
	for args in "--watermark-position middle" "--watermark-position ''" "--watermark-opacity 2" \
		"--watermark-opacity 0" "--watermark-opacity -0.5" "--watermark-size 0" \
		"--watermark-size 1.5" "--watermark-size abc" "--watermark-size nan" "--watermark-text ''" \
		"--watermark-text a --watermark-image $S/logo.png"; do
		eval "set -- $args"
		run --separate-stderr vt-encode -r 90p -d enc "$@" <"$S/chunks.json"
		[ "$status" -eq 64 ] || { flunk "'$args': expected exit status 64, got $status"; return; }
		assert_one_error vt-encode || return
	done
	[ ! -e enc ] || flunk "enc was made"
}

@test "vt-encode rejects a bad watermark in the params file with 65, also for --plan" {
	local w
	for w in '{"position": "middle"}' '{"opacity": 2}' '{"size": 0}' '{"size": "big"}' \
		'{"text": ""}' '{"text": 5}' '{"text": "a", "image": "logo.png"}' '"(c) Brand"' '[]'; do
		echo "{\"watermark\": $w}" >params.json
		run --separate-stderr vt-encode -r 90p -p params.json -d enc <"$S/chunks.json"
		[ "$status" -eq 65 ] || { flunk "$w: expected exit status 65, got $status"; return; }
		assert_one_error vt-encode || return
		run --separate-stderr vt-encode --plan -p params.json <"$S/chunks.json"
		[ "$status" -eq 65 ] || { flunk "--plan, $w: expected exit status 65, got $status"; return; }
	done
	[ ! -e enc ] || flunk "enc was made"
}

@test "vt-encode: a missing watermark image or font exits 66, an image that is not a PNG 65" {
	local bad
	run --separate-stderr vt-encode --plan --watermark-image no-such.png <"$S/chunks.json"
	assert_failure 66
	assert_match "no-such.png" "$stderr"
	run --separate-stderr vt-encode --plan --watermark-text a --watermark-font no-such.ttf <"$S/chunks.json"
	assert_failure 66
	echo '{"watermark": {"image": "no-such.png"}}' >params.json
	run --separate-stderr vt-encode --plan -p params.json <"$S/chunks.json"
	assert_failure 66
	printf 'not a picture\n' >text.png
	ffmpeg -v error -nostdin -f lavfi -i color=red:s=64x32 -frames:v 1 logo.jpg
	head -c 60 "$S/logo.png" >cut.png
	: >empty.png
	for bad in text.png logo.jpg cut.png empty.png "$(fixture clip.mp4)"; do
		run --separate-stderr vt-encode -r 90p -d enc --watermark-image "$bad" <"$S/chunks.json"
		[ "$status" -eq 65 ] || { flunk "$bad: expected exit status 65, got $status"; return; }
		assert_one_error vt-encode || return
	done
	[ ! -e enc ] || flunk "enc was made"
}
