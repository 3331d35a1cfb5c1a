#!/usr/bin/env bats
# The pipeline's ends: VIDEO as a URL, make publish to S3, and NOTIFY and
# ON_DONE when the job ends, against an S3 server and a web server on
# loopback (tests/s3d.js, tests/httpd.js).

load test_helper

# job NAME GOAL VAR=value...: run the pipeline into $S/NAME, keeping its
# status and stderr.
job() {
	local name=$1 goal=$2 rc=0
	shift 2
	vod_make -j2 OUT="$S/$name" PRESET=ultrafast SEG=2 CHUNK=2 RES=90p "$@" "$goal" \
		>"$S/$name.stdout" 2>"$S/$name.stderr" || rc=$?
	echo "$rc" >"$S/$name.status"
}

# hooks NAME: NOTIFY and ON_DONE settings that keep what they were given.
hooks() {
	echo "NOTIFY=$HTTP_URL/hook/$1"
	echo "ON_DONE=cp \"\$1\" '$S/$1.ondone.json'; printf '%s' \"\$1\" > '$S/$1.ondone.path'"
}

setup_file() {
	need_node
	S=$BATS_FILE_TMPDIR
	s3_start "$S/s3" || return
	http_start "$S/http" || return
	cp "$(fixture short.mp4)" "$S/http/root/talk.mp4" || return
	echo '<html><body>Please sign in</body></html>' >"$S/http/root/page.html"
	local hook
	faults '{"match": "talk.mp4", "drop": "half"}' "$HTTP_URL"
	mapfile -t hook < <(hooks url)
	job url publish VIDEO="$HTTP_URL/talk.mp4?token=a.b" DEST=s3://videos/url/ "${hook[@]}"
	cp "$S3_LOG" "$S/url.s3log"
	mapfile -t hook < <(hooks missing)
	job missing job VIDEO="$HTTP_URL/missing.mp4" "${hook[@]}"
	mapfile -t hook < <(hooks page)
	job page job VIDEO="$HTTP_URL/page.html" "${hook[@]}"
	AWS_SECRET_ACCESS_KEY=wrong-secret job badkey publish VIDEO="$(fixture short.mp4)" \
		DEST=s3://videos/badkey/ "NOTIFY=$HTTP_URL/hook/badkey"
	cp "$S/badkey/job.json" "$S/badkey.first.json"
}

teardown_file() {
	server_stop "$BATS_FILE_TMPDIR/s3"
	server_stop "$BATS_FILE_TMPDIR/http"
}

# done_ok NAME: that run succeeded; OUT is its folder.
done_ok() {
	OUT=$S/$1
	status=$(cat "$S/$1.status") output=$(cat "$S/$1.stderr")
	assert_success
}

# done_failed NAME STAGE: that run failed in STAGE, with one vt- error.
done_failed() {
	OUT=$S/$1
	status=$(cat "$S/$1.status")
	[ "$status" -ne 0 ] || { flunk "make succeeded"; return; }
	stderr=$(grep -v '^vt: job failed\|^make: \*\*\*' "$S/$1.stderr")
	assert_one_error vt-put || return
	assert_json "$OUT/job.json" ".status == \"failed\" and .stage == \"$2\""
}

# published OUT: the files of a job folder that go to the bucket.
published() {
	(cd "$1" && find . -path ./.work -prune -o -type f ! -name job.json -print | sed 's|^\./||' | LC_ALL=C sort)
}

@test "vod VIDEO=URL: the source is fetched, resumed after a cut, and made into the ladder" {
	done_ok url
	cmp "$OUT/.work/source.mp4" "$(fixture short.mp4)"
	assert_equal "200 206" "$(jq -r 'select(.path == "/talk.mp4") | .status' "$S/http/log" | paste -sd' ')"
	assert_json "$OUT/job.json" ".status == \"ok\" and .request.video == \"$HTTP_URL/talk.mp4?token=a.b\""
	assert_ladder_frames "$OUT" "$(fixture short.mp4)"
	[ ! -e "$OUT/.work/source.mp4.part" ] || flunk "source.mp4.part left"
}

