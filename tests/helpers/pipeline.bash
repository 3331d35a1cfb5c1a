# Running the VOD make pipeline (pipelines/vod.mk) on the tools under test,
# and reading a run's outcome.
# shellcheck disable=SC2154 # status, output, stderr, lines: set by bats' run

# vod_make [ARGS...]: make in the repo on the tools under test. Make's own
# jobserver is not passed on, and the tools are never rebuilt (-o): the
# tests test the binaries they were given, and parallel runs must not race
# to relink them.
vod_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -s --no-print-directory -C "$VT_ROOT" VT_BIN="$VT_BIN" \
		-o "$VT_BIN/vt-probe" -o "$VT_BIN/vt-split" -o "$VT_BIN/vt-encode" -o "$VT_BIN/vt-hls" \
		-o "$VT_BIN/vt-scenes" -o "$VT_BIN/vt-thumb" -o "$VT_BIN/vt-put" "$@"
}

# vod VIDEO OUT [VAR=value...]: run the VOD pipeline with small, fast settings.
# Later arguments override the defaults.
vod() {
	local video=$1 out=$2
	shift 2
	vod_make -j4 VIDEO="$video" OUT="$out" PRESET=ultrafast SEG=2 CHUNK=2 "$@"
}

# pipeline NAME VIDEO [VAR=value...]: run the pipeline into $BATS_FILE_TMPDIR/NAME,
# keeping its status and stderr.
pipeline() {
	local name=$1 video=$2 dir=$BATS_FILE_TMPDIR rc=0
	shift 2
	vod "$video" "$dir/$name" "$@" >"$dir/$name.stdout" 2>"$dir/$name.stderr" || rc=$?
	echo "$rc" >"$dir/$name.status"
}

# throttle N: wait until fewer than N background jobs run.
throttle() {
	while [ "$(jobs -rp | wc -l)" -ge "$1" ]; do
		wait -n || :
	done
}

# pipelines "NAME VIDEO [VAR=value...]"...: pipeline for each, two at a time.
pipelines() {
	local spec
	for spec in "$@"; do
		throttle 2
		# shellcheck disable=SC2086
		pipeline $spec -j2 &
	done
	wait || :
}

# built NAME: that pipeline run succeeded; OUT is its folder.
built() {
	OUT=$S/$1
	# shellcheck disable=SC2034 # for assert_success
	status=$(cat "$S/$1.status") output=$(cat "$S/$1.stderr")
	assert_success || return
	[ -f "$OUT/master.m3u8" ] || flunk "no $OUT/master.m3u8"
}

# assert_same_job A B: two jobs' output folders hold the same files, byte
# for byte, but for job.json and .work.
assert_same_job() {
	local a b f
	a=$(cd "$1" && find . -path ./.work -prune -o -type f ! -name job.json -print | sort)
	b=$(cd "$2" && find . -path ./.work -prune -o -type f ! -name job.json -print | sort)
	assert_equal "$a" "$b" || return
	while read -r f; do
		cmp "$1/$f" "$2/$f" || { flunk "$f differs"; return; }
	done <<<"$a"
}

# failed_in NAME STAGE TOOL: that pipeline run failed in STAGE, with one
# error, TOOL's, once make's own lines are left out; OUT is its folder.
failed_in() {
	OUT=$S/$1
	status=$(cat "$S/$1.status")
	[ "$status" -ne 0 ] || { flunk "$1: make succeeded"; return; }
	# shellcheck disable=SC2034 # for assert_one_error
	stderr=$(grep -v '^vt: job failed\|^make: \*\*\*' "$S/$1.stderr")
	assert_one_error "$3" || return
	assert_json "$OUT/job.json" ".status == \"failed\" and .stage == \"$2\""
}

# refused NAME [STAGE WORDS]: that pipeline run failed with one vt- error,
# no master, and a job.json that says it failed. With STAGE: it failed in
# STAGE, with WORDS in the error, and nothing was split or encoded.
refused() {
	local err
	OUT=$S/$1
	status=$(cat "$S/$1.status")
	err=$(cat "$S/$1.stderr")
	[ "$status" -ne 0 ] || { flunk "$1: make succeeded"$'\n'"$err"; return; }
	[ "$(grep -c '^vt-[a-z]*: ' <<<"$err")" -eq 1 ] ||
		{ flunk "$1: expected one 'vt-x: ...' line on stderr, got:"$'\n'"$err"; return; }
	[ ! -e "$OUT/master.m3u8" ] || { flunk "$1: master.m3u8 was written"; return; }
	if [ $# -lt 2 ]; then
		assert_json "$OUT/job.json" '.status == "failed" and (.stage | type == "string")'
		return
	fi
	[[ $err == *"$3"* ]] || { flunk "$1: no '$3' in:"$'\n'"$err"; return; }
	[ ! -e "$OUT/.work/chunks.json" ] || { flunk "$1: the source was split"; return; }
	[ -z "$(compgen -G "$OUT/.work/enc/*")" ] || { flunk "$1: something was encoded"; return; }
	assert_json "$OUT/job.json" ".status == \"failed\" and .stage == \"$2\"" || return
	jq -e --arg w "$3" '.error | contains($w)' "$OUT/job.json" >/dev/null ||
		flunk "$1: job.json error: $(jq -c .error "$OUT/job.json")"
}
