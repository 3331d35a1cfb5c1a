#!/usr/bin/env bats
# vt-put against a real S3-compatible server and a web server on loopback
# (tests/s3d.js, tests/httpd.js). Every object is read back with an
# independent client, curl --aws-sigv4; the server's request log shows what
# was sent and when.

load test_helper

# hls_folder DIR: what a job publishes: two renditions (fMP4 and TS) of a
# 3 s clip with their playlists, a master, a thumbnail and its sprite track,
# chapters and a job.json.
hls_folder() {
	local d=$1 common=(-nostdin -loglevel error -y -f lavfi -i testsrc2=s=320x180:r=30:d=3
		-c:v libx264 -preset ultrafast -g 30 -f hls -hls_time 1 -hls_playlist_type vod)
	mkdir -p "$d/180p" "$d/90p" "$d/chapters"
	ffmpeg "${common[@]}" -hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4 \
		-hls_segment_filename "$d/180p/seg_%05d.m4s" "$d/180p/index.m3u8" &&
	ffmpeg "${common[@]}" -s 160x90 -hls_segment_filename "$d/90p/seg_%05d.ts" "$d/90p/index.m3u8" &&
	ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=s=320x180:d=1 -frames:v 1 "$d/thumbnail.jpg" ||
		return
	printf 'WEBVTT\n\n00:00.000 --> 00:03.000\nthumbnail.jpg#xywh=0,0,160,90\n' >"$d/sprite.vtt"
	printf 'WEBVTT\n\n00:00.000 --> 00:03.000\nIntroduction\n' >"$d/chapters/chapters.vtt"
	echo '[{"chapter":1,"start-time":0,"titles":[{"language":"en","title":"Introduction"}]}]' \
		>"$d/chapters/chapters-hls.json"
	echo '{"status":"ok"}' >"$d/job.json"
	printf '%s\n' '#EXTM3U' '#EXT-X-SESSION-DATA:DATA-ID="com.apple.hls.chapters",URI="chapters/chapters-hls.json"' \
		'#EXT-X-STREAM-INF:BANDWIDTH=600000,RESOLUTION=320x180' 180p/index.m3u8 \
		'#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=160x90' 90p/index.m3u8 >"$d/master.m3u8"
	mkdir -p "$d/.work" && echo secret >"$d/.work/not-published"
}

setup_file() {
	need_node
	s3_start "$BATS_FILE_TMPDIR/s3" || return
	http_start "$BATS_FILE_TMPDIR/http" || return
	hls_folder "$BATS_FILE_TMPDIR/talk" || return
	head -c 12582912 /dev/urandom >"$BATS_FILE_TMPDIR/big.bin"
	# The first publish: the tests read its output and the server's log.
	vt-put "$BATS_FILE_TMPDIR/talk" s3://videos/talk/ >"$BATS_FILE_TMPDIR/first.out" \
		2>"$BATS_FILE_TMPDIR/first.err"
	echo $? >"$BATS_FILE_TMPDIR/first.status"
	cp "$S3_LOG" "$BATS_FILE_TMPDIR/first.log"
}

teardown_file() {
	server_stop "$BATS_FILE_TMPDIR/s3"
	server_stop "$BATS_FILE_TMPDIR/http"
}

teardown() {
	server_stop "$BATS_TEST_TMPDIR/paged"	# a test's own server, if it started one
}

# files DIR: the published files of a folder, relative, sorted.
files() {
	(cd "$1" && find . -path ./.work -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort)
}

# puts LOG: "start end path" for each object PUT (whole or completed) in LOG.
puts() {
	jq -r 'select(.status == 200 and ((.method == "PUT" and .query == "") or
		(.method == "POST" and (.query | startswith("uploadId=")))))
		| "\(.t) \(.end) \(.path)"' "$1"
}

