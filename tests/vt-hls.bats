#!/usr/bin/env bats
# vt-hls: HLS ladders from vt-encode's output, checked with ffprobe.

load test_helper

# One split and encode of clip.mp4 (two rungs, 2 s grid), packaged as fmp4,
# as ts, and without its audio line.
setup_file() {
	fixtures clip.mp4
	cd "$BATS_FILE_TMPDIR" || return
	encode_ladder "$(fixture clip.mp4)" 180p,90p ultrafast 2>enc.err
	echo $? >enc.status
	vt-hls -f fmp4 -d "$PWD/fmp4" <enc.jsonl >fmp4.json 2>fmp4.err
	echo $? >fmp4.status
	vt-hls -f ts -d "$PWD/ts" <enc.jsonl >ts.json 2>ts.err
	echo $? >ts.status
	vt-hls -d "$PWD/vonly" <video.jsonl >vonly.json 2>vonly.err
	echo $? >vonly.status
}

setup() {
	vt_test_setup || return
	SRC=$(fixture clip.mp4)
}

# packaged NAME: the shared encode and the vt-hls run NAME succeeded.
packaged() {
	status=$(cat "$S/enc.status") output=$(cat "$S/enc.err")
	assert_success || return
	status=$(cat "$S/$1.status") output=$(cat "$S/$1.err")
	assert_success
}

# hls_refused INPUT: vt-hls -d out on INPUT exits 65 with one error and
# writes no master.
hls_refused() {
	run --separate-stderr vt-hls -d out <"$1"
	assert_failure 65
	assert_one_error vt-hls
	[ ! -e out/master.m3u8 ] || flunk "master written"
}

@test "vt-hls --help prints usage to stdout and exits 0" {
	run --separate-stderr vt-hls --help
	assert_success
	assert_match '^usage: vt-hls' "${lines[0]}"
	assert_match '--format' "$output"
	assert_match '--dir' "$output"
	assert_equal "" "$stderr"
}

@test "vt-hls --version prints 'vt-hls (vt) VERSION'" {
	assert_version vt-hls
}

@test "vt-hls with a bad option exits 64 with usage on stderr" {
	assert_bad_option vt-hls -d out <"$S/enc.jsonl"
}

@test "vt-hls with an unknown format exits 64" {
	run --separate-stderr vt-hls -f mkv -d out <"$S/enc.jsonl"
	assert_failure 64
	[ ! -e out/master.m3u8 ] || flunk "master written"
}

@test "vt-hls without -d is a usage error" {
	run --separate-stderr vt-hls <"$S/enc.jsonl"
	assert_failure 64
}

@test "vt-hls with nothing on stdin exits 65 and writes no master" {
	hls_refused /dev/null
}

@test "vt-hls with a line that is not JSON exits 65" {
	{ head -n 1 "$S/enc.jsonl"; echo '{"chunk": 1, '; } >bad.jsonl
	hls_refused bad.jsonl
}

@test "vt-hls with a chunk missing from the input fails and writes no master" {
	grep -v '"chunk":1[,}]' "$S/enc.jsonl" >gap.jsonl
	[ "$(wc -l <gap.jsonl)" -lt "$(wc -l <"$S/enc.jsonl")" ] || flunk "could not drop chunk 1"
	hls_refused gap.jsonl
}

@test "vt-hls with two rungs of one name exits 65 and writes nothing" {
	jq -c 'if .type == "video" then .rungs[1].name = .rungs[0].name else . end' "$S/enc.jsonl" >twice.jsonl
	hls_refused twice.jsonl
	assert_match "rung '180p' given twice" "$stderr"
	[ ! -e out ] || flunk "out written: $(ls -A out)"
}

@test "vt-hls fmp4: every rendition has the source's frame count" {
	packaged fmp4
	assert_ladder_frames "$S/fmp4" "$SRC"
}

@test "vt-hls fmp4: every rendition lasts as long as the source, within a frame" {
	packaged fmp4
	assert_ladder_duration "$S/fmp4" "$SRC"
	assert_ladder_extinf "$S/fmp4" "$SRC"
}

