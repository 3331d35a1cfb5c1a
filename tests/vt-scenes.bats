#!/usr/bin/env bats
# vt-scenes: shot changes found where the clips were cut, and nowhere
# else; chapters made from them as WebVTT and JSON.

load test_helper

_ff() {
	ffmpeg -nostdin -hide_banner -loglevel error -y "$@"
}

_X=(-c:v libx264 -preset ultrafast -bf 3 -crf 23 -pix_fmt yuv420p -map_metadata -1 -fflags +bitexact)

# cut_clip OUT RATE "LEN SOURCE"...: one shot of LEN frames from each
# source, joined by the concat filter; OUT.truth lists the frame index of
# every cut.
cut_clip() {
	local out=$1 rate=$2 args=() fc='' i=0 len src at=0 n
	shift 2
	n=$#
	: >"$out.truth"
	for spec in "$@"; do
		len=${spec%% *} src=${spec#* }
		args+=(-f lavfi -i "$src")
		fc+="[$i:v]trim=end_frame=$len,fps=$rate,scale=320:180,setsar=1,format=yuv420p,setpts=PTS-STARTPTS[v$i];"
		at=$((at + len))
		[ $((i + 1)) -eq "$n" ] || echo "$at" >>"$out.truth"
		i=$((i + 1))
	done
	for ((i = 0; i < n; i++)); do fc+="[v$i]"; done
	_ff "${args[@]}" -f lavfi -i "sine=f=440:sample_rate=48000" -filter_complex "${fc}concat=n=$n:v=1:a=0[v]" \
		-map '[v]' -map "$n:a" -shortest "${_X[@]}" -c:a aac -b:a 64k "$out"
}

setup_file() {
	local d=$BATS_FILE_TMPDIR s=s=320x180:r=30 t=s=320x180:r=25
	fixtures zero.mp4 text.mp4 trunc.mp4 aonly.m4a ten.mkv || return
	cut_clip "$d/cuts.mp4" 30 \
		"40 testsrc2=$s" "30 smptebars=$s" "45 mandelbrot=$s" "33 cellauto=$s:rule=110" \
		"36 life=$s:mold=10:ratio=0.3:death_color=#003040:life_color=#ffcc00" \
		"30 color=c=darkred:$s,noise=alls=12:allf=t" "42 gradients=$s:speed=0.02" \
		"30 rgbtestsrc=$s" "39 sierpinski=$s" "31 smptehdbars=$s" "35 colorspectrum=$s" \
		"30 yuvtestsrc=$s" "44 testsrc=$s" "32 pal75bars=$s" \
		"38 mandelbrot=$s:start_x=-0.75:start_y=0.1:start_scale=0.5,hue=h=120" \
		"30 color=c=orange:$s,drawbox=x=t*200:y=40:w=60:h=60:c=purple:t=fill" \
		"41 testsrc2=$s,negate" \
		"37 color=c=navy:$s,drawgrid=w=40:h=40:t=3:c=white,noise=alls=6:allf=t" || return
	cut_clip "$d/cuts25.mkv" 25 \
		"30 testsrc2=$t,hue=h=90" "28 life=$t:mold=5" "40 smptebars=$t" \
		"26 cellauto=$t:rule=30" "35 mandelbrot=$t:start_scale=1" "31 rgbtestsrc=$t" \
		"33 gradients=$t:c0=green:c1=yellow:speed=0.03" || return
	# A 320x180 window panning over a larger picture, its speed changing.
	_ff -f lavfi -i testsrc2=s=1280x720:r=30:d=6 \
		-vf "crop=320:180:x='480+470*sin(t*1.3)':y='270+260*sin(t*0.9)'" "${_X[@]}" "$d/pan.mp4" || return
	_ff -f lavfi -i testsrc=s=640x360:r=30:d=6 \
		-vf "zoompan=z='1+on/90':d=1:x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':s=320x180:fps=30" \
		"${_X[@]}" "$d/zoom.mp4" || return
	# White frames at 30 and 60-61 and a bright one at 85; the cut at 105;
	# a white frame at 145.
	_ff -f lavfi -i testsrc2=$s:d=3.5 -f lavfi -i mandelbrot=$s -filter_complex \
		"[0:v]drawbox=c=white:t=fill:enable='eq(n,30)+between(n,60,61)',eq=brightness=0.45:enable='eq(n,85)'[a];
		 [1:v]trim=end_frame=105,setpts=PTS-STARTPTS,drawbox=c=white:t=fill:enable='eq(n,40)'[b];
		 [a][b]concat=n=2:v=1[v]" -map '[v]' "${_X[@]}" "$d/flash.mp4" || return
	# Bars fade out over a second; the Mandelbrot set fades in over one.
	_ff -f lavfi -i smptebars=$s:d=3 -f lavfi -i mandelbrot=$s -filter_complex \
		"[0:v]fade=t=out:st=2:d=1[a];
		 [1:v]trim=duration=3,setpts=PTS-STARTPTS,fade=t=in:st=0:d=1[b];
		 [a][b]concat=n=2:v=1,format=yuv420p[v]" -map '[v]' "${_X[@]}" "$d/fade.mp4" || return
	_ff -f lavfi -i testsrc2=$s:d=3 -f lavfi -i smptebars=$s:d=3 -filter_complex \
		"[0:v]format=yuv420p[a];[1:v]format=yuv420p[b];[a][b]xfade=transition=dissolve:duration=1:offset=2[v]" \
		-map '[v]' "${_X[@]}" "$d/dissolve.mp4" || return
	# cuts.mp4 split and encoded to two rungs: vt-encode's lines, audio too.
	# shellcheck disable=SC2046
	vt-split -c 2 $(split_seg 2) -d "$d/chunks" "$d/cuts.mp4" >"$d/chunks.json" &&
		vt-encode -r 180p,90p -s 2 -P ultrafast -d "$d/enc" <"$d/chunks.json" >"$d/enc.jsonl" &&
		vt-encode --audio -s 2 -d "$d/enc" <"$d/chunks.json" >>"$d/enc.jsonl"
}

# enc_copy: a copy of the encode in ./enc, and its lines naming it in ./enc.jsonl.
enc_copy() {
	cp -r "$S/enc" enc &&
		jq -c --arg from "$S/enc/" --arg to "$PWD/enc/" \
			'(.path, .rungs[]?.path) |= ($to + ltrimstr($from))' "$S/enc.jsonl" >enc.jsonl
}

# f1 TRUTH DETECTED: F1 score of detected cut frames against the true
# ones, a detection within one frame of a cut counting as a hit.
f1() {
	awk 'NR == FNR { t[++nt] = $1; next } { d[++nd] = $1 }
		END { for (i = 1; i <= nt; i++) for (j = 1; j <= nd; j++)
			if (!used[j] && (d[j] - t[i]) ^ 2 <= 1) { used[j] = 1; tp++; break }
			printf "%.4f\n", nt + nd ? 2 * tp / (nt + nd) : 1 }' "$1" "$2"
}

# cuts_of JSON: the frame index of each cut, one a line.
cuts_of() {
	jq -r '.cuts[].frame' <<<"$1"
}

# assert_no_cuts FILE FRAMES: vt-scenes reads FRAMES frames and finds no cut.
assert_no_cuts() {
	run --separate-stderr vt-scenes "$1"
	assert_success
	assert_json "$output" ".frames == $2 and .cuts == []"
}

# vtt_ms HH:MM:SS.mmm: milliseconds.
vtt_ms() {
	awk -F: '{ printf "%d\n", ($1 * 3600 + $2 * 60 + $3) * 1000 + 0.5 }' <<<"$1"
}

# assert_chapters DIR SCENES-JSON MIN: the three files agree, cover the
# video from 0 to its end without gaps, and chapters start at cuts and
# last MIN seconds (or there is one).
assert_chapters() {
	local dir=$1 json=$2 min=$3 n dur cues
	[ -f "$dir/chapters.vtt" ] && [ -f "$dir/chapters.json" ] && [ -f "$dir/chapters-hls.json" ] ||
		{ flunk "missing chapter files in $dir: $(ls -A "$dir")"; return; }
	assert_equal "chapters-hls.json chapters.json chapters.vtt" "$(ls -A "$dir" | sort | paste -sd ' ')" || return
	n=$(jq '.chapters | length' "$dir/chapters.json")
	dur=$(jq .duration <<<"$json")
	assert_near "$dur" "$(jq .duration "$dir/chapters.json")" 0.0005 duration || return
	assert_json "$dir/chapters.json" "[.chapters[].index] == [range(1; $n + 1)]" || return
	assert_json "$dir/chapters.json" '.chapters[0].start == 0 and .chapters[-1].end == .duration' || return
	assert_json "$dir/chapters.json" '[.chapters as $c | range(1; $c | length) | $c[.].start == $c[. - 1].end] | all' || return
	assert_json "$dir/chapters.json" "(.chapters | length) == 1 or ([.chapters[] | .end - .start >= $min - 0.0005] | all)" || return
	assert_json "$dir/chapters.json" "[.chapters[1:][].start] - [$(jq -c '[.cuts[].time * 1000 | round / 1000]' <<<"$json")[]] == []" || return
	# WebVTT: the header, then blocks of an id, a timing line and one line of text.
	cues=$(awk 'NR == 1 { if ($0 != "WEBVTT") exit 1; next }
		NR == 2 { if ($0 != "") exit 1; next }
		$0 == "" { if (k != 3) exit 1; k = 0; next }
		{ k++ } k == 2 { if ($0 !~ /^[0-9][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9][0-9][0-9] --> [0-9][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9][0-9][0-9]$/) exit 1; n++ }
		END { if (k != 3) exit 1; print n }' "$dir/chapters.vtt") ||
		{ flunk "not a WebVTT file of chapter cues:"$'\n'"$(cat "$dir/chapters.vtt")"; return; }
	assert_equal "$n" "$cues" || return
	local i=0 start end
	while read -r start _ end; do
		assert_equal "$(jq ".chapters[$i].start * 1000 | round" "$dir/chapters.json")" "$(vtt_ms "$start")" || return
		assert_equal "$(jq ".chapters[$i].end * 1000 | round" "$dir/chapters.json")" "$(vtt_ms "$end")" || return
		i=$((i + 1))
	done < <(grep -- ' --> ' "$dir/chapters.vtt")
	# Apple's format: an array of entries with chapter, start-time, duration, titles.
	assert_json "$dir/chapters-hls.json" "type == \"array\" and length == $n" || return
	assert_json "$dir/chapters-hls.json" "[.[] | keys] | all(. == [\"chapter\", \"duration\", \"start-time\", \"titles\"])" || return
	assert_json "$dir/chapters-hls.json" "[.[].chapter] == [range(1; $n + 1)]" || return
	assert_json "$(jq -s '{c: .[0].chapters, h: .[1]}' "$dir/chapters.json" "$dir/chapters-hls.json")" \
		'[range(0; .c | length) as $i | .c[$i] as $c | .h[$i] as $h
		  | $h."start-time" == $c.start and ($h.duration - ($c.end - $c.start) | fabs) < 1e-6
		  and $h.duration > 0 and ($h.titles | length) == 1 and $h.titles[0].title == $c.title] | all'
}

@test "vt-scenes --help prints usage to stdout and exits 0" {
	run --separate-stderr vt-scenes --help
	assert_success
	assert_match '^usage: vt-scenes' "${lines[0]}"
	assert_match '--threshold' "$output"
	assert_match '--chapters' "$output"
	assert_equal "" "$stderr"
}

@test "vt-scenes --version prints 'vt-scenes (vt) VERSION'" {
	assert_version vt-scenes
}

@test "vt-scenes with a bad option exits 64 with usage on stderr only" {
	assert_bad_option vt-scenes
}

@test "vt-scenes with two files is a usage error" {
	run --separate-stderr vt-scenes "$S/pan.mp4" "$S/pan.mp4"
	assert_failure 64
	assert_equal "" "$output"
}

@test "vt-scenes --check prints the settings with its defaults, reading nothing" {
	run --separate-stderr vt-scenes --check
	assert_success
	assert_json "$output" '. == {threshold: 0.4, min_scene: 0.5, chapters: null}'
	run --separate-stderr vt-scenes --check -t 0.3 -c out -m 2 -T no-such-titles.txt
	assert_success
	assert_json "$output" '. == {threshold: 0.3, min_scene: 0.5,
		chapters: {min_length: 2, titles: "no-such-titles.txt", language: "en"}}'
	for args in "-t 1.5" "-t yes" "-m 2" "-c out -m -1"; do
		eval "run --separate-stderr vt-scenes --check $args"
		assert_failure 64
		assert_one_error vt-scenes
		assert_equal "" "$output"
	done
	[ ! -e out ]
}

