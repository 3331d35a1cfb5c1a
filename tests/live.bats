#!/usr/bin/env bats
# Live: vt-livesegment | vt-hls --live, fed by real publishers (the ffmpeg
# CLI over RTMP and SRT on loopback) and by files read in real time.
# Segments are measured with ffprobe; playlists are read as text.

load test_helper

setup_file() {
	local S=$BATS_FILE_TMPDIR
	# 6 s at 30 fps with a keyframe every 1.5 s (not on the 1 s grid).
	_ffmpeg -f lavfi -i "$_SRC_V:d=6" -f lavfi -i "sine=f=440:sample_rate=48000:d=6" -ac 2 \
		-c:v libx264 -preset ultrafast -g 45 -bf 2 -pix_fmt yuv420p -c:a aac -b:a 96k \
		-shortest "$S/live.mp4"
	_ffmpeg -i "$S/live.mp4" -map 0:v -c copy "$S/vonly.mp4"
	# Timestamps that go back 3 s halfway: two MPEG-TS files, one after the other.
	_ffmpeg -i "$S/live.mp4" -t 3 -c copy -f mpegts "$S/a.ts"
	cat "$S/a.ts" "$S/a.ts" >"$S/jump.ts"
	# 720p for a ladder too heavy to keep up with.
	_ffmpeg -f lavfi -i "testsrc2=s=1280x720:r=30:d=5" -c:v libx264 -preset ultrafast \
		-g 30 -pix_fmt yuv420p "$S/hd.mp4"
	_ffmpeg -f lavfi -i "testsrc2=s=1280x720:r=30:d=10" -c:v libx264 -preset ultrafast \
		-g 30 -pix_fmt yuv420p "$S/hd10.mp4"
}

# wait_listen PORT [udp]: until something listens there (at most 10 s).
wait_listen() {
	local i flags=-Htln
	[ "${2-}" = udp ] && flags=-Huln
	for i in $(seq 100); do
		ss "$flags" "( sport = :$1 )" | grep -q . && return 0
		sleep 0.1
	done
	flunk "nothing listens on port $1"
}

# pipeline ARGS...: vt-livesegment ARGS -d out | vt-hls --live out, in the
# background; its lines are kept in seg.jsonl. PIPE_PID is the pipeline.
pipeline() {
	(vt-livesegment "$@" -d out 2>seg.err | tee seg.jsonl |
		vt-hls --live ${HLS_ARGS-} out >hls.json 2>hls.err) &
	PIPE_PID=$!
}

# finish: wait for the pipeline (at most 30 s).
finish() {
	local i
	for i in $(seq 300); do
		kill -0 "$PIPE_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$PIPE_PID" || flunk "pipeline failed: $(cat seg.err hls.err)"
}

# publish URL [FILE [ffmpeg options...]]: send FILE in real time over RTMP.
publish() {
	local url=$1 file=${2:-$S/live.mp4}
	shift 2 2>/dev/null || shift
	_ffmpeg -re -i "$file" "$@" -c copy -f flv "$url"
}

# published_once PORT: the pipeline waiting on PORT gets 3 s from a real
# publisher and is stopped; it made 3 or more 144p segments.
published_once() {
	wait_listen "$1"
	publish "rtmp://127.0.0.1:$1/live/key" "$S/live.mp4" -t 3
	sleep 0.3
	pkill -TERM -f "vt-livesegment -l rtmp://127.0.0.1:$1/" || true
	finish
	[ "$(segments | jq -s 'map(select(.rendition == "144p")) | length')" -ge 3 ] || flunk <seg.jsonl
}

segments() {
	jq -c 'select(.type == "segment")' seg.jsonl
}

# uris PLAYLIST: its media segment URIs.
uris() {
	grep -v '^#' "$1"
}

tag() {
	sed -n "s/^#$2://p" "$1"
}

# assert_aligned: in every rung, each segment starts with an IDR frame, at
# the same timestamp in every rung.
assert_aligned() {
	local r s first want got
	for r in $(jq -r 'select(.type == "segment" and .width) | .rendition' seg.jsonl | sort -u); do
		for s in $(jq -r --arg r "$r" 'select(.rendition == $r) | .path' seg.jsonl); do
			[ -e "out/$s" ] || continue
			first=$(cat "out/$(jq -r --arg p "$s" 'select(.path == $p) | .init' seg.jsonl)" \
				"out/$s" | ffprobe -v error -select_streams v -show_entries packet=pts_time,flags \
				-of csv=p=0 - | head -1)
			[[ $first == *,K* ]] || flunk "$s does not start with a keyframe: $first"
			want=$(jq -r --arg p "$s" 'select(.path == $p) | .start_pts' seg.jsonl)
			got=$(jq -r --arg r "$r" --arg p "${s#*/}" \
				'select(.path == ($r + "/" + $p)) | .start_pts' seg.jsonl)
			[ "$got" = "$want" ] || flunk "$s starts at $got, not $want"
		done
	done
	# The same seq starts at the same time in every rung.
	segments | jq -s -e 'map(select(.width)) | group_by(.seq) |
		all(map(.start_pts) | unique | length == 1)' >/dev/null ||
		flunk "rungs are not aligned"
}

@test "vt-livesegment --help, --version and a bad option" {
	run vt-livesegment --help
	assert_success
	[[ $output == usage:* ]]
	assert_version vt-livesegment
	assert_bad_option vt-livesegment
}

@test "vt-livesegment needs an input and a folder" {
	run -64 vt-livesegment -d out
	run -64 vt-livesegment -i "$S/live.mp4"
	run -64 vt-livesegment -i "$S/live.mp4" -d out -s 0
	run -64 vt-livesegment -i "$S/live.mp4" -d out -f mkv
	run -64 vt-livesegment -i "$S/live.mp4" -d out -r 720x
}

@test "vt-livesegment --check: the settings a run would use, defaults filled in; a bad one is refused" {
	run --separate-stderr vt-livesegment --check
	assert_success
	assert_json "$output" '.seg == 2 and .part == 0 and .resolutions == null and .preset == "veryfast"
		and .threads == 1 and .queue == 8 and .stall == 5 and .format == "fmp4" and .input == null
		and .watermark == null'
	run --separate-stderr vt-livesegment --check -s 1 -n auto -r 360p,144p -l rtmp://127.0.0.1:1/a/b -d out
	assert_success
	assert_json "$output" '.seg == 1 and .part == 0.25 and .resolutions == ["360p", "144p"] and .listen
		and .input == "rtmp://127.0.0.1:1/a/b" and .dir == "out"'
	[ ! -e out ]
	assert_json "$(vt-livesegment --check -n 0)" '.part == 0'
	for bad in "-n 0.6 -s 1" "-n 0.05" "-n x" "-s 0" "-r 144p,foo" "-f ts -n auto" "-P fastest" "-S -1"; do
		# shellcheck disable=SC2086
		run --separate-stderr vt-livesegment --check $bad
		assert_failure 64 || return
		assert_equal "" "$output"
		assert_one_error vt-livesegment
	done
	# a run checks the rungs before it opens the input
	run --separate-stderr vt-livesegment -i "$S/missing.mp4" -r 144p,foo -d out
	assert_failure 64
}

