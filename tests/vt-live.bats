#!/usr/bin/env bats
# vt-live: the live service end to end, with the real nginx-rtmp and real
# RTMP publishers (the ffmpeg CLI), all on loopback. One service runs for
# the whole file; each test publishes streams of its own names.

load test_helper

VT_LIVE=$VT_ROOT/scripts/vt-live

setup_file() {
	local S=$BATS_FILE_TMPDIR
	# 8 s at 30 fps, a keyframe every second, AAC.
	_ffmpeg -f lavfi -i "$_SRC_V:d=8" -f lavfi -i "sine=f=440:sample_rate=48000:d=8" -ac 2 \
		-c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p -c:a aac -b:a 64k -shortest \
		"$S/clip.mp4"
	# The service user must reach ROOT: not below bats' private folders.
	VT_LIVE_ROOT=$(mktemp -d /tmp/vt-live-test.XXXXXX)
	chmod 755 "$VT_LIVE_ROOT"
	VT_LIVE_RTMP_PORT=$(free_port)
	VT_LIVE_HTTP_PORT=$(free_port)
	VT_LIVE_CONTROL_PORT=$(free_port)
	export VT_LIVE_ROOT VT_LIVE_RTMP_PORT VT_LIVE_HTTP_PORT VT_LIVE_CONTROL_PORT
	export VT_LIVE_ADDR=127.0.0.1 VT_LIVE_GRACE=8 VT_LIVE_RES=144p VT_LIVE_SEG=1 \
		VT_LIVE_PRESET=ultrafast VT_LIVE_VOD_ARGS="PRESET=ultrafast SEG=2 CHUNK=2 RES=144p"
	"$VT_LIVE" start >"$S/start.json" 2>"$S/start.err" || {
		cat "$S/start.err" "$VT_LIVE_ROOT/logs/supervisor.log" >&2
		return 1
	}
}

teardown_file() {
	local pid
	"$VT_LIVE" stop
	[ ! -f "$BATS_FILE_TMPDIR/publishers" ] ||
		while read -r pid; do
			kill -KILL "$pid" 2>/dev/null
		done <"$BATS_FILE_TMPDIR/publishers"
	case $VT_LIVE_ROOT in
	/tmp/vt-live-test.*) rm -rf "$VT_LIVE_ROOT" ;;
	esac
}

vt_live() {
	"$VT_LIVE" "$@"
}

RTMP() {
	echo "rtmp://127.0.0.1:$VT_LIVE_RTMP_PORT/live/$1"
}

URL() {
	echo "http://127.0.0.1:$VT_LIVE_HTTP_PORT$1"
}