@test "vt-scenes rejects thresholds, lengths and thread counts out of range with 64" {
	local args
	for args in "-t 1.5" "-t -0.1" "-t x" "--threshold=" "-s -1" "-m nan" "--threads 1000" "-l 9x" "-l en_US" "-l ''"; do
		eval "run --separate-stderr vt-scenes -c out $args $S/pan.mp4"
		assert_failure 64
		assert_one_error vt-scenes
		assert_equal "" "$output"
	done
	[ ! -e out ]
}

@test "vt-scenes: --min-chapter, --titles and --language need --chapters" {
	local args
	for args in "-m 5" "-T titles" "-l fr"; do
		run --separate-stderr vt-scenes $args "$S/pan.mp4"
		assert_failure 64
		assert_one_error vt-scenes
	done
}

@test "vt-scenes finds the known cuts with an F1 score of at least 0.95 (23 cuts, within a frame)" {
	local f i=0
	: >truth
	: >found
	# Frame indexes of each clip are offset clear of the others'.
	for f in cuts.mp4 cuts25.mkv; do
		i=$((i + 100000))
		run --separate-stderr vt-scenes "$S/$f"
		assert_success
		awk -v o=$i '{ print $1 + o }' "$S/$f.truth" >>truth
		cuts_of "$output" | awk -v o=$i '{ print $1 + o }' >>found
	done
	assert_le 23 "$(wc -l <truth)" "true cuts"
	echo "# F1 $(f1 truth found) over $(wc -l <truth) cuts" >&3
	assert_le 0.95 "$(f1 truth found)" "F1 (found: $(paste -sd ' ' found))"
}