@test "vt-hls fmp4: each EXTINF is its segment's frame count over the frame rate" {
	packaged fmp4
	assert_ladder_extinf_frames "$S/fmp4" "$SRC"
}

@test "vt-hls fmp4: audio lasts as long as the source's, within one AAC frame" {
	packaged fmp4
	assert_ladder_audio "$S/fmp4" "$SRC"
}

@test "vt-hls fmp4: every segment starts with a keyframe" {
	packaged fmp4
	assert_ladder_keyframes "$S/fmp4"
}

@test "vt-hls fmp4: segments start at the same times in every rendition" {
	packaged fmp4
	assert_ladder_aligned "$S/fmp4"
	assert_equal "0.000 2.000 4.000" "$(segment_starts "$S/fmp4/180p/index.m3u8" |
		awk 'NR == 1 { o = $1 } { printf "%.3f\n", $1 - o }' | paste -sd" ")"
}

@test "vt-hls fmp4: no segment is longer than SEG + 0.5 s" {
	packaged fmp4
	assert_ladder_seg "$S/fmp4" 2
}

@test "vt-hls fmp4: master playlist has every tag a player needs" {
	packaged fmp4
	assert_master "$S/fmp4" "$SRC"
	assert_equal "180p/index.m3u8 90p/index.m3u8" "$(master_rungs "$S/fmp4/master.m3u8" | paste -sd" ")"
	assert_equal audio/index.m3u8 "$(audio_uri "$S/fmp4")"
}

@test "vt-hls fmp4: media playlists are complete VOD playlists with init sections" {
	packaged fmp4
	assert_media_playlists "$S/fmp4" fmp4
	[ -s "$S/fmp4/180p/init.mp4" ] || flunk "no 180p/init.mp4"
	[ -s "$S/fmp4/180p/seg_00000.m4s" ] || flunk "no 180p/seg_00000.m4s"
}

@test "vt-hls fmp4: renditions are 8-bit yuv420p H.264 at the rung sizes" {
	packaged fmp4
	assert_ladder_yuv420p "$S/fmp4" "$SRC"
	assert_equal "320,180" "$(stream_fields "$S/fmp4/180p/index.m3u8" v:0 width height)"
	assert_equal "160,90" "$(stream_fields "$S/fmp4/90p/index.m3u8" v:0 width height)"
}

@test "vt-hls fmp4: summary JSON agrees with the files" {
	packaged fmp4
	local j=$S/fmp4.json r pl
	assert_json "$j" '.master == "master.m3u8" and .format == "fmp4" and .seg == 2'
	assert_json "$j" '[.renditions[].name] == ["180p", "90p"]'
	for r in 0 1; do
		pl=$S/fmp4/$(jq -r ".renditions[$r].playlist" "$j")
		[ -f "$pl" ] || flunk "no $pl"
		assert_json "$j" ".renditions[$r].frames == $(frame_count "$pl")"
		assert_json "$j" ".renditions[$r].segments == $(playlist_uris "$pl" | wc -l)"
		assert_json "$j" ".renditions[$r].width == $(stream_field "$pl" v:0 width)"
		assert_json "$j" ".renditions[$r].height == $(stream_field "$pl" v:0 height)"
		assert_json "$j" ".renditions[$r].frame_rate == 30"
		assert_json "$j" ".renditions[$r].codecs == \"$(attr "$(stream_inf "$S/fmp4/master.m3u8" \
			"${pl#"$S/fmp4/"}")" CODECS | cut -d, -f1)\""
		assert_json "$j" ".renditions[$r].bandwidth >= .renditions[$r].average_bandwidth"
		assert_near 5 "$(jq ".renditions[$r].duration" "$j")" 0.034 "rendition $r duration"
	done
	assert_json "$j" '.audio.codecs == "mp4a.40.2" and .audio.channels == 2'
	assert_json "$j" ".audio.segments == $(playlist_uris "$S/fmp4/audio/index.m3u8" | wc -l)"
	assert_json "$j" ".audio.sample_rate == $(stream_field "$S/fmp4/audio/index.m3u8" a:0 sample_rate)"
}