@test "vt-put: a folder goes up whole, one JSON line per object" {
	local f n=0 size
	assert_equal 0 "$(cat "$S/first.status")"
	assert_equal "" "$(cat "$S/first.err")"
	while read -r f; do
		n=$((n + 1))
		size=$(stat -c %s "$S/talk/$f")
		grep -q "\"key\":\"talk/$f\"" "$S/first.out" || { flunk "no line for talk/$f"; return; }
		assert_json "$(grep "\"key\":\"talk/$f\"" "$S/first.out")" \
			".bytes == $size and .status == \"uploaded\" and .etag == \"$(md5sum <"$S/talk/$f" | cut -c1-32)\"
			 and (.ms | type == \"number\")" || return
	done < <(files "$S/talk")
	assert_equal "$n" "$(wc -l <"$S/first.out")"
	! grep -q 'not-published' "$S/first.out" || flunk "a file of .work was published"
}

@test "vt-put: every object reads back byte for byte with its Content-Type and Cache-Control" {
	local f type cache
	while read -r f; do
		s3_object "talk/$f" got h || return
		cmp -s got "$S/talk/$f" || { flunk "talk/$f differs"; return; }
		case $f in
		*.m3u8) type=application/vnd.apple.mpegurl cache=short ;;
		*.ts) type=video/mp2t cache=immutable ;;
		*.m4s | *.mp4) type=video/mp4 cache=immutable ;;
		*.jpg) type=image/jpeg cache=short ;;
		*.vtt) type=text/vtt cache=short ;;
		*.json) type=application/json cache=short ;;
		esac
		assert_equal "$type" "$(header Content-Type h)" || return
		if [ "$cache" = immutable ]; then
			assert_match 'immutable' "$(header Cache-Control h)" || return
			assert_match 'max-age=31536000' "$(header Cache-Control h)" || return
		else
			assert_match '^public, max-age=[0-9]{1,3}$' "$(header Cache-Control h)" || return
		fi
	done < <(files "$S/talk")
}

@test "vt-put: every playlist goes up after the objects it names, master.m3u8 last" {
	local log=$S/first.log pl dir uri t_pl t_obj last
	for pl in $(files "$S/talk" | grep 'm3u8$'); do
		dir=$(dirname "$pl")
		t_pl=$(puts "$log" | awk -v p="/videos/talk/$pl" '$3 == p { print $1 }')
		[ -n "$t_pl" ] || { flunk "no PUT of $pl"; return; }
		for uri in $(grep -v '^#' "$S/talk/$pl"; grep -o 'URI="[^"]*"' "$S/talk/$pl" | sed 's/URI="\(.*\)"/\1/'); do
			uri=$( [ "$dir" = . ] && echo "$uri" || echo "$dir/$uri")
			t_obj=$(puts "$log" | awk -v p="/videos/talk/$uri" '$3 == p { print $2 }')
			[ -n "$t_obj" ] || { flunk "$pl names $uri, never uploaded"; return; }
			assert_le "$t_obj" "$t_pl" "$pl sent at $t_pl, before $uri was stored at" || return
		done
	done
	last=$(puts "$log" | sort -n -k1,1 | tail -n 1 | cut -d' ' -f3)
	assert_equal /videos/talk/master.m3u8 "$last"
	assert_le "$(puts "$log" | grep -v 'master.m3u8$' | cut -d' ' -f2 | sort -n | tail -n 1)" \
		"$(puts "$log" | grep 'master.m3u8$' | cut -d' ' -f1)" "master.m3u8 sent before the rest was stored"
}

@test "vt-put: requests are signed with SigV4 and carry the payload's SHA-256" {
	# s3d.js checks both on every request and answers 403 or 400 otherwise.
	assert_json "$(jq -s . "$S/first.log")" 'all(.[]; .status < 300)'
}

@test "vt-put: publishing again skips every object and sends nothing" {
	: >"$S3_LOG"
	run --separate-stderr vt-put "$S/talk" s3://videos/talk/
	assert_success
	assert_equal "$(files "$S/talk" | wc -l)" "${#lines[@]}"
	assert_json "$(jq -s . <<<"$output")" 'all(.[]; .status == "skipped")'
	assert_equal "" "$(jq -r 'select(.method != "GET") | .method + " " + .path' "$S3_LOG")"
}

@test "vt-put: a changed file goes up again, the others are skipped" {
	cp -r "$S/talk" talk
	echo '{"status":"ok","changed":true}' >talk/job.json
	run --separate-stderr vt-put talk s3://videos/talk/
	assert_success
	assert_equal uploaded "$(jq -r 'select(.key == "talk/job.json") | .status' <<<"$output")"
	assert_equal 1 "$(jq -r 'select(.status == "uploaded") | .key' <<<"$output" | wc -l)"
	s3_object talk/job.json got
	cmp got talk/job.json
}