@test "vt-scenes finds each cut of the clips at its exact frame" {
	local f
	for f in cuts.mp4 cuts25.mkv; do
		run --separate-stderr vt-scenes "$S/$f"
		assert_success
		assert_equal "$(paste -sd ' ' "$S/$f.truth")" "$(cuts_of "$output" | paste -sd ' ')"
	done
}

@test "vt-scenes: frame, pts and time of each cut are ffprobe's for that frame" {
	local f frames k pts time
	for f in cuts.mp4 cuts25.mkv; do
		run --separate-stderr vt-scenes "$S/$f"
		assert_success
		frames=$(fprobe -select_streams v:0 -show_entries frame=pts,pts_time -of json "$S/$f" |
			jq -r '.frames[] | "\(.pts),\(.pts_time)"')
		assert_json "$output" ".frames == $(wc -l <<<"$frames")"
		assert_json "$output" ".time_base == [$(stream_field "$S/$f" v:0 time_base | tr / ,)]"
		assert_json "$output" ".stream == $(stream_field "$S/$f" v:0 index)"
		while IFS=, read -r k pts time; do
			assert_equal "$(sed -n "$((k + 1))p" <<<"$frames" | cut -d, -f1)" "$pts" || return
			assert_near "$(sed -n "$((k + 1))p" <<<"$frames" | cut -d, -f2)" "$time" 0.000001 "time of frame $k" || return
		done < <(jq -r '.cuts[] | [.frame, .pts, .time] | @csv' <<<"$output")
	done
}

