#!/usr/bin/env bats
# How other readers see vt-hls's output: libavformat and GStreamer read the
# playlists over HTTP (tests/httpd.js); boxes and TS packets are read with
# ffprobe and od.
# shellcheck disable=SC2154 # stderr: set by bats' run

load test_helper

# One encode of clip.mp4 with B-frames (veryfast) and 128 kb/s audio, on a
# 2 s grid, packaged as fmp4 and ts; ffmpeg's own HLS of the same audio.
setup_file() {
	fixtures clip.mp4
	cd "$BATS_FILE_TMPDIR" || return
	{
		# shellcheck disable=SC2046
		vt-split -c 2 $(split_seg 2) -d "$PWD/chunks" "$(fixture clip.mp4)" >chunks.json &&
		vt-encode -r 180p -s 2 -P veryfast -d "$PWD/enc" <chunks.json >video.jsonl &&
		vt-encode --audio -s 2 -d "$PWD/enc" <chunks.json >audio.jsonl &&
		cat video.jsonl audio.jsonl >enc.jsonl &&
		vt-hls -f fmp4 -d "$PWD/www/root/fmp4" <enc.jsonl >fmp4.json &&
		vt-hls -f ts -d "$PWD/www/root/ts" <enc.jsonl >ts.json &&
		mkdir -p ref &&
		_ffmpeg -i "$(jq -r .path audio.jsonl)" -c copy -f hls -hls_time 2 \
			-hls_playlist_type vod -hls_segment_filename "$PWD/ref/s%d.ts" ref/index.m3u8
	} 2>setup.err
	echo $? >setup.status
}

teardown_file() {
	server_stop "$BATS_FILE_TMPDIR/www"
}

setup() {
	vt_test_setup || return
	status=$(cat "$S/setup.status") output=$(cat "$S/setup.err")
	assert_success
}

# serve: the packaged ladders over HTTP at $HTTP_URL/fmp4 and /ts.
serve() {
	need_node
	if [ ! -s "$S/www/port" ] || ! kill -0 "$(cat "$S/www/pid")" 2>/dev/null; then
		http_start "$S/www" || return
	fi
	HTTP_URL=http://127.0.0.1:$(cat "$S/www/port")
}

need_gst() {
	command -v gst-launch-1.0 >/dev/null || skip "GStreamer is not installed (scripts/install-deps)"
}

# box_bytes FILE TYPE: the bytes of the first TYPE box's body, after its
# type, in decimal, on one line.
box_bytes() {
	local off
	off=$(grep -obUaP "$2" "$1" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || return 1
	od -An -v -tu1 -j $((off + 4)) -N 64 "$1" | tr -s ' \n' '  '
}

# tfdt FILE: the decode time of the first fragment in FILE.
tfdt() {
	box_bytes "$1" tfdt | awk '{ n = $1 ? 8 : 4; t = 0
		for (i = 5; i < 5 + n; i++) t = t * 256 + $i
		print t }'
}

# trun_first FILE: "VERSION CTS" of the first sample of the first trun box,
# read from the bytes (CTS is signed in version 1).
trun_first() {
	box_bytes "$1" trun | awk 'function bit(f, m) { return int(f / m) % 2 }
		{
		for (i = 1; i <= NF; i++) b[i] = $i
		f = b[2] * 65536 + b[3] * 256 + b[4]; p = 9
		if (bit(f, 1)) p += 4; if (bit(f, 4)) p += 4
		if (bit(f, 256)) p += 4; if (bit(f, 512)) p += 4; if (bit(f, 1024)) p += 4
		c = 0
		if (bit(f, 2048)) { c = ((b[p] * 256 + b[p+1]) * 256 + b[p+2]) * 256 + b[p+3]
			if (b[1] == 1 && c >= 2147483648) c -= 4294967296 }
		print b[1], c }'
}

# elst INIT: "time" of each edit, as libavformat reads them.
elst() {
	ffprobe -v trace -i "$1" 2>&1 | sed -n 's/.*duration=[0-9]* time=\([0-9-]*\) rate=.*/\1/p' | paste -sd' '
}

# gst_play URL LOG: play URL with GStreamer to EOS against the clock (fake
# sinks, sync=true), -v output in LOG; prints the seconds it took.
gst_play() {
	local t0=$EPOCHREALTIME
	timeout 60 gst-launch-1.0 -v playbin uri="$1" \
		video-sink="fakesink name=vs sync=true silent=false" \
		audio-sink="fakesink name=as sync=true silent=false" >"$2" 2>&1 ||
		{ flunk "gst-launch-1.0 failed: $(grep -i error "$2" | head -n 3)"; return 1; }
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", b - a }'
}

# gst_first SINK LOG: the running time at which SINK (vs, as) was to show
# its first buffer: seconds from the start of the playback.
gst_first() {
	_gst_times "$@" | head -n 1 | cut -d' ' -f1
}