@test "vt-put: a file larger than the part size goes up in parts, and reads back whole" {
	: >"$S3_LOG"
	run --separate-stderr vt-put --part-size 5M "$S/big.bin" s3://videos/mp/
	assert_success
	assert_json "$output" '.key == "mp/big.bin" and .status == "uploaded" and .parts == 3 and .bytes == 12582912'
	assert_equal 3 "$(jq -r 'select(.method == "PUT" and (.query | test("partNumber=")))' "$S3_LOG" | jq -s length)"
	s3_object mp/big.bin got
	cmp got "$S/big.bin"
	run --separate-stderr vt-put --part-size 5M "$S/big.bin" s3://videos/mp/
	assert_json "$output" '.status == "skipped"'
}

@test "vt-put: a failed part is retried alone" {
	: >"$S3_LOG"
	faults '{"match": "partNumber=2&", "status": 500}'
	run --separate-stderr vt-put --part-size 5M "$S/big.bin" s3://videos/retry-part/
	assert_success
	assert_equal "1 2 2 3" "$(jq -r 'select(.query | test("partNumber=")) | .query | capture("partNumber=(?<n>[0-9]+)").n' \
		"$S3_LOG" | sort | paste -sd' ')"
	s3_object retry-part/big.bin got
	cmp got "$S/big.bin"
}

@test "vt-put: 5xx answers, dropped connections and a stalled server are retried" {
	: >"$S3_LOG"
	faults '[{"match": "^PUT .*seg_00000", "status": 503, "count": 2},
		{"match": "^PUT .*index.m3u8", "drop": true},
		{"match": "^PUT .*thumbnail", "delay": 3000}]'
	run --separate-stderr vt-put --force --timeout 1 "$S/talk" s3://videos/retry/
	faults_clear
	assert_success
	assert_equal "$(files "$S/talk" | wc -l)" "$(jq -r 'select(.status == "uploaded")' <<<"$output" | jq -s length)"
	assert_equal 2 "$(jq -r 'select(.fault == "status")' "$S3_LOG" | jq -s length)"
	s3_object retry/180p/seg_00000.m4s got
	cmp got "$S/talk/180p/seg_00000.m4s"
}

@test "vt-put: a temporary failure that outlasts the retries exits 75" {
	faults '{"match": "^PUT", "status": 503, "count": 100}'
	run --separate-stderr vt-put --retries 2 "$S/talk/job.json" s3://videos/never/
	faults_clear
	assert_failure 75
	assert_one_error vt-put
	assert_match "never/job.json.*SlowDown.*gave up after 3 tries" "$stderr"
	assert_json "$output" '.status == "failed"'
}

# upload_in_parts PREFIX: start vt-put uploading big.bin to PREFIX/ in
# background, its pid in pid, parts 2 and 3 held up by the server; return
# once part 1 is stored.
upload_in_parts() {
	local i
	faults '{"match": "partNumber=[23]&", "delay": 4000, "count": 2}'
	vt-put --part-size 5M --jobs 3 "$S/big.bin" "s3://videos/$1/" >out 2>err &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		jq -s -e --arg p "/videos/$1/big.bin" \
			'any(.[]; .path == $p and (.query | test("partNumber=1&")) and .status == 200)' "$S3_LOG" >/dev/null &&
			return
		sleep 0.05
	done
}

@test "vt-put: an interrupted multipart upload is aborted, leaving no parts; the next run completes it" {
	local pid
	upload_in_parts int
	[ "$(s3_uploads int/)" = int/big.bin ] || { flunk "no upload open: $(s3_uploads int/)"; return; }
	kill -TERM "$pid"
	wait "$pid" && { flunk "vt-put was not stopped"; return; }
	faults_clear
	assert_match 'interrupted' "$(cat err)"
	assert_equal "" "$(s3_uploads int/)"
	if [ -d "$S3_DIR/data/videos/._S3rver_uploads" ]; then	# s3rver keeps parts there
		assert_equal "" "$(ls "$S3_DIR/data/videos/._S3rver_uploads")"
	fi
	jq -s -e 'any(.[]; .method == "DELETE" and .path == "/videos/int/big.bin" and .status == 204)' "$S3_LOG" >/dev/null ||
		flunk "no AbortMultipartUpload"
	run --separate-stderr vt-put --part-size 5M "$S/big.bin" s3://videos/int/
	assert_success
	s3_object int/big.bin got
	cmp got "$S/big.bin"
}