@test "vt-hls: audio segments follow the same grid as the video" {
	packaged fmp4
	assert_equal "$(playlist_uris "$S/fmp4/180p/index.m3u8" | wc -l)" \
		"$(playlist_uris "$S/fmp4/audio/index.m3u8" | wc -l)"
	paste <(playlist_extinf "$S/fmp4/180p/index.m3u8") <(playlist_extinf "$S/fmp4/audio/index.m3u8") |
		awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 0.05) { print "EXTINF " $1 " vs " $2; bad = 1 } }
			END { exit bad }' || flunk "audio EXTINF off the video grid"
}

@test "vt-hls fmp4: no temporary files are left" {
	packaged fmp4
	assert_no_temp_files "$S/fmp4"
}

@test "vt-hls ts: every rendition has the source's frame count and duration" {
	packaged ts
	assert_ladder_frames "$S/ts" "$SRC"
	assert_ladder_duration "$S/ts" "$SRC"
	assert_ladder_extinf "$S/ts" "$SRC"
	assert_ladder_extinf_frames "$S/ts" "$SRC"
}

@test "vt-hls ts: audio lasts as long as the source's, within one AAC frame" {
	packaged ts
	assert_ladder_audio "$S/ts" "$SRC"
}

@test "vt-hls ts: segments start with keyframes, aligned, at most SEG + 0.5 s" {
	packaged ts
	assert_ladder_keyframes "$S/ts"
	assert_ladder_aligned "$S/ts"
	assert_ladder_seg "$S/ts" 2
}

@test "vt-hls ts: playlists are complete, .ts segments without EXT-X-MAP" {
	packaged ts
	assert_media_playlists "$S/ts" ts
	assert_master "$S/ts" "$SRC"
	assert_json "$S/ts.json" '.format == "ts"'
	[ -s "$S/ts/90p/seg_00000.ts" ] || flunk "no 90p/seg_00000.ts"
}

@test "vt-hls without an audio line writes a video-only ladder" {
	packaged vonly
	assert_ladder_frames "$S/vonly" "$SRC"
	assert_master "$S/vonly" "$SRC" noaudio
	assert_media_playlists "$S/vonly" fmp4
	[ ! -e "$S/vonly/audio" ] || flunk "audio folder written"
	assert_json "$S/vonly.json" '.audio == null'
}

@test "vt-hls run twice into the same folder gives the same playlists" {
	packaged fmp4
	run --separate-stderr vt-hls -f fmp4 -d out <"$S/enc.jsonl"
	assert_success
	run --separate-stderr vt-hls -f fmp4 -d out <"$S/enc.jsonl"
	assert_success
	diff -r -x '*.m4s' -x '*.mp4' "$S/fmp4" out >diff.txt || flunk "playlists differ from the first run:"$'\n'"$(head -n 20 diff.txt)"
	assert_ladder_frames out "$SRC"
}

@test "vt-hls removes the folder of a rung no longer in the input, and nothing else" {
	packaged vonly || return
	cp -r "$S/vonly" out
	# An old 720p rendition, with a temp file a killed run left.
	mkdir out/720p
	cp "$S/vonly/90p/"* out/720p/
	: >out/720p/.seg_00001.m4s.Ab12Cd
	# Rung-like folders vt-hls did not fill, a link to one, and other names.
	mkdir out/480p out/360p out/extra elsewhere
	cp "$S/vonly/90p/"* out/480p/
	echo mine >out/480p/notes.txt
	cp -r "$S/vonly/90p" elsewhere/1080p
	ln -s "$PWD/elsewhere/1080p" out/1080p
	ln -s "$PWD/elsewhere/1080p/index.m3u8" out/360p/index.m3u8
	cp "$S/vonly/90p/"* out/extra/
	run --separate-stderr vt-hls -d out <"$S/video.jsonl"
	assert_success
	[ ! -e out/720p ] || flunk "720p is left: $(ls -A out/720p)"
	assert_equal "1080p 180p 360p 480p 90p extra master.m3u8" "$(ls -A out | LC_ALL=C sort | paste -sd ' ')"
	[ -f out/480p/notes.txt ] && [ -f out/480p/index.m3u8 ] || flunk "480p lost files: $(ls -A out/480p)"
	[ -L out/1080p ] && [ -L out/360p/index.m3u8 ] || flunk "a link is gone"
	diff -r "$S/vonly/90p" elsewhere/1080p || flunk "the linked folder changed"
	diff -r "$S/vonly/90p" out/extra || flunk "extra changed"
	assert_match "480p: old rendition kept: 'notes.txt'" "$stderr"
	assert_match "360p: old rendition kept: 'index.m3u8'" "$stderr"
	assert_ladder_frames out "$SRC"
}