# publish KEY [ffmpeg input options...]: send the clip in real time, in a
# loop unless options are given; PUB is the publisher's pid, PUBS all of
# this test's.
publish() {
	local key=$1
	shift
	[ $# -gt 0 ] || set -- -stream_loop -1
	ffmpeg -nostdin -hide_banner -loglevel error -re "$@" -i "$S/clip.mp4" -c copy \
		-f flv "$(RTMP "$key")" </dev/null >/dev/null 2>&1 &
	PUB=$!
	PUBS+=("$PUB")
	echo "$PUB" >>"$S/publishers"
}

# field NAME FILTER: a jq filter on the stream's state.
field() {
	vt_live status "$1" | jq -r "$2"
}

is() {
	[ "$(field "$1" .status)" = "$2" ]
}

# is_watched NAME: the state counts a viewer.
is_watched() {
	[ "$(field "$1" .viewers)" -ge 1 ]
}

# metric NAME LABELS: the sample's value on /metrics.
metric() {
	curl -fsS "$(URL /metrics)" | awk -v m="$1{$2}" '$1 == m { print $2 }'
}

# media NAME: the stream's media playlist on disk.
media() {
	echo "$VT_LIVE_ROOT/www/live/$1/$(field "$1" .broadcast)/144p/index.m3u8"
}

# grows PLAYLIST N: it lists at least N segments.
grows() {
	[ "$(grep -c '^seg_' "$1" 2>/dev/null)" -ge "$2" ]
}

# discontinuities PLAYLIST: those in it and those that left it.
discontinuities() {
	local s
	s=$(sed -n 's/^#EXT-X-DISCONTINUITY-SEQUENCE://p' "$1")
	echo $((${s:-0} + $(grep -c '^#EXT-X-DISCONTINUITY$' "$1")))
}

@test "vt-live --help is the page's SYNOPSIS; a bad command exits 64" {
	run --separate-stderr vt_live --help
	assert_success
	want=$(sed -n -e 's/^usage: //p' -e 's/^       \(vt-live \)/\1/p' <<<"$output" | paste -sd ' ')
	assert_equal "$want" "$(synopsis "$VT_ROOT/man/vt-live.1")"
	for opt in $(grep -o -- '--[a-z][a-z-]*' <<<"$output" | sort -u); do
		grep -q "^\.It.*Fl \\\\${opt#-}" "$VT_ROOT/man/vt-live.1" ||
			flunk "vt-live.1 does not document $opt"
	done
	run --separate-stderr vt_live --version
	assert_success
	assert_match '^vt-live \(vt\) [0-9]+\.[0-9]+\.[0-9]+$' "$output"
	for bad in "" bogus "start --bogus" "key" "key add" "key add a b" "status a b" "stop now"; do
		# shellcheck disable=SC2086
		run --separate-stderr vt_live $bad
		assert_failure 64 || return
		assert_equal "" "$output"
		assert_match "^usage: vt-live" "$stderr"
	done
}

@test "start runs nginx-rtmp from the template as an unprivileged user; again, it changes nothing" {
	pid=$(jq .pid "$S/start.json")
	kill -0 "$pid"
	grep -q "^load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;" "$VT_LIVE_ROOT/nginx.conf"
	grep -q "listen 127.0.0.1:$VT_LIVE_RTMP_PORT;" "$VT_LIVE_ROOT/nginx.conf"
	master=$(cat "$VT_LIVE_ROOT/run/nginx.pid")
	user=$(ps -o user= -p "$master")
	[ "$(ps -o user= --ppid "$master" | sort -u)" = "$user" ]
	if [ "$EUID" -eq 0 ]; then
		assert_equal vt-live "$user"
		[ "$(stat -c %U "$VT_LIVE_ROOT/keys")" = root ]
		[ "$(stat -c %a "$VT_LIVE_ROOT/keys")" = 640 ]
	else
		assert_equal "$(id -un)" "$user"
	fi
	assert_equal "$user" "$(ps -o user= -p "$(cat "$VT_LIVE_ROOT/run/fcgiwrap.pid")")"
	run --separate-stderr vt_live start
	assert_success
	assert_json "$output" ".pid == $pid and .rtmp == \"rtmp://127.0.0.1:$VT_LIVE_RTMP_PORT/live\""
	assert_equal "$master" "$(cat "$VT_LIVE_ROOT/run/nginx.pid")"
	run --separate-stderr vt_live status
	assert_success
	assert_json "$output" '.running == true'
}

@test "start under a folder the service user cannot open says why on the terminal, once" {
	[ "$EUID" -eq 0 ] || skip "the service user is another only for root"
	mkdir -m 700 closed
	for try in 1 2; do
		run --separate-stderr env VT_LIVE_ROOT="$PWD/closed/root" "$VT_LIVE" start
		assert_equal 73 "$status"
		assert_equal "vt-live: user 'vt-live' cannot reach '$PWD/closed/root' (choose a VT_LIVE_ROOT it can open)" "$stderr"
	done
	[ "$(grep -c 'cannot reach' closed/root/logs/supervisor.log)" -eq 2 ]
}

@test "start refuses a bad pipeline setting with the tool's own line, before it creates anything" {
	while IFS='|' read -r setting line; do
		run --separate-stderr env "$setting" VT_LIVE_ROOT="$PWD/other" "$VT_LIVE" start
		assert_failure 64 || return
		assert_equal "" "$output"
		assert_equal "$line" "$stderr" || return
	done <<'EOF'
VT_LIVE_PART=0.9|vt-livesegment: --part 0.9: at most half the segment length (1 s)
VT_LIVE_PART=0.05|vt-livesegment: part length '0.05' out of range: 0, or 0.1..10
VT_LIVE_SEG=0|vt-livesegment: segment length '0' out of range 0.5..60
VT_LIVE_RES=144p,1p|vt-livesegment: unknown rung '1p' (want NNNp, 16..4320)
VT_LIVE_STALL=-1|vt-livesegment: stall time '-1' out of range 0..3600
VT_LIVE_WINDOW=0|vt-hls: window '0' out of range 1..100000
EOF
	[ ! -e other ] || flunk "$(ls -R other)"
	# the service runs on what the segmenter said: LL-HLS parts of its choosing
	assert_equal "$(vt-livesegment --check -n auto -s 1 -r 144p -P ultrafast | jq -c .)" \
		"$(jq -c .segmenter "$VT_LIVE_ROOT/run/settings.json")"
	grep -q 'drop_idle_publisher 5000ms;' "$VT_LIVE_ROOT/nginx.conf"
}

@test "keys: random, at least 128 bits, stored hashed, listed without the key" {
	run --separate-stderr vt_live key add k-one
	assert_success
	k1=$output
	assert_match '^[0-9a-f]{40}$' "$k1"
	k2=$(vt_live key add k-two --record)
	[ "$k1" != "$k2" ]
	! grep -rqF -e "$k1" -e "$k2" "$VT_LIVE_ROOT" || flunk "a key is stored in plain text"
	run --separate-stderr vt_live key list
	assert_success
	! grep -qF -e "$k1" -e "$k2" <<<"$output"
	assert_json "$(jq -s . <<<"$output")" \
		'map(select(.name == "k-two"))[0] | .state == "active" and .record and (.vod | not)'
	run --separate-stderr vt_live key add k-one
	assert_failure 65
	assert_one_error vt-live
	for bad in "Bad" "../x" "a b" "-x" "" "$(printf 'x%.0s' {1..65})"; do
		run --separate-stderr vt_live key add -- "$bad"
		[ "$status" -eq 65 ] || [ "$status" -eq 64 ] || flunk "name '$bad': exit $status"
	done
	run --separate-stderr vt_live key revoke nosuch
	assert_failure 66
	vt_live key revoke k-one
	vt_live key list | jq -s -e 'map(select(.name == "k-one")) | length == 1 and .[0].state == "revoked"'
	k3=$(vt_live key add k-one)
	[ "$k3" != "$k1" ]
}

@test "an accepted key: live under the stream's name, with the origin's headers; a stop ends it at once" {
	key=$(vt_live key add acc)
	SECONDS=0
	publish "$key"
	wait_for 15 curl -fsS -o master.m3u8 "$(URL /live/acc/master.m3u8)"
	echo "# publish to master playlist through nginx: ${SECONDS}s" >&3
	is acc live
	# the stream's public name everywhere, never the key
	bc=$(field acc .broadcast)
	grep -q "^$bc/144p/index.m3u8$" master.m3u8
	wait_for 10 grows "$(media acc)" 2
	curl -fsS -D headers -o media.m3u8 -H 'Accept-Encoding: gzip' "$(URL "/live/acc/$bc/144p/index.m3u8")"
	assert_equal application/vnd.apple.mpegurl "$(header Content-Type)"
	assert_equal gzip "$(header Content-Encoding)"
	assert_equal "max-age=1" "$(header Cache-Control)"
	assert_equal "*" "$(header Access-Control-Allow-Origin)"
	# LL-HLS from the stream's vt-hls: partial segments and blocking reload
	zcat media.m3u8 >ll.m3u8
	grep -q '^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0\.[0-9]*$' ll.m3u8
	grep -q '^#EXT-X-PART-INF:PART-TARGET=0\.2[0-9]*$' ll.m3u8
	part=$(sed -n 's/^#EXT-X-PART:DURATION=0\.[0-9]*,URI="\([^"]*\)".*/\1/p' ll.m3u8 | tail -1)
	[ -n "$part" ] || flunk "no parts in $(cat ll.m3u8)"
	curl -fsS -D headers -o part.m4s "$(URL "/live/acc/$bc/144p/$part")"
	assert_equal video/mp4 "$(header Content-Type)"
	cat "$(dirname "$(media acc)")"/init_*.mp4 part.m4s >part.mp4
	[ "$(ffprobe -v error -count_packets -show_entries stream=nb_read_packets -of csv=p=0 part.mp4)" -ge 5 ]
	# the next segment's first part: the reply waits for it
	msn=$(( $(sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p' ll.m3u8) + $(grep -c '^#EXTINF' ll.m3u8) ))
	SECONDS=0
	curl -fsS -o next.m3u8 "$(URL "/live/acc/$bc/144p/index.m3u8?_HLS_msn=$msn&_HLS_part=0")"
	awk -v msn="$msn" '/^#EXT-X-MEDIA-SEQUENCE:/ { sub(/.*:/, ""); seq = $0 }
		/^#EXTINF/ { n++; tail = 0 } /^#EXT-X-PART:/ { tail++ }
		END { exit !(seq + n > msn || (seq + n == msn && tail > 0)) }' next.m3u8 ||
		flunk "no part of segment $msn in $(cat next.m3u8)"
	[ "$SECONDS" -le 3 ] || flunk "a blocking reload took ${SECONDS}s"
	# too far ahead of the playlist just read (not of ll.m3u8, which a busy machine makes old)
	msn=$(( $(sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p' next.m3u8) + $(grep -c '^#EXTINF' next.m3u8) ))
	run curl -sS -o /dev/null -w '%{http_code}' "$(URL "/live/acc/$bc/144p/index.m3u8?_HLS_msn=$((msn + 5))")"
	assert_equal 400 "$output"
	seg=$(zcat media.m3u8 | grep -m 1 '^seg_')
	curl -fsS -D headers -o /dev/null "$(URL "/live/acc/$bc/144p/$seg")"
	assert_equal video/mp4 "$(header Content-Type)"
	assert_equal "public, max-age=31536000, immutable" "$(header Cache-Control)"
	assert_equal "*" "$(header Access-Control-Allow-Origin)"
	run curl -sS -o /dev/null -D headers -w '%{http_code}' -X OPTIONS \
		-H "Origin: http://player.example" -H "Access-Control-Request-Method: GET" \
		"$(URL /live/acc/master.m3u8)"
	assert_equal 204 "$output"
	assert_equal "*" "$(header Access-Control-Allow-Origin)"
	[[ $(header Access-Control-Allow-Methods) == *GET* ]]
	# ffprobe plays it through the origin
	run ffprobe -v error -show_entries stream=codec_type -of csv=p=0 "$(URL /live/acc/master.m3u8)"
	assert_success
	[[ $output == *video* && $output == *audio* ]] || flunk "ffprobe: $output"
	# state and metrics
	wait_for 5 is_watched acc
	assert_json "$(vt_live status acc)" '.status == "live" and .publishes == 1 and .restarts == 0
		and .input.width == 320 and .input.height == 180 and .input.frame_rate == 30
		and .input.video_codec == "h264" and .input.audio_codec == "aac" and .input.bitrate > 0
		and .health.speed > 0 and .health.dropped >= 0 and .health.lag >= 0 and .viewers >= 1
		and (.started_at | test("^20[0-9-]+T[0-9:.]+Z$")) and .ended_at == null
		and (.last_segment_at | test("Z$")) and .playlist == "/live/acc/master.m3u8"'
	[ "$(metric vt_live_stream_up 'stream="acc"')" = 1 ]
	[ "$(metric vt_live_input_width_pixels 'stream="acc"')" = 320 ]
	[ "$(metric vt_live_viewers 'stream="acc"')" -ge 1 ]
	[ -n "$(metric vt_live_encoder_speed 'stream="acc"')" ]
	# the publisher stops: the stream ends at once
	kill -INT "$PUB"
	wait "$PUB" || true
	SECONDS=0
	wait_for 5 is acc ended
	[ "$SECONDS" -le 3 ] || flunk "ended ${SECONDS}s after the publisher stopped"
	grep -qx '#EXT-X-ENDLIST' "$(media acc)"
	# the origin serves the ended playlist file, without parts
	curl -fsS -o ended.m3u8 "$(URL "/live/acc/$bc/144p/index.m3u8")"
	cmp ended.m3u8 "$(media acc)"
	# its parts stay for a viewer that read the playlist before; vt-hls's
	# state has them, for a restart to remove
	jq -e '.gone | length > 0' "$(dirname "$(media acc)")/../.vt-hls.json" >/dev/null
	[ "$(metric vt_live_stream_up 'stream="acc"')" = 0 ]
	[ "$(metric vt_live_stream_status 'stream="acc",status="ended"')" = 1 ]
	assert_json "$(vt_live status acc)" '.ended_at != null'
	# the key is nowhere: not in a log, a path, a playlist or the state
	! grep -rqF "$key" "$VT_LIVE_ROOT" || flunk "the key is in $(grep -rlF "$key" "$VT_LIVE_ROOT")"
	! vt_live status | grep -qF "$key"
	! curl -fsS "$(URL /metrics)" | grep -qF "$key"
}

@test "wrong, missing and revoked keys are refused and logged, without the key" {
	wrong=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
	run ffmpeg -nostdin -loglevel error -re -i "$S/clip.mp4" -t 2 -c copy -f flv "$(RTMP "$wrong")"
	assert_failure
	run ffmpeg -nostdin -loglevel error -re -i "$S/clip.mp4" -t 2 -c copy -f flv \
		"rtmp://127.0.0.1:$VT_LIVE_RTMP_PORT/live"
	assert_failure
	key=$(vt_live key add gone)
	vt_live key revoke gone
	run ffmpeg -nostdin -loglevel error -re -i "$S/clip.mp4" -t 2 -c copy -f flv "$(RTMP "$key")"
	assert_failure
	log=$VT_LIVE_ROOT/logs/auth.log
	grep -q 'refused publish from 127.0.0.1 (client [0-9]*): unknown key' "$log"
	grep -q 'refused publish from 127.0.0.1 (client [0-9]*): no stream key' "$log"
	grep -q 'refused publish from 127.0.0.1 (client [0-9]*): revoked key of stream gone' "$log"
	! grep -rqF -e "$wrong" -e "$key" "$VT_LIVE_ROOT" || flunk "a key was written down"
	[ ! -e "$VT_LIVE_ROOT/www/live/gone" ]
	run --separate-stderr vt_live status gone
	assert_failure 66
	# a key revoked while live ends its publish
	key=$(vt_live key add cut)
	publish "$key"
	wait_for 15 is cut live
	vt_live key revoke cut
	wait_for 10 is cut ended
	wait_for 5 eval '! kill -0 "$PUB"'
}

@test "three streams at once, each with its own pipeline and playlist" {
	for n in s1 s2 s3; do
		publish "$(vt_live key add $n)"
	done
	for n in s1 s2 s3; do
		wait_for 20 is $n live
	done
	for n in s1 s2 s3; do
		wait_for 15 grows "$(media $n)" 4
		curl -fsS -o /dev/null "$(URL /live/$n/master.m3u8)"
		[ "$(metric vt_live_stream_up "stream=\"$n\"")" = 1 ]
	done
	assert_json "$(vt_live status)" '[.streams[] | select(.name | test("^s[123]$")) | select(.status == "live")]
		| length == 3 and all(.health.speed > 1)
		and all(.renditions | map(.name) | sort == ["144p", "audio"])'
	# /metrics: the supervisor's figures and each stream's vt-hls's, a family once
	curl -fsS -o metrics "$(URL /metrics)"
	awk '/^# HELP/ && seen[$3]++ { print; bad = 1 } END { exit bad }' metrics || flunk "$(cat metrics)"
	awk '/^# TYPE/ { t = $3 } !/^#/ { f = $1; sub(/\{.*/, "", f); if (f != t) { print; bad = 1 } }
		END { exit bad }' metrics || flunk "a sample out of its family in $(cat metrics)"
	for n in s1 s2 s3; do
		grep -q "^vt_live_encoder_speed{stream=\"$n\"} [0-9]" metrics
		grep -q "^vt_live_rendition_segments_total{stream=\"$n\",rendition=\"144p\"} [1-9]" metrics
	done
	# each pipeline is a vt-livesegment of its own
	[ "$(for n in s1 s2 s3; do cat "$VT_LIVE_ROOT/streams/$n/segmenter.pid"; done | sort -u | wc -l)" -eq 3 ]
	for n in s1 s2 s3; do
		ffprobe -v error -show_entries stream=codec_type -of csv=p=0 "$(URL /live/$n/master.m3u8)" |
			grep -q video || flunk "$n does not play"
	done
	kill -INT "${PUBS[@]}"
	for n in s1 s2 s3; do
		wait_for 10 is $n ended
	done
}

@test "a pipeline killed mid-stream is restarted; the playlist goes on with a discontinuity" {
	publish "$(vt_live key add kp)"
	wait_for 20 is kp live
	pl=$(media kp)
	wait_for 15 grows "$pl" 3
	sid=$(cat "$VT_LIVE_ROOT/streams/kp/pipeline.pid")
	kill -KILL "$(cat "$VT_LIVE_ROOT/streams/kp/segmenter.pid")"
	# no end of the playlist while it restarts
	for _ in $(seq 30); do
		! grep -q ENDLIST "$pl" || flunk "EXT-X-ENDLIST while the publisher is live"
		sleep 0.1
	done
	wait_for 10 eval '[ "$(field kp .restarts)" -eq 1 ]'
	wait_for 10 grep -qx '#EXT-X-DISCONTINUITY' "$pl"
	wait_for 10 eval '[ "$(sed -n "/^#EXT-X-DISCONTINUITY$/,\$p" "$pl" | grep -c "^seg_")" -ge 2 ]'
	! grep -q ENDLIST "$pl"
	[ "$(grep '^seg_' "$pl" | sort -u | wc -l)" -eq "$(grep -c '^seg_' "$pl")" ]
	[ "$(metric vt_live_pipeline_restarts_total 'stream="kp"')" = 1 ]
	# and its vt-hls
	new=$(cat "$VT_LIVE_ROOT/streams/kp/pipeline.pid")
	[ "$new" != "$sid" ]
	kill -KILL "$(pgrep -s "$new" -x vt-hls)"
	wait_for 10 eval '[ "$(field kp .restarts)" -eq 2 ]'
	is kp live
	[ "$(metric vt_live_pipeline_restarts_total 'stream="kp"')" = 2 ]
	wait_for 10 eval '[ "$(discontinuities "$pl")" -ge 2 ]'
	ffprobe -v error -show_entries stream=codec_type -of csv=p=0 "$(URL /live/kp/master.m3u8)" | grep -q video
	kill -INT "$PUB"
	wait_for 10 is kp ended
	grep -qx '#EXT-X-ENDLIST' "$pl"
}

@test "a publisher that vanishes is stalled; back within the grace time, the stream goes on" {
	key=$(vt_live key add st)
	publish "$key"
	wait_for 20 is st live
	pl=$(media st)
	bc=$(field st .broadcast)
	wait_for 15 grows "$pl" 2
	# no data, the connection open: as when the network goes
	kill -STOP "$PUB"
	gone=$PUB
	SECONDS=0
	wait_for 12 is st stalled
	[ "$SECONDS" -ge 4 ] || flunk "stalled after ${SECONDS}s without data, not 5"
	[ "$(metric vt_live_stream_status 'stream="st",status="stalled"')" = 1 ]
	[ "$(metric vt_live_stream_up 'stream="st"')" = 0 ]
	assert_json "$(vt_live status st)" '.stalled_at != null and .ended_at == null'
	! grep -q ENDLIST "$pl"
	n=$(grep -c '^seg_' "$pl")
	# the same key again
	publish "$key"
	wait_for 10 is st live
	kill -KILL "$gone"
	assert_json "$(vt_live status st)" ".publishes == 2 and .broadcast == \"$bc\" and .stalled_at == null"
	wait_for 15 grows "$pl" $((n + 2))
	grep -qx '#EXT-X-DISCONTINUITY' "$pl"
	! grep -q ENDLIST "$pl"
	[ "$(metric vt_live_publishes_total 'stream="st"')" = 2 ]
	# a publisher that crashes and does not come back: ended after the grace time
	kill -KILL "$PUB"
	wait_for 5 is st stalled
	SECONDS=0
	wait_for 15 is st ended
	[ "$SECONDS" -ge 5 ] || flunk "ended ${SECONDS}s after the publisher went; the grace time is 8 s"
	grep -qx '#EXT-X-ENDLIST' "$pl"
	[ "$(metric vt_live_stream_status 'stream="st",status="ended"')" = 1 ]
}

@test "a recording is a VOD playlist as soon as the stream ends, then a VOD ladder" {
	SECONDS=0
	publish "$(vt_live key add rec --vod)"
	wait_for 20 is rec live
	pl=$(media rec)
	# the publisher stops once four segments are out, however long the
	# pipeline took to join
	wait_for 20 grows "$pl" 4
	first=$(grep -m 1 '^seg_' "$pl")
	kill -INT "$PUB"
	wait "$PUB" || :  # ffmpeg ends 255 on SIGINT
	sent=$SECONDS
	wait_for 10 is rec ended
	rec=$(field rec .recording)
	[ "$rec" = "/live/rec/$(field rec .broadcast)/recording.m3u8" ]
	curl -fsS -o rec.m3u8 "$(URL "$rec")"
	grep -q '^#EXT-X-STREAM-INF' rec.m3u8
	run ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries stream=nb_read_frames:format=duration -of default=nw=1 "$(URL "$rec")"
	assert_success
	frames=$(sed -n 's/^nb_read_frames=//p' <<<"$output")
	d=$(sed -n 's/^duration=//p' <<<"$output")
	# every segment that was live is in it, and nothing the publisher did
	# not send
	assert_le 3.9 "$d" "recording duration"
	assert_le "$d" $((sent + 1)) "recording duration"
	assert_near "$(echo "$d * 30" | bc)" "$frames" 3 "frames in the recording"
	for p in 144p/recording.m3u8 audio/recording.m3u8; do
		curl -fsS -o p.m3u8 "$(URL "${rec%/*}/$p")"
		grep -qx '#EXT-X-PLAYLIST-TYPE:VOD' p.m3u8
		grep -qx '#EXT-X-ENDLIST' p.m3u8
	done
	curl -fsS "$(URL "${rec%/*}/144p/recording.m3u8")" | grep -qxF "$first"
	wait_for 90 eval '[ "$(field rec .vod_job.status)" = done ]'
	vod=$(field rec .vod_job.playlist)
	run ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
		-of csv=p=0 "$(URL "$vod")"
	assert_success
	assert_near "$frames" "$(grep -m 1 . <<<"$output")" 1 "frames in the VOD"
	curl -fsS -o /dev/null "$(URL "${vod%/*}/job.json")"
}

@test "the origin serves ROOT/www and nothing else" {
	ln -sf /etc/passwd "$VT_LIVE_ROOT/www/live/link"
	bc=$(field acc .broadcast)
	for path in /../../../../etc/passwd /live/../../../etc/passwd /%2e%2e/%2e%2e/%2e%2e/etc/passwd \
		/live/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd /..%2f..%2f..%2fetc/passwd /live/..%2f..%2fkeys \
		//etc/passwd /nginx.conf /../keys /../pepper /live/link /live/acc/.vt-hls.json \
		"/live/acc/$bc/.vt-hls.json" /../logs/auth.log /auth /stat; do
		code=$(curl -sS --path-as-is -o body -w '%{http_code}' "$(URL "$path")")
		[[ $code == 40[0345] ]] || flunk "$path: HTTP $code"
		! grep -q 'root:' body || flunk "$path: served /etc/passwd"
		! grep -qF "$(cat "$VT_LIVE_ROOT/pepper")" body || flunk "$path: served the pepper"
	done
	rm -f "$VT_LIVE_ROOT/www/live/link"
	code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST --data x "$(URL /live/acc/master.m3u8)")
	assert_equal 405 "$code"
	# the control server is on a port of its own, on loopback only
	grep -q "listen 127.0.0.1:$VT_LIVE_CONTROL_PORT;" "$VT_LIVE_ROOT/nginx.conf"
	curl -fsS -D headers -o metrics "$(URL /metrics)"
	[[ $(header Content-Type) == text/plain* ]]
	grep -q '^# TYPE vt_live_viewers gauge$' metrics
}

@test "stop ends the streams and stops everything it started; it can be run again" {
	publish "$(vt_live key add last)"
	wait_for 20 is last live
	wait_for 15 grows "$(media last)" 1
	pids=$(cat "$VT_LIVE_ROOT/run/nginx.pid" "$VT_LIVE_ROOT/run/fcgiwrap.pid" \
		"$VT_LIVE_ROOT/run/supervisor.pid" "$VT_LIVE_ROOT/streams/last/pipeline.pid")
	run --separate-stderr vt_live stop
	assert_success
	for pid in $pids; do
		! kill -0 "$pid" 2>/dev/null || flunk "process $pid still runs"
	done
	is last ended
	grep -qx '#EXT-X-ENDLIST' "$(media last)"
	for p in "$VT_LIVE_RTMP_PORT" "$VT_LIVE_HTTP_PORT" "$VT_LIVE_CONTROL_PORT"; do
		! ss -Htln "( sport = :$p )" | grep -q . || flunk "port $p still listens"
	done
	run --separate-stderr vt_live status
	assert_json "$output" '.running == false'
	run --separate-stderr vt_live stop
	assert_success
	wait "$PUB" || true
	# no pipeline or VOD job met a sanitizer's complaint on the way
	! grep -l -e 'Sanitizer' -e 'runtime error' "$VT_LIVE_ROOT"/streams/*/*.log ||
		flunk "$(grep -h -A5 -e 'Sanitizer' -e 'runtime error' "$VT_LIVE_ROOT"/streams/*/*.log | head -40)"
}