@test "vt-scenes prints one line of JSON: input, duration, threshold, cuts with scores" {
	local f=$S/cuts.mp4
	run --separate-stderr vt-scenes "$f"
	assert_success
	assert_equal 1 "${#lines[@]}"
	assert_equal "" "$stderr"
	assert_json "$output" ".input == \"$f\""
	assert_json "$output" '.threshold == 0.4 and .start_time == 0'
	assert_near "$(stream_duration "$f")" "$(jq .duration <<<"$output")" 0.0005 duration
	assert_json "$output" '[.cuts[] | keys == ["frame", "pts", "score", "time"]] | all'
	assert_json "$output" '[.cuts[].score | . >= 0.4 and . <= 1] | all'
	assert_json "$output" '[.cuts[].frame] | . == sort'
}

@test "vt-scenes --threshold: a higher one finds a subset, 0 finds a cut every --min-scene" {
	run --separate-stderr vt-scenes "$S/cuts.mp4"
	assert_success
	local all=$output
	run --separate-stderr vt-scenes --threshold 0.9 "$S/cuts.mp4"
	assert_success
	assert_json "$output" '.threshold == 0.9'
	assert_json "$output" '[.cuts[].score | . >= 0.9] | all'
	assert_json "$output" "[.cuts[].frame] - $(jq -c '[.cuts[].frame]' <<<"$all") == []"
	run --separate-stderr vt-scenes -t 0 -s 1 "$S/pan.mp4"
	assert_success
	assert_json "$output" '.cuts | length >= 4'
	assert_json "$output" '[.cuts as $c | range(1; $c | length) | $c[.].time - $c[. - 1].time >= 1] | all'
}