@test "vt-hls: a line naming a file out of the encode folder exits 65 and writes nothing" {
	jq -c --arg p "$SRC" 'if .chunk == 1 then .rungs[0].path = $p else . end' "$S/enc.jsonl" >out.jsonl
	run --separate-stderr vt-hls -d out <out.jsonl
	assert_failure 65
	assert_one_error vt-hls
	assert_match "is not where vt-encode writes 180p/c00001.ts" "$stderr"
	cp -r "$S/enc" enc
	ln -sf "$S/enc/180p/c00001.ts" enc/180p/c00001.ts
	jq -c --arg from "$S/enc/" --arg to "$PWD/enc/" '(.path, .rungs[]?.path) |= ($to + ltrimstr($from))' \
		"$S/enc.jsonl" >out.jsonl
	run --separate-stderr vt-hls -d out <out.jsonl
	assert_failure 65
	assert_one_error vt-hls
	assert_match "'$PWD/enc/180p/c00001.ts' leads out of the encode folder" "$stderr"
	[ ! -e out ] || flunk "out written: $(ls -A out)"
}

@test "vt-hls --session-data names a URI in the master after the header, and changes nothing else" {
	packaged fmp4
	run --separate-stderr vt-hls -S com.apple.hls.chapters=chapters/chapters-hls.json \
		--session-data 'com.example.x=a b/c.json' -d out <"$S/enc.jsonl"
	assert_success
	sed -n 4,5p out/master.m3u8 >got
	assert_equal '#EXT-X-SESSION-DATA:DATA-ID="com.apple.hls.chapters",URI="chapters/chapters-hls.json"
#EXT-X-SESSION-DATA:DATA-ID="com.example.x",URI="a b/c.json"' "$(cat got)"
	assert_equal "$(cat "$S/fmp4/master.m3u8")" "$(sed 4,5d out/master.m3u8)"
	assert_json "$output" '.session_data == [{"data_id": "com.apple.hls.chapters", "uri": "chapters/chapters-hls.json"}, {"data_id": "com.example.x", "uri": "a b/c.json"}]'
	assert_json "$S/fmp4.json" 'has("session_data") | not'
	assert_master out "$SRC"
}

@test "vt-hls: a bad --session-data exits 64 before writing anything" {
	local bad
	for bad in noequals =uri id= 'id=a"b' 'i"d=uri' $'id=a\nb' $'id=a\tb' ''; do
		run --separate-stderr vt-hls -S "$bad" -d out <"$S/enc.jsonl"
		assert_failure 64 || return
		assert_one_error vt-hls || return
		[ ! -e out ] || { flunk "'$bad': out/ written"; return; }
	done
	run --separate-stderr vt-hls --live -S a=b out </dev/null
	assert_failure 64
	assert_one_error vt-hls
}

@test "vt-hls --live --open leaves the playlists open; a run with no input ends them" {
	vt-livesegment -i "$SRC" -s 1 -r 90p -d out 2>/dev/null | head -n 4 >part.jsonl
	run --separate-stderr vt-hls --live --open -R out <part.jsonl
	assert_success
	! grep -q ENDLIST out/90p/index.m3u8 || flunk "ENDLIST after --open"
	[ ! -e out/recording.m3u8 ] || flunk "recording.m3u8 after --open"
	run --separate-stderr vt-hls --live -R out </dev/null
	assert_success
	grep -qx '#EXT-X-ENDLIST' out/90p/index.m3u8
	grep -qx '#EXT-X-PLAYLIST-TYPE:VOD' out/90p/recording.m3u8
	assert_equal "$(grep -v '^#' out/90p/index.m3u8)" "$(grep -v '^#' out/90p/recording.m3u8)"
}