@test "a missing or broken input is an error, not a crash" {
	run -66 vt-livesegment -i nosuch.mp4 -d out
	printf 'not a video\n' >text.mp4
	run -65 vt-livesegment -i text.mp4 -d out
	assert_one_error vt-livesegment
	[ ! -e out/master.m3u8 ]
}

@test "a file with --realtime: one rung per box, IDR-aligned 1 s segments, real-time pace" {
	SECONDS=0
	pipeline -R -i "$S/live.mp4" -s 1 -r 180p,144p
	finish
	[ "$SECONDS" -ge 5 ] || flunk "a 6 s file took $SECONDS s with --realtime"
	[ "$(segments | jq -s 'map(select(.rendition == "180p")) | length')" -eq 6 ]
	segments | jq -s -e 'map(select(.width)) | all(.duration > 0.95 and .duration < 1.05)' >/dev/null
	assert_aligned
	# segments lines carry what the issue asks for
	segments | jq -s -e 'all(has("rendition") and has("seq") and has("path") and
		has("duration") and has("start_pts") and has("wallclock") and
		has("discontinuity") and (.health | has("dropped") and has("lag")))' >/dev/null
	segments | jq -s -e 'map(select(.width)) | all(.health.speed > 1)' >/dev/null
	[ "$(jq -r .type seg.jsonl | tail -1)" = end ]
}

@test "the start line describes the input's streams as vt-probe does: the same keys, of the same types" {
	vt-livesegment -i "$S/live.mp4" -s 1 -r 144p -d out 2>/dev/null >lines.jsonl
	head -1 lines.jsonl >start.json
	vt-probe "$S/live.mp4" >probe.json
	# each key's type; a rational's as [type, type]
	jq -s -e 'def shape: map_values(if type == "array" then map(type) else type end);
		(.[0].input) as $in | (.[1].streams) as $s
		| ($s | map(select(.codec_type == "video"))[0]) as $v
		| ($s | map(select(.codec_type == "audio"))[0]) as $a
		| ($in.video | shape) == ($v | shape) and ($in.audio | shape) == ($a | shape)
		and ($in.video | .sample_aspect_ratio == [1, 1] and .frame_rate == [30, 1])
		and ($in.video | {width, height, codec_name}) == ($v | {width, height, codec_name})
		and ($in.audio | {codec_name, sample_rate, channels}) == ($a | {codec_name, sample_rate, channels})' \
		start.json probe.json >/dev/null || flunk "$(jq -c .input start.json)"
	# no audio: null, as in vt-split's manifest
	vt-livesegment -i "$S/vonly.mp4" -s 1 -r 144p -d out2 2>/dev/null >lines.jsonl
	head -1 lines.jsonl >start.json
	assert_json start.json '.input.audio == null and .input.video.codec_type == "video"'
}