# gst_last SINK LOG: the running time at which SINK's last buffer ends.
gst_last() {
	_gst_times "$@" | awk '$2 > m { m = $2 } END { printf "%.6f\n", m }'
}

# _gst_times SINK LOG: "START END" running time of each buffer SINK got.
_gst_times() {
	awk -v sink="($1:sink)" '
		function ns(t, a) { split(t, a, ":"); return ((a[1] * 60 + a[2]) * 60 + a[3]) * 1e9 }
		index($0, sink) && /type: segment/ {
			match($0, /start=\(guint64\)[0-9]+/); start = substr($0, RSTART + 16, RLENGTH - 16)
			match($0, /base=\(guint64\)[0-9]+/); base = substr($0, RSTART + 15, RLENGTH - 15) }
		index($0, sink " (") && match($0, /pts: [0-9:.]+/) {
			t = ns(substr($0, RSTART + 5, RLENGTH - 5)) - start + base
			d = match($0, /duration: [0-9:.]+/) ? ns(substr($0, RSTART + 10, RLENGTH - 10)) : 0
			printf "%.6f %.6f\n", t / 1e9, (t + d) / 1e9 }' "$2"
}

# ts_pids FILE: the PID of every TS packet, one a line.
ts_pids() {
	od -An -v -tu1 -w188 "$1" | awk '{ print ($2 % 32) * 256 + $3 }'
}

# seg_rate PLAYLIST: the highest bit rate of any one segment.
seg_rate() {
	local dir uri d
	dir=$(dirname "$1")
	paste <(playlist_extinf "$1") <(playlist_uris "$1") | while read -r d uri; do
		echo "$(stat -c %s "$dir/$uri") $d"
	done | awk '{ r = $1 * 8 / $2; if (r > m) m = r } END { printf "%.3f\n", m }'
}

@test "fmp4: every rendition's timeline starts at 0, its first sample shown at its decode time" {
	local r first
	for r in 180p audio; do
		first=$(playlist_uris "$S/www/root/fmp4/$r/index.m3u8" | head -n 1)
		assert_equal 0 "$(tfdt "$S/www/root/fmp4/$r/$first")"
		# hls.js and Shaka take tfdt plus the first composition offset as
		# the start: CMAF's trun version 1, whose first offset is 0.
		assert_equal "1 0" "$(trun_first "$S/www/root/fmp4/$r/$first")"
	done
}

@test "fmp4: edit lists skip the AAC priming, and take libavformat's B-frame shift back behind an empty edit" {
	# Chromium reads only the first edit, and none if it is empty.
	assert_equal "1024" "$(elst "$S/www/root/fmp4/audio/init.mp4")"
	[[ $(elst "$S/www/root/fmp4/180p/init.mp4") =~ ^-1\ [1-9][0-9]*$ ]] ||
		flunk "video edits: $(elst "$S/www/root/fmp4/180p/init.mp4")"
}

@test "fmp4 over HTTP: libavformat shows the first video frame and the first audio sample at 0" {
	serve || return
	run ffprobe -v error -show_entries packet=stream_index,pts_time -of csv=p=0 \
		"$HTTP_URL/fmp4/master.m3u8"
	assert_success
	local v a
	v=$(awk -F, '$1 == 1' <<<"$output" | sort -t, -k2 -g | head -n 1 | cut -d, -f2)
	assert_equal 0.000000 "$v"
	# the audio's first frame is the encoder's priming, 1024 samples before 0
	a=$(awk -F, '$1 == 0' <<<"$output" | sort -t, -k2 -g | head -n 2 | cut -d, -f2 | paste -sd' ')
	assert_equal "-0.021333 0.000000" "$a"
}

# assert_gst_vod FORMAT: GStreamer plays the VOD from its start, to EOS, in
# its duration by the pipeline clock (the wall time is shown, not checked:
# the machine may be loaded).
assert_gst_vod() {
	local dur took v a end
	dur=$(jq .renditions[0].duration "$S/$1.json")
	took=$(gst_play "$HTTP_URL/$1/master.m3u8" gst.log) || return
	echo "# GStreamer played the $dur s $1 VOD in $took s" >&3
	v=$(gst_first vs gst.log)
	a=$(gst_first as gst.log)
	end=$(gst_last vs gst.log)
	# qtdemux presents B-frame video later by its largest negative
	# composition offset: 2 frames here
	assert_le "$v" 0.07 "running time of the first video frame"
	assert_le "$a" 0.001 "running time of the first audio frame"
	assert_near "$dur" "$end" 0.1 "running time at the end of the last video frame"
}

@test "GStreamer plays the fmp4 VOD from its start, to EOS in its duration" {
	need_gst
	serve || return
	assert_gst_vod fmp4
}