@test "vt-hls --live --status and --metrics: the stream's figures, as its segment lines give them" {
	vt-livesegment -i "$SRC" -s 1 -r 90p,72p -n 0.5 -d out 2>/dev/null >lines.jsonl
	run --separate-stderr vt-hls --live -s status.json -m metrics.prom -b stream=demo out <lines.jsonl
	assert_success
	# each figure from the lines, computed by jq alone
	jq -s '
		def ms: (.wallclock | sub("\\.[0-9]+Z$"; "Z") | fromdate) * 1000
			+ (.wallclock | capture("\\.(?<f>[0-9]+)Z$").f | tonumber) + .duration * 1000;
		(map(select(.type == "segment")) | group_by(.rendition)) as $r
		| {input: (map(select(.type == "start")) | last | .input
			| {width: .video.width, height: .video.height,
			   frame_rate: (.video.frame_rate | .[0] / .[1]),
			   video_codec: .video.codec_name, audio_codec: .audio.codec_name}),
		   end: (map(select(.type == "end")) | last | .reason),
		   last_ms: (map(select(.type == "segment") | ms) | max),
		   speed: ([$r[] | last | select(.width) | .health.speed] | min),
		   lag: ([$r[] | last | .health.lag] | max),
		   dropped: (map(select(.type == "segment")) | last | .health.dropped),
		   bitrate: (map(select(.type == "segment")) | last | .health.input_bitrate),
		   renditions: [$r[] | {name: .[0].rendition, segments: length,
			discontinuities: (map(select(.discontinuity)) | length),
			seconds: (map(.duration) | add),
			bitrate: ((map(.bytes) | add) * 8 / (map(.duration) | add) + 0.5 | floor)}]}' \
		lines.jsonl >expect.json
	jq -s '.[0] as $e | .[1] as $s
		| ($s.last_segment_at | (sub("\\.[0-9]+Z$"; "Z") | fromdate) * 1000
			+ (capture("\\.(?<f>[0-9]+)Z$").f | tonumber)) as $last
		| $s.ended and $s.end == $e.end and $s.input == ($e.input + {bitrate: $e.bitrate})
		  and ($last - $e.last_ms | fabs) <= 1
		  and ($s.health.speed - $e.speed | fabs) < 1e-6 * $e.speed
		  and $s.health.lag == $e.lag and $s.health.dropped == $e.dropped
		  and ($s.renditions | sort_by(.name) | map({name, segments, discontinuities, bitrate})) ==
		      ($e.renditions | sort_by(.name) | map({name, segments, discontinuities, bitrate}))
		  and ([$s.renditions, $e.renditions | sort_by(.name) | map(.seconds)] | transpose
		       | all(.[0] - .[1] | fabs < 1e-6))' expect.json status.json >ok.json ||
		flunk "$(cat status.json expect.json)"
	assert_equal true "$(cat ok.json)"
	# the metrics say the same, each family once, every sample labelled
	awk '/^# HELP/ { if (help[$3]++) exit 1 } /^# TYPE/ { if (type[$3]++) exit 1 }
		/^[a-z]/ { if ($1 !~ /\{stream="demo"(,rendition="[a-z0-9]+")?\}$/) exit 1 }' metrics.prom ||
		flunk "$(cat metrics.prom)"
	metric() { awk -v m="$1" '$1 == m { print $2 }' metrics.prom; }
	assert_equal "$(jq .input.width status.json)" "$(metric 'vt_live_input_width_pixels{stream="demo"}')"
	assert_equal "$(jq .health.dropped status.json)" "$(metric 'vt_live_dropped_frames_total{stream="demo"}')"
	assert_equal "$(jq .input.bitrate status.json)" \
		"$(metric 'vt_live_input_bitrate_bits_per_second{stream="demo"}')"
	assert_equal "$(jq '.renditions[] | select(.name == "72p") | .segments' status.json)" \
		"$(metric 'vt_live_rendition_segments_total{stream="demo",rendition="72p"}')"
	awk -v s="$(jq .health.speed status.json)" '$1 == "vt_live_encoder_speed{stream=\"demo\"}" {
		f = 1; if ($2 - s > 1e-6 || s - $2 > 1e-6) exit 1 } END { exit !f }' metrics.prom
	# written whole: nothing left beside them
	[ "$(ls -A | grep -c '^\.')" -eq 0 ] || flunk "$(ls -A)"
}