@test "vt-scenes --min-scene keeps cuts that far apart, and from the start" {
	run --separate-stderr vt-scenes --min-scene 2 "$S/cuts.mp4"
	assert_success
	assert_json "$output" '.cuts | length >= 5'
	assert_json "$output" '.cuts[0].time >= 2'
	assert_json "$output" '[.cuts as $c | range(1; $c | length) | $c[.].time - $c[. - 1].time >= 2] | all'
}

@test "vt-scenes finds no cut in a pan or a zoom" {
	assert_no_cuts "$S/pan.mp4" 180
	assert_no_cuts "$S/zoom.mp4" 180
}

@test "vt-scenes finds no cut at flashes, only the real cut" {
	run --separate-stderr vt-scenes "$S/flash.mp4"
	assert_success
	assert_json "$output" '[.cuts[].frame] == [105]'
}

@test "vt-scenes finds no cut in a fade out and a fade in" {
	assert_no_cuts "$S/fade.mp4" 180
}

@test "vt-scenes does not report a one-second dissolve as a cut" {
	assert_no_cuts "$S/dissolve.mp4" 150
}

@test "vt-scenes reads 10-bit video" {
	assert_no_cuts "$(fixture ten.mkv)" "$(frame_count "$(fixture ten.mkv)")"
}

@test "vt-scenes --threads does not change the result" {
	run --separate-stderr vt-scenes "$S/cuts.mp4"
	local auto=$output
	run --separate-stderr vt-scenes --threads 1 "$S/cuts.mp4"
	assert_success "$auto"
}

@test "vt-scenes reads a manifest {\"input\": FILE}, {\"source\": FILE} or vt-probe output on stdin" {
	local f=$S/flash.mp4 want
	want=$(vt-scenes "$f")
	run --separate-stderr vt-scenes < <(jq -n --arg f "$f" '{input: $f, extra: [1]}')
	assert_success "$want"
	run --separate-stderr vt-scenes < <(jq -n --arg f "$f" '{source: $f}')
	assert_success "$want"
	run --separate-stderr vt-scenes < <(vt-probe "$f")
	assert_success "$want"
}