@test "vt-put: a multipart upload killed outright is aborted by the next run" {
	local pid
	upload_in_parts kill
	kill -KILL "$pid"
	wait "$pid" || :
	faults_clear
	assert_equal kill/big.bin "$(s3_uploads kill/)"
	run --separate-stderr vt-put --part-size 5M "$S/big.bin" s3://videos/kill/
	assert_success
	assert_equal "" "$(s3_uploads kill/)"
	s3_object kill/big.bin got
	cmp got "$S/big.bin"
}

@test "vt-put: listings are followed page by page: all that is there is skipped, every orphan aborted" {
	local k n
	command -v minio >/dev/null && skip "s3d.js pages s3rver's listings, not MinIO's"
	s3_start "$BATS_TEST_TMPDIR/paged" --page 2 || return
	run --separate-stderr vt-put "$S/talk" s3://videos/p/
	assert_success
	n=$(files "$S/talk" | wc -l)
	: >"$S3_LOG"
	run --separate-stderr vt-put "$S/talk" s3://videos/p/
	assert_success
	assert_equal "$n" "${#lines[@]}"
	assert_json "$(jq -s . <<<"$output")" 'all(.[]; .status == "skipped")'
	assert_equal $(((n + 1) / 2)) "$(jq -r 'select(.query | test("list-type=2")) | .query' "$S3_LOG" | wc -l)"
	assert_equal "" "$(jq -r 'select(.method != "GET") | .method + " " + .path' "$S3_LOG")"

	for k in 180p/index.m3u8 job.json master.m3u8; do
		s3curl -f -X POST "$AWS_ENDPOINT_URL/videos/p/$k?uploads=" >/dev/null || return
	done
	assert_equal 3 "$(ls "$S3_DIR/data/videos/._S3rver_uploads" | wc -l)"
	: >"$S3_LOG"
	run --separate-stderr vt-put --force "$S/talk" s3://videos/p/
	assert_success
	assert_equal 2 "$(jq -r 'select(.query | test("uploads=$")) | .query' "$S3_LOG" | wc -l)"
	assert_equal 3 "$(jq -r 'select(.method == "DELETE" and .status == 204) | .path' "$S3_LOG" | wc -l)"
	assert_equal "" "$(ls "$S3_DIR/data/videos/._S3rver_uploads")"
}

@test "vt-put: the S3 server keeps serving after a client is killed mid-upload" {
	local pid i
	# A client killed halfway through a body: the server's read ends in ECONNRESET.
	(
		exec 3<>"/dev/tcp/127.0.0.1/${AWS_ENDPOINT_URL##*:}"
		printf 'PUT /videos/cut/half.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n' >&3
		head -c 500000 "$S/big.bin" >&3
		touch sent
		exec sleep 60
	) &
	pid=$!
	for ((i = 0; i < 200; i++)); do [ -e sent ] && break; sleep 0.05; done
	[ -e sent ] || { kill -KILL "$pid"; flunk "the client did not send"; return; }
	kill -KILL "$pid"
	wait "$pid" || :
	for ((i = 0; i < 200; i++)); do
		jq -s -e 'any(.[]; .path == "/videos/cut/half.bin" and .status == 0)' "$S3_LOG" >/dev/null && break
		sleep 0.05
	done
	kill -0 "$(cat "$S/s3/pid")" || { flunk "s3d.js died: $(cat "$S/s3/stderr")"; return; }
	run --separate-stderr vt-put "$S/talk/job.json" s3://videos/cut/
	assert_success
	s3_object cut/job.json got
	cmp got "$S/talk/job.json"
}