@test "vt-hls --live --status: a restart keeps the figures, and forgets how the last run ended" {
	vt-livesegment -i "$SRC" -s 1 -r 90p -d out 2>/dev/null >lines.jsonl
	vt-hls --live --open -R -s status.json out <lines.jsonl >/dev/null
	assert_json status.json '.end == "eof" and .ended == false and .input.width > 0 and .recording == null'
	before=$(jq -c '{input, health, last_segment_at}' status.json)
	vt-hls --live -R -s status.json out </dev/null >/dev/null
	assert_json status.json '.end == null and .ended and .recording == "recording.m3u8"'
	[ -f "out/$(jq -r .recording status.json)" ]
	assert_equal "$before" "$(jq -c '{input, health, last_segment_at}' status.json)"
}

@test "vt-hls: --status, --metrics and --label are for --live; a bad label exits 64" {
	for a in "--status s.json" "--metrics m.prom" "--label a=b"; do
		# shellcheck disable=SC2086
		run --separate-stderr vt-hls $a -d out </dev/null
		[ "$status" -eq 64 ] || flunk "$a: exit $status"
	done
	for l in "" a "=b" "1a=b" "a-b=c" "__a=b" "rendition=x" $'a=b\nc'; do
		run --separate-stderr vt-hls --live -b "$l" -m m.prom out </dev/null
		[ "$status" -eq 64 ] || flunk "label '$l': exit $status"
		[[ $stderr == "vt-hls: "* ]] || flunk "label '$l': $stderr"
	done
	[ ! -e m.prom ]
}

@test "vt-hls --live --stream-master: the master one folder up, its URIs into the broadcast's folder" {
	vt-livesegment -i "$SRC" -s 1 -r 90p -d stream/bc1 2>/dev/null | head -n 4 >part.jsonl
	run --separate-stderr vt-hls --live --open --stream-master stream/bc1 <part.jsonl
	assert_success
	# the same playlist, each URI one folder down, and nothing left beside it
	assert_equal "$(sed -e '/^[^#]/s|^|bc1/|' -e 's|URI="|URI="bc1/|g' stream/bc1/master.m3u8)" \
		"$(cat stream/master.m3u8)"
	grep -q '^bc1/90p/index.m3u8$' stream/master.m3u8
	[ "$(ls -A stream)" = "$(printf 'bc1\nmaster.m3u8')" ] || flunk "$(ls -A stream)"
	ffprobe -v error -show_entries stream=codec_type -of csv=p=0 stream/master.m3u8 | grep -qx video
	# the end run too; without the option, none
	rm stream/master.m3u8
	vt-hls --live --stream-master stream/bc1 </dev/null >/dev/null
	[ -f stream/master.m3u8 ]
	vt-livesegment -i "$SRC" -s 1 -r 90p -d other/bc 2>/dev/null | head -n 4 |
		vt-hls --live other/bc >/dev/null
	[ ! -e other/master.m3u8 ]
	run --separate-stderr vt-hls --stream-master -d out </dev/null
	assert_failure 64
}

@test "vt-hls --check: the settings a run would use; a bad one exits 64 with the tool's line" {
	run --separate-stderr vt-hls --check --live -w 3 -M -b stream=demo
	assert_success
	assert_json "$output" '.live and .window == 3 and .stream_master and .labels == ["stream=demo"]
		and .record == false and .dir == null'
	run --separate-stderr vt-hls --check --live
	assert_json "$output" '.window == 6 and .stream_master == false'
	run --separate-stderr vt-hls --check -f ts -S chapters=ch.vtt
	assert_json "$output" '.live == false and .format == "ts" and .session_data == [{"id": "chapters", "uri": "ch.vtt"}]'
	run --separate-stderr vt-hls --check --live -w 0
	assert_failure 64
	assert_equal "" "$output"
	assert_equal "vt-hls: window '0' out of range 1..100000" "$stderr"
}