@test "vt-scenes with a manifest that is not JSON or names no input exits 65" {
	run --separate-stderr vt-scenes <<<'{"input": '
	assert_failure 65
	assert_one_error vt-scenes
	run --separate-stderr vt-scenes <<<'{"output": "x.mp4"}'
	assert_failure 65
	assert_one_error vt-scenes
	run --separate-stderr vt-scenes <<<'{"input": 3}'
	assert_failure 65
	assert_one_error vt-scenes
	assert_equal "" "$output"
}

@test "vt-scenes of a missing file exits 66 naming it" {
	run --separate-stderr vt-scenes -c ch no-such-file.mp4
	assert_failure 66
	assert_one_error vt-scenes
	assert_match "no-such-file.mp4" "$stderr"
	assert_equal "" "$output"
	[ ! -e ch ]
}

@test "vt-scenes of an empty, text, truncated or audio-only file exits 65 with one line" {
	local name
	for name in zero.mp4 text.mp4 trunc.mp4 aonly.m4a; do
		run --separate-stderr vt-scenes -c ch "$(fixture "$name")"
		assert_failure 65
		assert_one_error vt-scenes
		assert_equal "" "$output"
		[ ! -e ch ] || flunk "$name: chapters written"
	done
	assert_match "no video" "$stderr"
}

@test "vt-scenes of a file that lost its tail exits 65" {
	local n
	_ff -i "$S/cuts.mp4" -map 0 -c copy -movflags +faststart fast.mp4
	n=$(stat -c %s fast.mp4)
	head -c $((n / 2)) fast.mp4 >half.mp4
	run --separate-stderr vt-scenes half.mp4
	assert_failure 65
	assert_match "vt-scenes: 'half.mp4' is truncated" "$stderr"
	assert_equal "" "$output"
}

@test "vt-scenes of a damaged file fails cleanly or warns, never crashes" {
	local n
	cp "$S/cuts25.mkv" bad.mkv
	n=$(stat -c %s bad.mkv)
	head -c 20000 /dev/urandom | dd of=bad.mkv bs=1 seek=$((n / 3)) conv=notrunc status=none
	run --separate-stderr vt-scenes bad.mkv
	[ "$status" -eq 0 ] || [ "$status" -eq 65 ] || flunk "exit status $status: $stderr"
	[ "$status" -ne 0 ] || assert_json "$output" '.cuts | type == "array"'
}

@test "vt-scenes with stdout on a full disk exits 74" {
	[ -w /dev/full ] || skip "no /dev/full"
	# vt_json_print dies without freeing its document: not a leak to chase here.
	ASAN_OPTIONS=${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0} \
		run --separate-stderr bash -c "vt-scenes '$S/flash.mp4' >/dev/full"
	assert_failure 74
	assert_one_error vt-scenes
}

@test "vt-scenes --chapters writes WebVTT, JSON and Apple HLS chapters that agree" {
	run --separate-stderr vt-scenes --chapters ch --min-chapter 3 "$S/cuts.mp4"
	assert_success
	assert_equal 1 "${#lines[@]}"
	assert_chapters ch "$output" 3
	assert_json ch/chapters.json '.chapters | length == 6'
	assert_json ch/chapters.json '.language == "en"'
	assert_json ch/chapters-hls.json '[.[].titles[0].language] | all(. == "en")'
}