@test "vod publish: every file of the job is in the bucket, byte for byte, master.m3u8 last" {
	local f n=0
	done_ok url
	while read -r f; do
		n=$((n + 1))
		s3_object "url/$f" got h || return
		cmp -s got "$OUT/$f" || { flunk "url/$f differs"; return; }
	done < <(published "$OUT")
	[ "$n" -gt 5 ] || { flunk "only $n files"; return; }
	s3_object url/master.m3u8 got h
	assert_match 'application/vnd.apple.mpegurl' "$(grep -i '^content-type:' h)"
	assert_equal /videos/url/master.m3u8 "$(jq -r 'select(.method == "PUT" and .status == 200) | .path' "$S/url.s3log" | tail -n 1)"
	s3curl -o /dev/null -w '%{http_code}' "$AWS_ENDPOINT_URL/videos/url/job.json" >code || :
	assert_equal 404 "$(cat code)"
	assert_json "$OUT/job.json" ".publish == {dest: \"s3://videos/url/\", objects: $n,
		bytes: $(published "$OUT" | (cd "$OUT" && xargs stat -c %s) | paste -sd+ | bc)}"
}

@test "vod: NOTIFY gets the final job.json, and ON_DONE its path" {
	done_ok url
	cmp "$S/http/root/hook/url" "$OUT/job.json"
	assert_equal application/json "$(cat "$S/http/root/hook/url.type")"
	assert_equal "$OUT/job.json" "$(cat "$S/url.ondone.path")"
	cmp "$S/url.ondone.json" "$OUT/job.json"
}

@test "vod publish: publishing again sends nothing and leaves job.json as it was" {
	done_ok url
	cp "$OUT/job.json" before.json
	: >"$S3_LOG"
	run vod_make -j2 OUT="$OUT" PRESET=ultrafast SEG=2 CHUNK=2 RES=90p VIDEO="$HTTP_URL/talk.mp4?token=a.b" \
		DEST=s3://videos/url/ publish
	assert_success
	assert_equal "" "$(jq -r 'select(.method != "GET") | .method + " " + .path' "$S3_LOG")"
	cmp before.json "$OUT/job.json"
	assert_json "$(jq -s . "$OUT/.work/publish.jsonl")" 'all(.[]; .status == "skipped")'
}

@test "vod VIDEO=URL: a 404 fails in stage fetch; NOTIFY and ON_DONE still run" {
	done_failed missing fetch
	assert_match 'missing.mp4.*404' "$stderr"
	assert_json "$S/http/root/hook/missing" '.status == "failed" and .stage == "fetch"'
	cmp "$S/missing.ondone.json" "$OUT/job.json"
	[ ! -e "$OUT/.work/source.mp4.part" ] || flunk "source.mp4.part left"
}

@test "vod VIDEO=URL: a web page fails in stage fetch, as no audio or video" {
	done_failed page fetch
	assert_match "page.html' is not audio or video \\(text/html\\)" "$stderr"
	assert_json "$S/http/root/hook/page" '.status == "failed" and .stage == "fetch"'
	[ ! -e "$OUT/.work/source.html" ] || flunk "the page was kept as the source"
}

@test "vod publish: a refused key fails in stage publish, keeps the ladder, and the next run publishes" {
	done_failed badkey publish
	assert_match 'SignatureDoesNotMatch' "$stderr"
	assert_json "$S/badkey.first.json" '.error | test("SignatureDoesNotMatch")'
	assert_json "$S/http/root/hook/badkey" '.status == "failed" and .stage == "publish"'
	[ -f "$OUT/master.m3u8" ] || { flunk "the local master.m3u8 was withdrawn"; return; }
	run vod_make -j2 OUT="$OUT" PRESET=ultrafast SEG=2 CHUNK=2 RES=90p VIDEO="$(fixture short.mp4)" \
		DEST=s3://videos/badkey/ publish
	assert_success
	assert_json "$OUT/job.json" '.status == "ok" and .stage == null and .error == null and .publish.objects > 5'
	s3_object badkey/master.m3u8 got
	cmp got "$OUT/master.m3u8"
}

@test "vod: NOTIFY and DEST are data: make and the shell run nothing in them" {
	local w='$(shell touch '"$PWD"'/pwned1)`touch '"$PWD"'/pwned2`$$(touch '"$PWD"'/pwned3)'
	run vod_make -j2 OUT="$S/badkey" PRESET=ultrafast SEG=2 CHUNK=2 RES=90p VIDEO="$(fixture short.mp4)" \
		"DEST=s3://videos/$w/" "NOTIFY=$HTTP_URL/hook/$w" publish
	[ -z "$(compgen -G "$PWD/pwned*")" ] || flunk "a value ran: $(ls "$PWD"/pwned*)"
	assert_failure
	assert_match 'NOTIFY failed' "$output"
}

@test "vod: make publish without DEST stops before any work" {
	run vod_make OUT="$PWD/none" VIDEO="$(fixture short.mp4)" publish
	assert_failure
	assert_match 'publish needs DEST' "$output"
	[ ! -e none ] || flunk "work was done"
}