@test "GStreamer plays the ts VOD from its start, to EOS in its duration" {
	need_gst
	serve || return
	assert_gst_vod ts
}

@test "GStreamer joins a live fmp4 stream at its start with no hold" {
	need_gst
	serve || return
	local v a pid
	mkdir -p "$S/www/root/live"
	(vt-livesegment -R -i "$(fixture clip.mp4)" -s 1 -r 144p -d "$S/www/root/live" 2>seg.err |
		vt-hls --live "$S/www/root/live" >/dev/null 2>hls.err) &
	pid=$!
	wait_for 20 test -s "$S/www/root/live/144p/index.m3u8"
	gst_play "$HTTP_URL/live/master.m3u8" gst.log >/dev/null || return
	wait "$pid" || flunk "live pipeline failed: $(cat seg.err hls.err)"
	v=$(gst_first vs gst.log)
	a=$(gst_first as gst.log)
	assert_le "$v" 0.07 "running time of the first video frame"
	assert_le "$a" 0.001 "running time of the first audio frame"
}

@test "ts over HTTP: libavformat reads every rendition with no corrupt packet and decodes every frame" {
	serve || return
	local frames
	run --separate-stderr ffmpeg -nostdin -v warning -fflags +discardcorrupt \
		-i "$HTTP_URL/ts/master.m3u8" -map 0:v:0 -map 0:a:0 -f framemd5 -
	assert_success
	[[ $stderr != *orrupt* ]] || flunk "$stderr"
	frames=$(grep -v '^#' <<<"$output" | awk -F, '$1 == 0' | wc -l)
	assert_equal "$(frame_count "$(fixture clip.mp4)")" "$frames"
	frames=$(grep -v '^#' <<<"$output" | awk -F, '$1 == 1' | wc -l)
	assert_equal "$(frame_count "$(jq -r .path "$S/audio.jsonl")" a:0)" "$frames"
}

@test "ts: continuity counters run on from segment to segment" {
	local r
	for r in 180p audio; do
		(cd "$S/www/root/ts/$r" && playlist_uris index.m3u8 | xargs cat) >all.ts
		od -An -v -tu1 -w188 all.ts | awk -v r="$r" '
			{ pid = ($2 % 32) * 256 + $3; cc = $4 % 16; payload = int($4 / 16) % 4 >= 1 && int($4 / 16) % 4 != 2
			  if (!payload) next
			  if ((pid in last) && cc != (last[pid] + 1) % 16) { printf "%s: pid %d packet %d: cc %d after %d\n", r, pid, NR, cc, last[pid]; bad = 1; exit 1 }
			  last[pid] = cc }' || flunk "counters restart"
	done
}

@test "ts: PAT and PMT lead every segment and come about once a second, not with every audio frame" {
	local r uri n
	for r in 180p audio; do
		while read -r uri; do
			ts_pids "$S/www/root/ts/$r/$uri" >pids
			# before the first PES packet (PID 256): SDT, PAT, PMT
			assert_equal "17 0 4096" "$(sed '/^256$/q' pids | sed '$d' | paste -sd' ')"
			n=$(grep -cx 0 pids)
			assert_le "$n" 3 "PATs in $r/$uri"
		done < <(playlist_uris "$S/www/root/ts/$r/index.m3u8")
	done
}

@test "ts: 128 kb/s audio costs under 15% more, and no more than ffmpeg's own HLS" {
	local dur bytes aac ref rate
	dur=$(jq .audio.duration "$S/ts.json")
	bytes=$(jq .audio.bytes "$S/ts.json")
	aac=$(ffprobe -v error -select_streams a -show_entries packet=size -of csv=p=0 \
		"$S/www/root/ts/audio/index.m3u8" | awk '{ n += $1 } END { print n }')
	ref=$(cat "$S"/ref/*.ts | wc -c)
	rate=$(echo "$bytes * 8 / $dur" | bc)
	echo "# vt $rate b/s, AAC $((aac * 8)) bits, ffmpeg $ref bytes" >&3
	assert_le "$bytes" "$(echo "$aac * 1.15" | bc)" "TS bytes for $aac bytes of AAC"
	assert_le "$bytes" "$(echo "$ref * 1.02" | bc)" "TS bytes against ffmpeg's $ref"
}

@test "BANDWIDTH is the sum of the video's and the audio's own peak segment rates" {
	local f want got
	for f in fmp4 ts; do
		want=$(echo "$(seg_rate "$S/www/root/$f/180p/index.m3u8") + $(seg_rate "$S/www/root/$f/audio/index.m3u8")" | bc)
		got=$(stream_inf "$S/www/root/$f/master.m3u8" 180p/index.m3u8 | sed 's/.*[:,]BANDWIDTH=\([0-9]*\).*/\1/')
		assert_near "$want" "$got" 1.5 "$f BANDWIDTH"
	done
}