@test "vt-hls --live: master and media playlists follow the live rules" {
	pipeline -i "$S/live.mp4" -s 1 -r 180p,144p
	finish
	m=out/master.m3u8
	grep -qx '#EXT-X-INDEPENDENT-SEGMENTS' "$m"
	[ "$(grep -c '^#EXT-X-STREAM-INF' "$m")" -eq 2 ]
	grep '^#EXT-X-STREAM-INF' "$m" | while read -r l; do
		[[ $l == *BANDWIDTH=*CODECS=\"avc1.*,mp4a.40.2\"*RESOLUTION=*x*FRAME-RATE=30.000* ]] ||
			flunk "master line: $l"
	done
	grep -q '^#EXT-X-MEDIA:TYPE=AUDIO.*URI="audio/index.m3u8"' "$m"
	for p in out/180p/index.m3u8 out/144p/index.m3u8 out/audio/index.m3u8; do
		[ "$(tag "$p" EXT-X-TARGETDURATION)" = 1 ]
		! grep -q PLAYLIST-TYPE "$p"
		grep -qx '#EXT-X-ENDLIST' "$p"
		[ "$(uris "$p" | wc -l)" -eq 6 ]
		[ "$(grep -c '^#EXT-X-PROGRAM-DATE-TIME:20[0-9-]*T[0-9:.]*Z$' "$p")" -eq 6 ]
	done
	# ffprobe plays the playlist through
	d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 out/180p/index.m3u8)
	assert_near "$d" 6 0.2
}

@test "while live: no ENDLIST, media sequence never goes back, target never changes" {
	local live versions=0 ended=0 last=-1 msn
	p=$(free_port)
	HLS_ARGS="-w 3" pipeline -l "rtmp://127.0.0.1:$p/live/key" -s 1 -r 144p
	wait_listen "$p"
	publish "rtmp://127.0.0.1:$p/live/key" &
	pub=$!
	# Every version of the playlist until the pipeline ends, however late a
	# busy machine makes it: ENDLIST may come only once the publisher has
	# gone, and stays.
	while kill -0 "$PIPE_PID" 2>/dev/null; do
		live=0
		kill -0 "$pub" 2>/dev/null && live=1
		if cp out/144p/index.m3u8 snap 2>/dev/null && ! cmp -s snap prev; then
			versions=$((versions + 1))
			cp snap prev
			if grep -q ENDLIST snap; then
				[ "$live" -eq 0 ] || flunk "ENDLIST while the publisher is live"
				ended=1
			else
				[ "$ended" -eq 0 ] || flunk "ENDLIST went away"
			fi
			! grep -q PLAYLIST-TYPE snap || flunk "PLAYLIST-TYPE while live"
			[ "$(tag snap EXT-X-TARGETDURATION)" = 1 ] || flunk "target changed"
			msn=$(tag snap EXT-X-MEDIA-SEQUENCE)
			[ "$msn" -ge "$last" ] || flunk "media sequence went from $last to $msn"
			last=$msn
			[ "$(uris snap | wc -l)" -le 3 ] || flunk "more than the window: $(cat snap)"
		fi
		sleep 0.05
	done
	wait "$pub"
	finish
	# 6 s in 1 s segments: a version a segment, most of them seen
	[ "$versions" -ge 4 ] || flunk "only $versions versions of the playlist seen"
	[ "$last" -ge 1 ]
	grep -qx '#EXT-X-ENDLIST' out/144p/index.m3u8
	assert_aligned
}

@test "cleanup waits the RFC 8216 availability time, then deletes" {
	HLS_ARGS="-w 1" pipeline -R -i "$S/live.mp4" -s 1 -r 144p
	# Snapshots first, cheaply (time, playlist, folder, time); judged
	# afterwards. A busy machine can stall the loop: a segment left the
	# playlist after the last snapshot that lists it began, and went
	# before the first that misses it ended, so that is the longest it
	# can have been held, whatever the stalls.
	mkdir snaps
	i=0
	while kill -0 "$PIPE_PID" 2>/dev/null; do
		i=$((i + 1))
		date +%s.%N >"snaps/$i.t"
		cp out/144p/index.m3u8 "snaps/$i.m3u8" 2>/dev/null || : >"snaps/$i.m3u8"
		ls out/144p >"snaps/$i.ls" 2>/dev/null || true
		date +%s.%N >"snaps/$i.e"
		sleep 0.02
	done
	finish
	declare -A seen left gone keep
	for j in $(seq "$i"); do
		[ -s "snaps/$j.m3u8" ] || continue
		listed=$(uris "snaps/$j.m3u8")
		total=$(sed -n 's/^#EXTINF:\([0-9.]*\),/\1/p' "snaps/$j.m3u8" | paste -sd+ | bc)
		for b in $(grep '^seg_' "snaps/$j.ls"); do
			if grep -qx "$b" <<<"$listed"; then
				seen[$b]=$(cat "snaps/$j.t")
			elif [ -n "${seen[$b]-}" ] && [ -z "${left[$b]-}" ]; then
				left[$b]=${seen[$b]} keep[$b]=$(echo "1 + $total" | bc)
			fi
		done
		for b in "${!left[@]}"; do
			grep -qx "$b" "snaps/$j.ls" || [ -n "${gone[$b]-}" ] || gone[$b]=$(cat "snaps/$j.e")
		done
	done
	[ "${#gone[@]}" -ge 1 ] || flunk "nothing was deleted"
	for b in "${!gone[@]}"; do
		held=$(echo "${gone[$b]} - ${left[$b]}" | bc)
		(($(echo "$held >= ${keep[$b]} - 0.1" | bc))) ||
			flunk "$b deleted $held s after leaving the playlist, before ${keep[$b]} s"
	done
	# what is listed is on disk
	for b in $(uris out/144p/index.m3u8); do [ -e "out/144p/$b" ]; done
}

@test "a publisher that leaves and returns (--wait): discontinuity, no gap in the media sequence" {
	p=$(free_port)
	HLS_ARGS="-w 4" pipeline -l "rtmp://127.0.0.1:$p/live/key" -w -s 1 -r 144p
	wait_listen "$p"
	publish "rtmp://127.0.0.1:$p/live/key" "$S/live.mp4" -t 3
	wait_listen "$p"
	publish "rtmp://127.0.0.1:$p/live/key" "$S/live.mp4" -t 3
	sleep 0.5
	pkill -TERM -f "vt-livesegment -l rtmp://127.0.0.1:$p/" || true
	finish
	[ "$(jq -s 'map(select(.type == "start")) | length' seg.jsonl)" -eq 2 ]
	# the second publish's first segments are discontinuities, in every rendition
	segments | jq -s -e 'map(select(.discontinuity)) | map(.rendition) | sort == ["144p", "audio"]' >/dev/null
	pl=out/144p/index.m3u8
	[ "$(grep -c '^#EXT-X-DISCONTINUITY$' "$pl")" -eq 1 ]
	# window 4 of 6: the media sequence counts every segment, none skipped
	n=$(segments | jq -s 'map(select(.rendition == "144p")) | length')
	[ "$(tag "$pl" EXT-X-MEDIA-SEQUENCE)" -eq $((n - 4)) ]
	grep -qx '#EXT-X-ENDLIST' "$pl"
	# the new publish's segments have a new init segment
	grep -A1 '^#EXT-X-DISCONTINUITY$' "$pl" | grep -q '^#EXT-X-MAP'
	segments | jq -s -e 'map(select(.rendition == "144p")) | (map(.init) | unique | length == 2)
		and (map(select(.discontinuity)) | length == 1)' >/dev/null
}

@test "the discontinuity sequence counts tags that left the window" {
	pipeline -i "$S/live.mp4" -s 1 -r 144p
	finish
	HLS_ARGS="-w 2" pipeline -i "$S/live.mp4" -s 1 -r 144p
	finish
	pl=out/144p/index.m3u8
	# the restart marked one discontinuity, which has left the 2-segment window
	[ "$(tag "$pl" EXT-X-DISCONTINUITY-SEQUENCE)" = 1 ]
	! grep -q '^#EXT-X-DISCONTINUITY$' "$pl"
	[ "$(tag "$pl" EXT-X-MEDIA-SEQUENCE)" -eq 10 ]
}

@test "a restarted pipeline resumes the playlists: sequence continues, discontinuity marked" {
	HLS_ARGS="-w 20" pipeline -i "$S/live.mp4" -s 1 -r 144p
	finish
	grep -qx '#EXT-X-ENDLIST' out/144p/index.m3u8
	first=$(uris out/144p/index.m3u8)
	HLS_ARGS="-w 20" pipeline -i "$S/live.mp4" -s 1 -r 144p
	finish
	pl=out/144p/index.m3u8
	[ "$(tag "$pl" EXT-X-MEDIA-SEQUENCE)" -eq 0 ]
	[ "$(uris "$pl" | head -6)" = "$first" ]
	[ "$(uris "$pl" | wc -l)" -eq 12 ]
	[ "$(grep -c '^#EXT-X-DISCONTINUITY$' "$pl")" -eq 1 ]
	[ "$(grep -c ENDLIST "$pl")" -eq 1 ]
	# new segment names continue after the old ones
	[ "$(uris "$pl" | sort -u | wc -l)" -eq 12 ]
	d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$pl")
	assert_near "$d" 12 0.3
}

@test "--record keeps every segment and leaves a VOD of the whole stream" {
	HLS_ARGS="-w 2 --record" pipeline -i "$S/live.mp4" -s 1 -r 180p,144p
	finish
	[ "$(uris out/144p/index.m3u8 | wc -l)" -eq 2 ]
	rec=out/144p/recording.m3u8
	grep -qx '#EXT-X-PLAYLIST-TYPE:VOD' "$rec"
	grep -qx '#EXT-X-ENDLIST' "$rec"
	[ "$(uris "$rec" | wc -l)" -eq 6 ]
	for b in $(uris "$rec"); do [ -e "out/144p/$b" ]; done
	grep -q '180p/recording.m3u8' out/recording.m3u8
	n=$(ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames \
		-of csv=p=0 out/144p/recording.m3u8 | grep -m1 .)
	[ "$n" -eq 180 ]
	d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 out/recording.m3u8)
	assert_near "$d" 6 0.2
}