@test "vt-scenes --chapters titles: Introduction, Chapter N, Outro with three or more; else Chapter N" {
	run --separate-stderr vt-scenes -c ch -m 3 "$S/cuts.mp4"
	assert_success
	assert_json ch/chapters.json '[.chapters[].title] == ["Introduction", "Chapter 1", "Chapter 2", "Chapter 3", "Chapter 4", "Outro"]'
	assert_equal "Outro" "$(tail -n 1 ch/chapters.vtt)"
	run --separate-stderr vt-scenes -c two "$S/cuts.mp4"
	assert_success
	assert_chapters two "$output" 10
	assert_json two/chapters.json '[.chapters[].title] == ["Chapter 1", "Chapter 2"]'
	run --separate-stderr vt-scenes -c one -m 30 "$S/cuts.mp4"
	assert_success
	assert_chapters one "$output" 30
	assert_json one/chapters.json '[.chapters[].title] == ["Chapter 1"]'
	assert_equal "00:00:00.000 --> 00:00:21.433" "$(sed -n 4p one/chapters.vtt)"
}

@test "vt-scenes --min-chapter 0 makes a chapter of every shot" {
	run --separate-stderr vt-scenes -c ch -m 0 "$S/cuts.mp4"
	assert_success
	assert_chapters ch "$output" 0
	assert_json ch/chapters.json ".chapters | length == $(jq '.cuts | length + 1' <<<"$output")"
}

@test "vt-scenes --titles: hostile titles are escaped in WebVTT and exact in JSON" {
	printf '%s\n' '</c>--> 00:00:09.000 --> 00:00:10.000' '' '<b>&"'"'"'' >titles
	printf 'A\rB\tC\001D\r\n  Ünïcödé ✓  \n' >>titles
	run --separate-stderr vt-scenes -c ch -m 3 --titles titles --language fr-CA "$S/cuts.mp4"
	assert_success
	assert_chapters ch "$output" 3
	assert_json ch/chapters.json '[.chapters[].title] == ["</c>--> 00:00:09.000 --> 00:00:10.000", "Chapter 1", "<b>&\"'"'"'", "A B C D", "Ünïcödé ✓", "Outro"]'
	assert_json ch/chapters-hls.json '[.[].titles[0].title] == ["</c>--> 00:00:09.000 --> 00:00:10.000", "Chapter 1", "<b>&\"'"'"'", "A B C D", "Ünïcödé ✓", "Outro"]'
	assert_json ch/chapters-hls.json '[.[].titles[0].language] | all(. == "fr-CA")'
	assert_equal '&lt;/c&gt;--&gt; 00:00:09.000 --&gt; 00:00:10.000' "$(sed -n 5p ch/chapters.vtt)"
	assert_equal '&lt;b&gt;&amp;"'"'" "$(sed -n 13p ch/chapters.vtt)"
	assert_equal 'A B C D' "$(sed -n 17p ch/chapters.vtt)"
	assert_equal 6 "$(grep -c -- '-->' ch/chapters.vtt)"
	! grep -q "$(printf '\r')" ch/chapters.vtt
}

@test "vt-scenes --titles: a missing file exits 66, one not UTF-8 exits 65, before any work" {
	run --separate-stderr vt-scenes -c ch -T no-such-titles "$S/cuts.mp4"
	assert_failure 66
	assert_one_error vt-scenes
	assert_match "no-such-titles" "$stderr"
	printf 'fine\n\377\376 bad\n' >latin
	run --separate-stderr vt-scenes -c ch -T latin "$S/cuts.mp4"
	assert_failure 65
	assert_one_error vt-scenes
	assert_match "line 2" "$stderr"
	assert_equal "" "$output"
	[ ! -e ch ]
}

@test "vt-scenes --chapters into a path that cannot be a folder exits 73" {
	touch file
	run --separate-stderr vt-scenes -c file/ch "$S/flash.mp4"
	assert_failure 73
	assert_one_error vt-scenes
	assert_equal "" "$output"
}