@test "vt-put: a wrong key or secret exits 77 with a clear error" {
	AWS_ACCESS_KEY_ID=nobody run --separate-stderr vt-put "$S/talk" s3://videos/bad/
	assert_failure 77
	assert_one_error vt-put
	assert_match "InvalidAccessKeyId" "$stderr"
	AWS_SECRET_ACCESS_KEY=wrong-secret run --separate-stderr vt-put "$S/talk" s3://videos/bad/
	assert_failure 77
	assert_one_error vt-put
	assert_match "SignatureDoesNotMatch" "$stderr"
	env -u AWS_SECRET_ACCESS_KEY vt-put "$S/talk" s3://videos/bad/ 2>err && flunk "no secret, no failure"
	assert_match "no credentials" "$(cat err)"
}

@test "vt-put: a missing bucket exits 73 with a clear error" {
	run --separate-stderr vt-put "$S/talk" s3://no-such-bucket/talk/
	assert_failure 73
	assert_one_error vt-put
	assert_match "no-such-bucket.*no such bucket" "$stderr"
}

@test "vt-put: secrets never appear in output, errors or verbose messages" {
	local out
	out=$(VT_VERBOSE=1 vt-put --force "$S/talk" s3://videos/verbose/ 2>&1;
		faults '{"match": "^PUT", "status": 500}';
		VT_VERBOSE=1 vt-put --force "$S/talk/job.json" s3://videos/verbose/ 2>&1;
		AWS_ACCESS_KEY_ID=nobody vt-put "$S/talk" s3://videos/bad/ 2>&1;
		VT_VERBOSE=1 AWS_ACCESS_KEY_ID=$S3_TMP_KEY AWS_SECRET_ACCESS_KEY=$S3_TMP_SECRET \
			AWS_SESSION_TOKEN=$S3_TMP_TOKEN vt-put "$S/talk/job.json" s3://videos/verbose/ 2>&1)
	[ -n "$out" ] || { flunk "nothing printed"; return; }
	[[ $out != *"$S3_SECRET"* ]] || flunk "the secret key was printed"
	[[ $out != *"$S3_TMP_SECRET"* ]] || flunk "the temporary secret key was printed"
	[[ $out != *"$S3_TMP_TOKEN"* ]] || flunk "the session token was printed"
}

@test "vt-put: AWS_SESSION_TOKEN is sent, and signed" {
	command -v minio >/dev/null && skip "MinIO has no such key"
	AWS_ACCESS_KEY_ID=$S3_TMP_KEY AWS_SECRET_ACCESS_KEY=$S3_TMP_SECRET \
		run --separate-stderr vt-put "$S/talk/job.json" s3://videos/token/
	assert_failure 77
	assert_match "InvalidToken" "$stderr"
	AWS_ACCESS_KEY_ID=$S3_TMP_KEY AWS_SECRET_ACCESS_KEY=$S3_TMP_SECRET AWS_SESSION_TOKEN=$S3_TMP_TOKEN \
		run --separate-stderr vt-put "$S/talk/job.json" s3://videos/token/
	assert_success
	s3_object token/job.json got
	cmp got "$S/talk/job.json"
}

@test "vt-put: virtual-host addressing puts the bucket in the host name" {
	command -v minio >/dev/null && skip "MinIO wants a domain set for virtual hosts"
	: >"$S3_LOG"
	AWS_ENDPOINT_URL=http://s3.localhost:${AWS_ENDPOINT_URL##*:} \
		run --separate-stderr vt-put --addressing virtual "$S/talk/job.json" s3://videos/vhost/
	assert_success
	assert_equal "videos.s3.localhost:${AWS_ENDPOINT_URL##*:} /vhost/job.json" \
		"$(jq -r 'select(.method == "PUT" and (.path | test("vhost"))) | "\(.host) \(.path)"' "$S3_LOG")"
	s3_object vhost/job.json got
	cmp got "$S/talk/job.json"
}

@test "vt-put --get: an object back to stdout or a file" {
	run --separate-stderr vt-put --get s3://videos/talk/master.m3u8 -
	assert_success
	assert_equal "$(cat "$S/talk/master.m3u8")" "$output"
	run --separate-stderr vt-put --get s3://videos/mp/big.bin big
	assert_success
	cmp big "$S/big.bin"
	assert_json "$output" '.file == "big" and .bytes == 12582912 and .status == "downloaded"'
	[ ! -e big.part ] || flunk "big.part left"
}

@test "vt-put --get: a missing object exits 66" {
	run --separate-stderr vt-put --get s3://videos/no/such.mp4 x.mp4
	assert_failure 66
	assert_one_error vt-put
	assert_match "NoSuchKey" "$stderr"
	[ ! -e x.mp4 ] && [ ! -e x.mp4.part ] || flunk "a file was left"
}

@test "vt-put --get: a download cut halfway resumes with a Range request" {
	cp "$S/big.bin" "$BATS_FILE_TMPDIR/http/root/cut.bin"
	faults '{"match": "cut.bin", "drop": "half"}' "$HTTP_URL"
	run --separate-stderr vt-put --get "$HTTP_URL/cut.bin" cut.bin
	assert_success
	cmp cut.bin "$S/big.bin"
	assert_equal "200 206 bytes=6291456-" \
		"$(jq -r 'select(.path == "/cut.bin") | "\(.status) \(.range // "")"' "$BATS_FILE_TMPDIR/http/log" | paste -sd' ' | xargs)"
}

@test "vt-put --get: a partial file from a killed run is resumed, not fetched again" {
	cp "$S/big.bin" "$BATS_FILE_TMPDIR/http/root/slow.bin"
	faults '{"match": "slow.bin", "drop": "half"}' "$HTTP_URL"
	run --separate-stderr vt-put --retries 0 --get "$HTTP_URL/slow.bin" slow.bin
	assert_failure 75
	[ -s slow.bin.part ] || { flunk "no slow.bin.part kept"; return; }
	run --separate-stderr vt-put --get "$HTTP_URL/slow.bin" slow.bin
	assert_success
	assert_json "$output" '.status == "resumed"'
	cmp slow.bin "$S/big.bin"
}

@test "vt-put --get: a partial file of an object changed since is fetched again, whole" {
	local f=$BATS_FILE_TMPDIR/http/root/changed.bin
	cp "$S/big.bin" "$f"
	faults '{"match": "changed.bin", "drop": "half"}' "$HTTP_URL"
	run --separate-stderr vt-put --retries 0 --get "$HTTP_URL/changed.bin" changed.bin
	assert_failure 75
	[ -s changed.bin.part ] || { flunk "no changed.bin.part kept"; return; }
	head -c 7000000 /dev/urandom >"$f"
	touch -d '+1 minute' "$f"
	run --separate-stderr vt-put --get "$HTTP_URL/changed.bin" changed.bin
	assert_success
	assert_json "$output" '.status == "downloaded" and .bytes == 7000000'
	cmp changed.bin "$f"
}

@test "vt-put --get: a 404 and a body that is not video fail clearly" {
	run --separate-stderr vt-put --get --media "$HTTP_URL/no-such.mp4" x.mp4
	assert_failure 66
	assert_one_error vt-put
	assert_match "no-such.mp4.*404" "$stderr"
	echo '<html><body>Sign in</body></html>' >"$BATS_FILE_TMPDIR/http/root/page.html"
	run --separate-stderr vt-put --get --media "$HTTP_URL/page.html" x.mp4
	assert_failure 65
	assert_one_error vt-put
	assert_match "page.html' is not audio or video \\(text/html\\)" "$stderr"
	[ ! -e x.mp4 ] && [ ! -e x.mp4.part ] || flunk "a file was left"
	run --separate-stderr vt-put --get --media "$HTTP_URL/cut.bin" x.mp4
	assert_failure 65
	run --separate-stderr vt-put --get --media "s3://videos/talk/180p/init.mp4" init.mp4
	assert_success
}

@test "vt-put --get: a prefix comes whole into a folder, one line a file, dot names left out" {
	vt-put "$S/talk" s3://videos/back/ >/dev/null && vt-put "$S/talk/.work" s3://videos/back/.work/ >/dev/null ||
		flunk "cannot publish"
	run --separate-stderr vt-put --get --jobs 3 s3://videos/back/ got
	assert_success
	diff -r -x .work "$S/talk" got || flunk "got differs from talk"
	assert_equal "$(cd "$S/talk" && find . -path ./.work -prune -o -type f -print | wc -l)" "${#lines[@]}"
	assert_equal "" "$(jq -r 'select(.status != "downloaded") | .file' <<<"$output")"
	assert_json "$(grep '"got/master.m3u8"' <<<"$output")" \
		".source == \"s3://videos/back/master.m3u8\" and .bytes == $(stat -c %s "$S/talk/master.m3u8")"
	# An empty prefix is an empty folder.
	run --separate-stderr vt-put --get s3://videos/no-such/ empty
	assert_success
	assert_equal "" "$output"
	[ -d empty ] && [ -z "$(ls -A empty)" ] || flunk "no empty folder"
}

@test "vt-put --get: a prefix's object that fails is retried; one that fails for good leaves no file" {
	faults '{"match": "^GET /videos/talk/90p/seg_00001", "status": 503}'
	run --separate-stderr vt-put --get s3://videos/talk/90p/ a
	assert_success
	cmp a/seg_00001.ts "$S/talk/90p/seg_00001.ts"
	faults '{"match": "^GET /videos/talk/90p/seg_00001", "status": 503}'
	run --separate-stderr vt-put --retries 0 --get s3://videos/talk/90p/ b
	assert_failure 75
	assert_one_error vt-put
	assert_match "cannot fetch 's3://videos/talk/90p/seg_00001.ts'" "$stderr"
	[ ! -e b/seg_00001.ts ] || flunk "seg_00001.ts was made"
	assert_equal "" "$(find b -name '.*')"
	run --separate-stderr vt-put --get s3://nobucket/x/ c
	assert_failure 66
	assert_match "NoSuchBucket" "$stderr"
	run --separate-stderr vt-put --get --media s3://videos/talk/ d
	assert_failure 64
}

@test "vt-put --post: a file POSTed to a URL, with its Content-Type" {
	run --separate-stderr vt-put --post "$S/talk/job.json" "$HTTP_URL/hook/done"
	assert_success
	cmp "$BATS_FILE_TMPDIR/http/root/hook/done" "$S/talk/job.json"
	assert_equal application/json "$(cat "$BATS_FILE_TMPDIR/http/root/hook/done.type")"
	faults '{"match": "hook", "status": 503, "count": 2}' "$HTTP_URL"
	run --separate-stderr vt-put --post "$S/talk/job.json" "$HTTP_URL/hook/again"
	assert_success
	faults '{"match": "hook", "status": 404}' "$HTTP_URL"
	run --separate-stderr vt-put --post "$S/talk/job.json" "$HTTP_URL/hook/gone"
	assert_failure 66
	assert_one_error vt-put
}

@test "vt-put: file:// copies a folder, and skips what is the same" {
	run --separate-stderr vt-put "$S/talk" "file://$PWD/copy"
	assert_success
	diff -r --exclude=.work "$S/talk" copy
	[ ! -e copy/.work ] || flunk ".work was copied"
	run --separate-stderr vt-put "$S/talk" "file://$PWD/copy/"
	assert_success
	assert_json "$(jq -s . <<<"$output")" 'all(.[]; .status == "skipped")'
	assert_no_temp_files copy
}

@test "vt-put --progress: progress lines on stderr, data alone on stdout" {
	run --separate-stderr vt-put --progress --force --part-size 5M "$S/big.bin" s3://videos/progress/
	assert_success
	assert_match '^vt-put: s3://videos/progress/: 12\.0 of 12\.0 MiB \(100%\), 1 of 1 objects' "${stderr##*$'\n'}"
	assert_json "$output" '.status == "uploaded"'
}

@test "vt-put: --help, --version, a bad option and bad values" {
	run --separate-stderr vt-put --help
	assert_success
	assert_match '^usage: vt-put ' "$output"
	assert_version vt-put
	assert_bad_option vt-put
	run --separate-stderr vt-put --part-size 1M a s3://videos/x
	assert_failure 64
	run --separate-stderr vt-put a
	assert_failure 64
	run --separate-stderr vt-put "$S/talk" ftp://host/x
	assert_failure 64
	run --separate-stderr vt-put no-such-folder s3://videos/x/
	assert_failure 66
}