@test "--record in real time: the state keeps the window only, the recording every segment" {
	HLS_ARGS="-w 1 --record" pipeline -R -i "$S/live.mp4" -s 1 -r 144p
	finish
	rec=out/144p/recording.m3u8
	[ "$(uris "$rec" | wc -l)" -eq 6 ]
	for b in $(uris "$rec"); do [ -e "out/144p/$b" ]; done
	grep -qx '#EXT-X-MEDIA-SEQUENCE:0' "$rec"
	# segments done with went from the state to the recorded list
	[ "$(jq '.renditions[] | select(.name == "144p") | .segments | length' out/.vt-hls.json)" -le 4 ]
	[ "$(jq -s 'map(select(.rendition == "144p")) | length' out/.vt-hls-recorded.jsonl)" -ge 2 ]
	cp "$rec" rec1.m3u8
	# a segment recorded twice (a crash between the two writes) is listed once
	grep -m1 '"144p"' out/.vt-hls-recorded.jsonl >dup
	cat dup >>out/.vt-hls-recorded.jsonl
	vt-hls --live -R out </dev/null >/dev/null
	diff rec1.m3u8 "$rec"
	n=$(ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames \
		-of csv=p=0 "$rec" | grep -m1 .)
	[ "$n" -eq 180 ]
}

@test "SRT: a publisher in caller mode" {
	p=$(free_port)
	pipeline -l "srt://127.0.0.1:$p" -s 1 -r 144p
	wait_listen "$p" udp
	_ffmpeg -re -i "$S/live.mp4" -c copy -f mpegts "srt://127.0.0.1:$p?mode=caller"
	finish
	[ "$(segments | jq -s 'map(select(.rendition == "144p")) | length')" -ge 5 ]
	assert_aligned
	grep -qx '#EXT-X-ENDLIST' out/144p/index.m3u8
}

@test "a publisher that sends video only gets a master without audio" {
	p=$(free_port)
	pipeline -l "rtmp://127.0.0.1:$p/live/key" -s 1 -r 144p
	wait_listen "$p"
	publish "rtmp://127.0.0.1:$p/live/key" "$S/vonly.mp4"
	finish
	! grep -q AUDIO out/master.m3u8
	grep -q 'CODECS="avc1\.[0-9a-f]*"' out/master.m3u8
	[ ! -d out/audio ]
	[ "$(uris out/144p/index.m3u8 | wc -l)" -ge 5 ]
}

@test "garbage on the RTMP port is refused with an error" {
	p=$(free_port)
	vt-livesegment -l "rtmp://127.0.0.1:$p/live/key" -d out >seg.jsonl 2>seg.err &
	pid=$!
	wait_listen "$p"
	head -c 20000 /dev/urandom 2>/dev/null >/dev/tcp/127.0.0.1/"$p" || true
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 65 ]
	grep -q '^vt-livesegment: .*publish failed' seg.err
	[ ! -s seg.jsonl ]
}

@test "with --wait, garbage does not stop a later real publisher" {
	p=$(free_port)
	pipeline -l "rtmp://127.0.0.1:$p/live/key" -w -s 1 -r 144p
	wait_listen "$p"
	head -c 20000 /dev/urandom 2>/dev/null >/dev/tcp/127.0.0.1/"$p" || true
	for i in $(seq 50); do grep -q 'publish failed' seg.err && break; sleep 0.1; done
	grep -q 'publish failed' seg.err
	published_once "$p"
	[ "$(jq -s 'map(select(.type == "start")) | length' seg.jsonl)" -eq 1 ]
}

@test "a publish with audio only: an error, or with --wait, a wait for the next publisher" {
	_ffmpeg -i "$S/live.mp4" -map 0:a -c copy aonly.mp4
	p=$(free_port)
	vt-livesegment -l "rtmp://127.0.0.1:$p/live/key" -d out >seg.jsonl 2>seg.err &
	pid=$!
	wait_listen "$p"
	publish "rtmp://127.0.0.1:$p/live/key" aonly.mp4 || true
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 65 ] || flunk "exit $status: $(cat seg.err)"
	grep -q '^vt-livesegment: .*no video' seg.err
	rm -rf out seg.jsonl
	pipeline -l "rtmp://127.0.0.1:$p/live/key" -w -s 1 -r 144p
	wait_listen "$p"
	publish "rtmp://127.0.0.1:$p/live/key" aonly.mp4 -t 2 || true
	wait_for 10 grep -q 'no video; waiting' seg.err
	published_once "$p"
}

@test "timestamps that jump back do not break the output timeline" {
	HLS_ARGS="-w 10" pipeline -i "$S/jump.ts" -s 1 -r 144p
	finish
	grep -q 'timestamps jumped' seg.err
	# start times only grow, and no gap opens between segments
	segments | jq -s -e 'map(select(.rendition == "144p")) |
		[range(1; length) as $i | .[$i].start - (.[$i - 1].start + .[$i - 1].duration)] |
		all(. > -0.01 and . < 0.05)' >/dev/null
	# the two 3.1 s halves, end to end
	d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 out/144p/index.m3u8)
	assert_near 6.2 "$d" 0.2
}

