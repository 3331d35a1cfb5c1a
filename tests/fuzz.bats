#!/usr/bin/env bats
# The fuzz targets (fuzz/) replay the committed corpus: the manifest readers
# of every tool and the media probe, split and decode paths. Under the
# sanitizer build (tests/run bin-san) a sanitizer report is a failure too.

load test_helper

setup_file() {
	case $VT_BIN in
	*-san) FUZZ_BIN=$VT_ROOT/build-san/fuzz ;;
	*) FUZZ_BIN=$VT_ROOT/build/fuzz ;;
	esac
	export FUZZ_BIN
}

# replay TARGET CORPUS: play every file of fuzz/corpus/CORPUS, checking
# that each was played and none gave a finding. The cap stops a target
# that loops over inputs, each already bounded (VT_FUZZ_TIMEOUT).
replay() {
	local dir=$VT_ROOT/fuzz/corpus/$2 n
	[ -x "$FUZZ_BIN/$1" ] || flunk "$FUZZ_BIN/$1 is not built (make all sanitize)"
	n=$(find "$dir" -maxdepth 1 -type f ! -name '.*' | wc -l)
	[ "$n" -gt 0 ] || flunk "empty corpus $dir"
	run --separate-stderr timeout 300 "$FUZZ_BIN/$1" "$dir"
	[ "$status" -eq 0 ] || flunk "exit status $status"$'\n'"$stderr"
	assert_match "^$1: $n inputs, 0 findings" "${stderr##*$'\n'}"
}

@test "fuzz: the manifest readers (standard input, params, plan, scenes, titles) replay their corpus" {
	replay manifest manifest
}

@test "fuzz: vt-hls's VOD line reader and packager replay their corpus" {
	replay vod vod
}

@test "fuzz: vt-hls --live's line reader replays its corpus" {
	replay live live
}

@test "fuzz: vt-hls --live's state file and recorded list replay their corpus" {
	replay state state
}

@test "fuzz: probe with keyframes replays the media corpus" {
	replay probe media
}

@test "fuzz: split replays the media corpus" {
	replay split media
}

@test "fuzz: decode (scenes, chapters, audio) replays the media corpus" {
	replay decode media
}

@test "fuzz: an input every reader refuses is no finding; a missing one is an error" {
	printf 'not json' >bad.json
	run --separate-stderr "$FUZZ_BIN/manifest" bad.json
	assert_success
	assert_match '^manifest: 1 inputs, 0 findings' "$stderr"
	run --separate-stderr "$FUZZ_BIN/manifest" missing.json
	assert_failure 66
}