@test "vt-scenes reads vt-encode's lines: the smallest rung's chunks give the source's cuts and chapters" {
	run --separate-stderr vt-scenes -c src -m 3 "$S/cuts.mp4"
	assert_success
	local src=$output
	run --separate-stderr vt-scenes -c enc -m 3 <"$S/enc.jsonl"
	assert_success
	assert_equal "" "$stderr"
	assert_json "$output" ".input == \"$S/enc/90p\""
	assert_json "$output" ".frames == $(jq .frames <<<"$src") and .threshold == 0.4"
	assert_equal "$(paste -sd ' ' "$S/cuts.mp4.truth")" "$(cuts_of "$output" | paste -sd ' ')"
	assert_near "$(jq .duration <<<"$src")" "$(jq .duration <<<"$output")" 0.0005 duration
	# On the encode's timeline, which starts at the grid's offset.
	assert_json "$output" ".start_time == $(jq '.grid.offset' <(head -n 1 "$S/enc.jsonl"))"
	assert_json "$(jq -s '{s: .[0], e: .[1]}' <(echo "$src") <(echo "$output"))" \
		'[range(0; .s.cuts | length) as $i | (.s.cuts[$i].time - .s.start_time) - (.e.cuts[$i].time - .e.start_time)
		  | fabs < 0.0005] | all'
	diff -r src enc || flunk "the chapters differ from the source's"
	run --separate-stderr vt-scenes --rung 180p <"$S/enc.jsonl"
	assert_success
	assert_json "$output" ".input == \"$S/enc/180p\""
	assert_equal "$(paste -sd ' ' "$S/cuts.mp4.truth")" "$(cuts_of "$output" | paste -sd ' ')"
}

@test "vt-scenes: a chunk line naming a file out of the encode folder exits 65" {
	enc_copy || return
	mkdir -p other/90p
	cp enc/90p/c00001.ts other/90p/
	# Named there, and reached by a link from the encode folder.
	jq -c --arg p "$PWD/other/90p/c00001.ts" 'if .chunk == 1 then .rungs[1].path = $p else . end' enc.jsonl >out.jsonl
	run --separate-stderr vt-scenes -c ch <out.jsonl
	assert_failure 65
	assert_one_error vt-scenes
	assert_match "not in the encode folder" "$stderr"
	ln -sf "$PWD/other/90p/c00001.ts" enc/90p/c00001.ts
	run --separate-stderr vt-scenes -c ch <enc.jsonl
	assert_failure 65
	assert_one_error vt-scenes
	assert_match "'$PWD/enc/90p/c00001.ts' leads out of the encode folder" "$stderr"
	jq -c 'if .chunk == 1 then .rungs[1].path = "/etc/passwd" else . end' enc.jsonl >out.jsonl
	run --separate-stderr vt-scenes -c ch <out.jsonl
	assert_failure 65
	assert_match "'/etc/passwd' is not where vt-encode writes 90p/c00001.ts" "$stderr"
	assert_equal "" "$output"
	[ ! -e ch ] || flunk "chapters written"
}

@test "vt-scenes: a chunk file missing exits 66 naming it" {
	enc_copy || return
	rm enc/90p/c00002.ts
	run --separate-stderr vt-scenes -c ch <enc.jsonl
	assert_failure 66
	assert_one_error vt-scenes
	assert_match "cannot open '$PWD/enc/90p/c00002.ts'" "$stderr"
	assert_equal "" "$output"
	[ ! -e ch ] || flunk "chapters written"
}

@test "vt-scenes --rung: a rung the lines lack exits 65; with a file or a manifest, 64" {
	run --separate-stderr vt-scenes -r 720p <"$S/enc.jsonl"
	assert_failure 65
	assert_one_error vt-scenes
	assert_match "no rung '720p'" "$stderr"
	run --separate-stderr vt-scenes -r 90p "$S/cuts.mp4"
	assert_failure 64
	assert_one_error vt-scenes
	run --separate-stderr vt-scenes -r 90p < <(jq -n --arg f "$S/cuts.mp4" '{input: $f}')
	assert_failure 64
	assert_one_error vt-scenes
	grep '"audio"' "$S/enc.jsonl" >audio.jsonl
	run --separate-stderr vt-scenes <audio.jsonl
	assert_failure 65
	assert_match "no video" "$stderr"
}