@test "a ladder too heavy for the machine drops frames but stays live" {
	pipeline -R -i "$S/hd.mp4" -s 1 -r 720p,480p,360p -P slower -q 4
	finish
	segments | jq -s -e 'map(select(.width)) | length >= 12' >/dev/null
	dropped=$(segments | jq -s 'map(.health.dropped) | max')
	[ "$dropped" -gt 0 ] || flunk "nothing dropped: the ladder was not too heavy"
	# lag is bounded by the queue, not by how long the stream runs: its
	# median does not grow from the first half of the stream to the second
	# (a queue that grows would move it; one busy moment of a shared
	# machine moves only a maximum), and no segment is far behind
	read -r first second most < <(segments | jq -s -r 'def median: sort | .[length / 2 | floor];
		map(select(.width)) | sort_by(.seq) | (length / 2 | floor) as $h |
		[(.[:$h] | map(.health.lag) | median), (.[$h:] | map(.health.lag) | median),
		 (map(.health.lag) | max)] | @tsv')
	(($(echo "$second < $first + 0.5 && $most < 3" | bc))) ||
		flunk "lag's median grew from $first s to $second s (max $most s)"
	assert_aligned
}

@test "lag counts from where the input passed a segment's end, not from its last frame" {
	# frames only in the first 0.2 s of each second: each segment's last
	# frame ends 0.8 s before its cell does
	_ffmpeg -f lavfi -i "$_SRC_V:d=4" -vf "select='lt(mod(t\,1)\,0.2)'" -fps_mode passthrough \
		-c:v libx264 -preset ultrafast -pix_fmt yuv420p gaps.mp4
	vt-livesegment -R -i gaps.mp4 -s 1 -r 144p -d out 2>/dev/null >seg.jsonl
	segments | jq -s -e 'map(select(.width)) | length == 4 and all(.duration < 0.35)' >/dev/null ||
		flunk "$(segments | jq -c '[.seq, .start, .duration]')"
	# the next cell's first frame, read in real time, completes each segment
	segments | jq -s -e 'map(select(.width)) | .[:-1] | all(.health.lag < 0.6)' >/dev/null ||
		flunk "$(segments | jq -c '[.seq, .duration, .health.lag]')"
}

@test "behind real time, memory stays flat: twice the stream, the same peak" {
	for n in 5 10; do
		f=$S/hd.mp4
		[ "$n" = 10 ] && f=$S/hd10.mp4
		command time -f %M -o "rss$n" vt-livesegment -R -i "$f" -s 1 -r 720p,480p,360p \
			-P slower -q 4 -d "out$n" >"seg$n.jsonl" 2>/dev/null
		jq -s -e 'map(select(.type == "segment")) | map(.health.dropped) | max > 0' \
			"seg$n.jsonl" >/dev/null || flunk "nothing dropped in the $n s run"
	done
	a=$(cat rss5) b=$(cat rss10)
	(($(echo "$b < $a * 1.15" | bc))) || flunk "peak memory grew from $a KiB to $b KiB"
}

@test "vt-hls --live refuses lines that would leave its folder" {
	mkdir out
	start='{"type":"start","seg":2,"renditions":[{"name":"720p","type":"video"}]}'
	for path in ../../etc/passwd 720p/../../x 720p/.hidden /abs/720p x/y; do
		run -65 vt-hls --live out <<<"$start"$'\n''{"type":"segment","rendition":"720p","path":"'"$path"'","duration":2}'
		assert_one_error vt-hls
	done
	run -65 vt-hls --live out <<<'{"type":"start","seg":2,"renditions":[{"name":"../x"}]}'
	run -65 vt-hls --live out <<<'not json'
	run -65 vt-hls --live out <<<'{"type":"segment","rendition":"nope","path":"nope/a.ts","duration":1}'
	run -64 vt-hls --live
	[ ! -e out/master.m3u8 ]
}

@test "vt-hls --live: a number out of range in a line or the state is bad data, not an overflow" {
	start='{"type":"start","seg":2,"renditions":[{"name":"720p","type":"video","bitrate":2000000},{"name":"audio","type":"audio","bitrate":128000}]}'
	seg() { echo '{"type":"segment","rendition":"'"$1"'","path":"'"$1"'/s.ts","duration":2,"codecs":"avc1.64001f","bytes":'"${2:-1000}"'}'; }
	big=9223372036854775807
	for input in "$start"$'\n'"$(seg 720p $big)" "$start"$'\n'"$(seg 720p 1e300)" \
		"$start"$'\n'"$(seg 720p -1)" "${start/2000000/$big}" "${start/2000000/2000000,\"maxrate\":$big}" \
		"${start/\"video\",/\"video\",\"width\":4294967297,}" "$start"$'\n''{"type":"part","rendition":"720p","seq":'$big',"part":0,"path":"720p/p.ts","duration":0.5}'; do
		rm -rf out && mkdir -p out/720p out/audio
		run --separate-stderr -65 vt-hls --live out <<<"$input"
		assert_one_error vt-hls
		! grep -q 'BANDWIDTH=-' out/master.m3u8 2>/dev/null
	done
	# the state and the recorded list
	rm -rf out && mkdir -p out/720p out/audio
	printf '%s\n' "$start" "$(seg 720p)" "$(seg audio)" | vt-hls --live --open -R out >/dev/null
	cp out/.vt-hls.json state.json
	for edit in '.renditions[0].seq0 = 9223372036854775807' '.renditions[0].disc0 = 9223372036854775000' \
		'.renditions[0].peak = 1e300' '.renditions[0].segments[0].bytes = -5' '.target = 4294967296'; do
		jq -c "$edit" state.json >out/.vt-hls.json
		run --separate-stderr -65 vt-hls --live out </dev/null
		assert_one_error vt-hls
	done
	cp state.json out/.vt-hls.json
	echo '{"rendition":"720p","uri":"s0.ts","duration":2,"bytes":1e19}' >out/.vt-hls-recorded.jsonl
	run --separate-stderr -65 vt-hls --live -R out </dev/null
	assert_one_error vt-hls
	echo '{"rendition":"720p","uri":"s0.ts","duration":2,"bytes":1000}' >out/.vt-hls-recorded.jsonl
	run --separate-stderr vt-hls --live -R out </dev/null
	assert_success
	grep -qx s0.ts out/720p/recording.m3u8
}

# declared: "BANDWIDTH AVERAGE-BANDWIDTH" of the master's one variant;
# "- -" before there is a master.
declared() {
	[ -e out/master.m3u8 ] || { echo - -; return; }
	sed -n 's/^#EXT-X-STREAM-INF:BANDWIDTH=\([0-9]*\),AVERAGE-BANDWIDTH=\([0-9]*\),.*/\1 \2/p' out/master.m3u8
}

@test "vt-hls --live: the master declares the measured peak plus 10%, with TS overhead, and seldom changes" {
	mkdir -p out/720p out/audio
	start='{"type":"start","seg":1,"format":"ts","renditions":[{"name":"720p","type":"video","width":1280,"height":720,"bitrate":2000000,"maxrate":3000000},{"name":"audio","type":"audio","bitrate":128000}]}'
	# one-second TS segments: 720p at 2.3 Mb/s (the TS overhead is 0.3), at
	# 2.6 at 20 s and 3.2 at 45 s; audio at 180 kb/s, 200 at 5 s
	for k in $(seq 0 59); do
		v=2300000 a=180000
		[ "$k" = 20 ] && v=2600000
		[ "$k" = 45 ] && v=3200000
		[ "$k" = 5 ] && a=200000
		for r in 720p:$v:avc1.64001f audio:$a:mp4a.40.2; do
			IFS=: read -r name bps codecs <<<"$r"
			echo "$k $name $bps"
			printf '{"type":"segment","rendition":"%s","seq":%d,"path":"%s/s%d.ts","duration":1,"bytes":%d,"codecs":"%s"}\n' \
				"$name" "$k" "$name" "$k" "$((bps / 8))" "$codecs" >&3
		done
	done >rates 3>lines
	# fed a line at a time, with a restart from the state at 40 s; a
	# blocking reload of the segment's playlist waits for its line
	for part in "1,80p" "81,\$p"; do
		mkfifo in
		PORT=$(free_port)
		vt-hls --live --open -l "127.0.0.1:$PORT" out <in >/dev/null 2>>hls.err &
		HLS_PID=$!
		exec 7>in
		rm in
		echo "$start" >&7
		wait_listen "$PORT"
		sed -n "$part" lines | while IFS= read -r line; do
			echo "$line" >&7
			msn=${line#*'"seq":'} r=${line#*'"rendition":"'}
			curl -fsS -o /dev/null "http://127.0.0.1:$PORT/${r%%\"*}/index.m3u8?_HLS_msn=${msn%%,*}"
			declared
		done >>masters
		exec 7>&-
		wait "$HLS_PID"
	done
	# never below the sum of the peaks so far
	below=$(paste -d ' ' rates masters | awk '{ p[$2] = $3 > p[$2] ? $3 : p[$2] }
		$4 != "-" && $4 < p["720p"] + p["audio"] { print "at " $1 " s: " $4; exit }')
	[ -z "$below" ] || flunk "BANDWIDTH below the sum of the peaks $below"
	# at first the maximum rate plus the overhead measured: 3 + 0.3 Mb/s,
	# and 128 + 52 kb/s; at 30 s, each one's own peak plus 10% and the
	# average; at 45 s a peak past BANDWIDTH raises it, with the average
	# of the segments then: 46 s of video, 45 of audio
	jq -rn --slurpfile r <(awk '{ print "[" $1 ",\"" $2 "\"," $3 "]" }' rates) '
		def rates($n; $name): [$r[] | select(.[1] == $name) | .[2]][:$n];
		def avg($v; $a): (rates($v; "720p") | add / length) + (rates($a; "audio") | add / length) | ceil;
		def peak($n): ((rates($n; "720p") | max) + (rates($n; "audio") | max)) * 1.1 | ceil;
		"3480000 2480000", "\(peak(30)) \(avg(30; 30))", "\(peak(46)) \(avg(46; 45))"' >want
	assert_equal "$(grep -v '^-' masters | uniq)" "$(cat want)"
	# the changes: at the first master, at 30 s and at 45 s
	assert_equal "$(paste -d ' ' rates masters | awk '$4 != last && $4 != "-" { print $1, $2; last = $4 }' | tr '\n' ' ')" \
		"0 audio 29 audio 45 720p "
}

# corner_psnr A B X Y: PSNR of the 64x36 box at X,Y between two clips.
corner_psnr() {
	ffmpeg -nostdin -hide_banner -i "$1" -i "$2" -filter_complex \
		"[0:v]crop=64:36:$3:$4[a];[1:v]crop=64:36:$3:$4[b];[a][b]psnr" -f null - 2>&1 |
		sed -n 's/.*average:\([0-9.inf]*\).*/\1/p'
}

@test "a params file's watermark is burnt into every live rung" {
	printf '{"watermark": {"text": "LIVE %%{pts}", "position": "top_left", "size": 0.2}}' >wm.json
	vt-livesegment -i "$S/live.mp4" -s 1 -r 180p,144p -d a >/dev/null
	vt-livesegment -p wm.json -i "$S/live.mp4" -s 1 -r 180p,144p -d b >/dev/null
	for r in 180p 144p; do
		for d in a b; do cat "$d/$r/init_00000000.mp4" "$d/$r/seg_00000002.m4s" >"$d$r.mp4"; done
		tl=$(corner_psnr "a$r.mp4" "b$r.mp4" 0 0)
		br=$(corner_psnr "a$r.mp4" "b$r.mp4" 100 100)
		[ "$tl" != inf ] && (($(echo "$tl < 30" | bc))) || flunk "$r: no watermark top left ($tl dB)"
		[ "$br" = inf ] || (($(echo "$br > 35" | bc))) || flunk "$r: the picture changed elsewhere ($br dB)"
	done
	printf '{"watermark": {"image": "nosuch.png"}}' >bad.json
	run -66 vt-livesegment -p bad.json -i "$S/live.mp4" -d c
}

@test "pulling RTMP with --wait: tried again until the server is there" {
	p=$(free_port)
	pipeline -i "rtmp://127.0.0.1:$p/live/key" -w -s 1 -r 144p
	sleep 1.5
	# the ffmpeg CLI as an RTMP server that plays the clip to whoever connects
	_ffmpeg -re -i "$S/live.mp4" -c copy -f flv -listen 1 "rtmp://127.0.0.1:$p/live/key"
	sleep 0.5
	pkill -TERM -f "vt-livesegment -i rtmp://127.0.0.1:$p/" || true
	finish
	grep -q 'cannot open; trying again' seg.err
	[ "$(segments | jq -s 'map(select(.rendition == "144p")) | length')" -ge 5 ]
	assert_aligned
}

@test "--part: partial segments that add up to each segment, announced before it" {
	run -64 vt-livesegment -i "$S/live.mp4" -d out -f ts -n 0.5
	run -64 vt-livesegment -i "$S/live.mp4" -d out -s 1 -n 0.6
	run -64 vt-livesegment -i "$S/live.mp4" -d out -n 0.05
	vt-livesegment -i "$S/live.mp4" -r 180p -s 2 -n 0.5 -d out >seg.jsonl 2>seg.err
	jq -s -e '.[0].part == 0.5 and (.[0].renditions | all(.part_target > 0.5 and .part_target < 0.6))' seg.jsonl
	[ "$(jq -s 'map(select(.type == "part")) | length' seg.jsonl)" -ge 20 ]
	for s in $(jq -r 'select(.type == "segment") | .path' seg.jsonl); do
		r=${s%%/*}
		seq=$(jq -r --arg s "$s" 'select(.type == "segment" and .path == $s) | .seq' seg.jsonl)
		# every part line comes before its segment's line, numbered from 0
		jq -s -e --arg s "$s" --arg r "$r" --argjson q "$seq" '
			(map(.type == "segment" and .path == $s) | index(true)) as $at
			| [to_entries[] | select(.value.type == "part" and .value.rendition == $r and .value.seq == $q)]
			| length > 0 and all(.key < $at) and (map(.value.part) == [range(length)])' \
			seg.jsonl >/dev/null || flunk "$s: parts out of order"
		jq -s -e --arg s "$s" --arg r "$r" --argjson q "$seq" '
			(map(select(.type == "segment" and .path == $s))[0]) as $seg
			| map(select(.type == "part" and .rendition == $r and .seq == $q)) as $p
			| ($p | length) == $seg.parts
			and ((($p | map(.duration) | add) - $seg.duration) | fabs) < 0.001
			and ($p[0].independent) and ($p | all(.bytes > 0))
			and (if $r == "audio" then ($p | all(.independent)) else ($p[1:] | all(.independent | not)) end)' \
			seg.jsonl >/dev/null || flunk "$s: parts do not make up the segment"
		# byte for byte, the parts are the segment
		cmp <(jq -r --arg r "$r" --argjson q "$seq" 'select(.type == "part" and .rendition == $r and .seq == $q) | "out/" + .path' seg.jsonl | xargs cat) "out/$s"
	done
	# each part is a fragment of its own, starting on the part grid (the
	# fMP4 timeline starts at the grid's origin: segment 1 at 2 s)
	init=$(jq -r 'select(.type == "part" and .rendition == "180p") | .init' seg.jsonl | head -1)
	for k in 0 1 2 3; do
		p=$(jq -r --argjson k "$k" 'select(.type == "part" and .rendition == "180p" and .seq == 1 and .part == $k) | .path' seg.jsonl)
		first=$(cat "out/$init" "out/$p" | ffprobe -v error -show_entries packet=pts_time,flags -of csv=p=0 - | head -1)
		awk -v f="${first%%,*}" -v k="$k" 'BEGIN { d = f - 2 - k * 0.5; exit !(d > -0.001 && d < 0.001) }' ||
			flunk "part $k of segment 1 starts at $first, not $((2 * 1000 + k * 500)) ms"
		[ "$k" != 0 ] || [[ $first == *,K* ]] || flunk "part 0 does not start with a keyframe: $first"
	done
}

# hls_fifo: vt-hls --live --listen 127.0.0.1:PORT fed by hand from a FIFO
# on descriptor 7; HLS_URL is its 720p playlist.
hls_fifo() {
	mkdir -p out/720p
	mkfifo in
	PORT=$(free_port)
	vt-hls --live -l "127.0.0.1:$PORT" out <in >hls.json 2>hls.err &
	HLS_PID=$!
	exec 7>in
	HLS_URL=http://127.0.0.1:$PORT/out/720p/index.m3u8
	echo '{"type":"start","seg":1,"part":0.25,"renditions":[{"name":"720p","type":"video","width":1280,"height":720,"part_target":0.26}]}' >&7
	wait_listen "$PORT"
}

part() {
	echo '{"type":"part","rendition":"720p","seq":'"$1"',"part":'"$2"',"path":"720p/p'"$1_$2"'.m4s","duration":0.25,"independent":'"$([ "$2" = 0 ] && echo true || echo false)"',"init":"720p/init.mp4","wallclock":"2026-01-01T00:00:0'"$1"'.000Z"}' >&7
}

segment() {
	echo '{"type":"segment","rendition":"720p","seq":'"$1"',"path":"720p/s'"$1"'.m4s","duration":1,"parts":'"$2"',"init":"720p/init.mp4","wallclock":"2026-01-01T00:00:0'"$1"'.000Z","codecs":"avc1.64001f"}' >&7
}

# held URL: a request for URL in the background; HELD_PID is curl.
held() {
	curl -fsS -o held.m3u8 "$1" 7>&- &
	HELD_PID=$!
	sleep 0.5
	kill -0 "$HELD_PID" 2>/dev/null || flunk "$1 was not held: $(cat held.m3u8)"
}

answered() {
	wait "$HELD_PID" || flunk "the held request failed"
}

@test "vt-hls --listen: LL-HLS playlists, and blocking reloads as RFC 8216bis asks" {
	hls_fifo
	part 0 0
	part 0 1
	run curl -fsS -D headers "$HLS_URL"
	assert_success
	grep -qi '^content-type: application/vnd.apple.mpegurl' headers
	[[ $output == *$'\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.780\n'* ]]
	[[ $output == *$'\n#EXT-X-PART-INF:PART-TARGET=0.26000\n'* ]]
	[[ $output == *$'#EXT-X-PART:DURATION=0.25000,URI="p0_0.m4s",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0.25000,URI="p0_1.m4s"'* ]]
	[[ $output != *EXTINF* ]]
	# the next part: held until it is there
	held "$HLS_URL?_HLS_msn=0&_HLS_part=2"
	part 0 2
	answered
	grep -q 'URI="p0_2.m4s"' held.m3u8
	# a whole segment: held until its line
	held "$HLS_URL?_HLS_msn=0"
	part 0 3
	sleep 0.3
	kill -0 "$HELD_PID" || flunk "answered before the segment was complete"
	segment 0 4
	answered
	grep -qx 's0.m4s' held.m3u8
	grep -c '^#EXT-X-PART:' held.m3u8 | grep -qx 4
	# a part past the segment's last is the next segment's first
	held "$HLS_URL?_HLS_msn=0&_HLS_part=4"
	part 1 0
	answered
	grep -q 'URI="p1_0.m4s",INDEPENDENT=YES' held.m3u8
	# what is there already comes at once
	SECONDS=0
	curl -fsS -o now.m3u8 "$HLS_URL?_HLS_msn=0&_HLS_part=1"
	grep -qx 's0.m4s' now.m3u8
	# past three target durations: 503
	SECONDS=0
	run curl -sS -o /dev/null -w '%{http_code}' "$HLS_URL?_HLS_msn=2"
	assert_equal 503 "$output"
	[ "$SECONDS" -ge 2 ] && [ "$SECONDS" -le 5 ] || flunk "503 after ${SECONDS}s, not 3"
	# bad requests
	for q in '_HLS_msn=9' '_HLS_part=1' '_HLS_msn=x' '_HLS_msn=-1' '_HLS_msn=1&_HLS_part=1e3'; do
		run curl -sS -o /dev/null -w '%{http_code}' "$HLS_URL?$q"
		assert_equal 400 "$output"
	done
	for p in /out/480p/index.m3u8 /720p/../720p/index.m3u8 /other/720p/index.m3u8 /out/720p/s0.m4s \
		/out/720p/index.m3u8%00 /; do
		run curl -sS --path-as-is -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$p"
		[ "$output" = 404 ] || [ "$output" = 400 ] || flunk "$p: $output"
	done
	run curl -sS -o /dev/null -w '%{http_code}' -X POST "$HLS_URL"
	assert_equal 405 "$output"
	exec 8<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'GARBAGE\r\n\r\n' >&8
	timeout 5 head -1 <&8 | grep -q '^HTTP/1.1 400 ' || flunk "garbage was not refused"
	exec 8<&-
	# the playlist on disk is plain HLS: no parts, no blocking
	! grep -q 'PART\|SERVER-CONTROL' out/720p/index.m3u8
	# the end of the input answers what is held, with the ended playlist
	held "$HLS_URL?_HLS_msn=1"
	exec 7>&-
	answered
	grep -qx '#EXT-X-ENDLIST' held.m3u8
	! grep -q 'PART' held.m3u8
	wait "$HLS_PID"
	run curl -sS "$HLS_URL"
	assert_failure
}

# hls_pass LINE: one run of vt-hls on out, as after a restart, with LINE
hls_pass() {
	vt-hls --live out <<<"$1" >/dev/null 2>>hls.err
}

@test "vt-hls --listen: a part that a playlist listed stays for its duration and the playlist's, after the end too" {
	local t until
	hls_fifo
	for k in 0 1 2; do
		segment "$k" 0
	done
	for k in 0 1 2; do
		: >"out/720p/p3_$k.m4s"
		part 3 "$k"
	done
	run curl -fsS "$HLS_URL"
	assert_success
	[[ $output == *'URI="p3_2.m4s"'* ]] || flunk "not listed: $output"
	# the publish ends before segment 3 is whole: its parts leave the
	# playlist, not the disk
	t=$(date +%s.%N)
	echo '{"type":"end","reason":"eof"}' >&7
	exec 7>&-
	wait "$HLS_PID"
	ls out/720p/p3_0.m4s out/720p/p3_1.m4s out/720p/p3_2.m4s
	# until the part target (0.26 s) and the playlist's 3.75 s have passed
	assert_json out/.vt-hls.json "[.gone[] | select(.rendition == \"720p\") | .uri] == [\"p3_0.m4s\", \"p3_1.m4s\", \"p3_2.m4s\"]
		and (.gone | all(.until >= $t + 4 and .until < $t + 6))"
	until=$(jq '.gone[0].until' out/.vt-hls.json)
	# a restart before then keeps them, one after removes them
	hls_pass '{"type":"start","seg":1,"renditions":[{"name":"720p","type":"video"}]}'
	ls out/720p/p3_0.m4s out/720p/p3_1.m4s out/720p/p3_2.m4s
	[ "$(awk -v u="$until" -v t="$(date +%s.%N)" 'BEGIN { print (t < u) }')" = 1 ] ||
		flunk "vt-hls took 4 s to restart"
	sleep "$(awk -v u="$until" -v t="$(date +%s.%N)" 'BEGIN { print u - t + 0.1 }')"
	hls_pass '{"type":"start","seg":1,"renditions":[{"name":"720p","type":"video"}]}'
	for k in 0 1 2; do
		[ ! -e "out/720p/p3_$k.m4s" ] || flunk "kept: $(ls out/720p)"
	done
	assert_json out/.vt-hls.json '.gone == []'
}

@test "vt-hls --listen on a Unix socket; parts older than three target durations are not listed" {
	mkdir sock
	HLS_ARGS="-l $PWD/sock/hls"
	pipeline -R -i "$S/live.mp4" -s 1 -n 0.25 -r 144p
	wait_for 10 test -S sock/hls
	wait_for 10 sh -c 'curl -fsS --unix-socket sock/hls http://x/144p/index.m3u8 | grep -c "^#EXTINF" | grep -q "^[5-9]"'
	curl -fsS --unix-socket sock/hls http://x/144p/index.m3u8 >ll.m3u8
	# the oldest segments have no parts; the last three seconds' do
	awk '/^#EXT-X-PART:/ { p++ } /^#EXTINF/ { n++; parts[n] = p; p = 0 }
		END { exit !(parts[1] == 0 && parts[n] == 4 && parts[n - 1] == 4) }' ll.m3u8 ||
		flunk "parts: $(cat ll.m3u8)"
	grep -q '^#EXT-X-RENDITION-REPORT:URI="../audio/index.m3u8",LAST-MSN=[0-9]*,LAST-PART=[0-9]*$' ll.m3u8
	finish
	[ ! -e sock/hls ]
	# the parts left the ended playlist; they stay for a viewer that read
	# the one before, and a restart removes them
	assert_json out/.vt-hls.json '(.gone | length) > 0 and all(.gone[]; .uri | test("^part_"))'
	for p in $(jq -r '.gone[] | "out/\(.rendition)/\(.uri)"' out/.vt-hls.json); do
		[ -e "$p" ] || flunk "$p is gone"
	done
}

@test "vt-hls --listen answers a request with a NUL or bare CRs with 400 at once" {
	hls_fifo
	part 0 0
	for req in 'GET /out/720p/index.m3u8 HTTP/1.1\r\nHost: x\0y\r\n\r\n' \
		'GET /out/720p/index.m3u8\0 HTTP/1.1\r\n\r\n' \
		'GET /out/720p/index.m3u8 HTTP/1.1\r\r\r\r' 'GET / HTTP/1.1\rHost: x\r\r'; do
		exec 8<>"/dev/tcp/127.0.0.1/$PORT"
		printf "$req" >&8
		# the server waits 10 s for the rest of a request
		timeout 5 head -1 <&8 | grep -q '^HTTP/1.1 400 ' || flunk "not refused at once: $req"
		exec 8<&-
	done
	# a request that comes in pieces is still read whole
	exec 8<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'GET /out/720p/index.m3u8 HTTP/1.1\r' >&8
	sleep 0.2
	printf '\nHost: x\r\n\r' >&8
	sleep 0.2
	printf '\n' >&8
	timeout 5 head -1 <&8 | grep -q '^HTTP/1.1 200 ' || flunk "a request in pieces was refused"
	exec 8<&- 7>&-
	wait "$HLS_PID"
}
