# Shared setup, assertions and media helpers for the vt bats suite.
# Media facts are always measured with ffprobe, never with vt-probe.
# shellcheck disable=SC2154 # status, output, stderr, lines: set by bats' run

bats_require_minimum_version 1.5.0

VT_ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
VT_BIN=${VT_BIN:-$VT_ROOT/bin}
PATH=$VT_BIN:/usr/local/bin:/usr/bin:/bin
export VT_ROOT VT_BIN PATH
# A sanitizer build must fail the test, not just print.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# Fixtures are generated once per suite run; tests/run shares one cache
# between parallel bats processes through VT_FIXTURES.
VT_FIXTURES=${VT_FIXTURES:-$BATS_RUN_TMPDIR/fixtures}
export VT_FIXTURES

# vt_test_setup: each test in a fresh folder with its own HOME; S is the
# folder the test file's setup_file shares. A file that needs more in its
# setup() calls this first.
vt_test_setup() {
	cd "$BATS_TEST_TMPDIR" || return
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	S=$BATS_FILE_TMPDIR
}

setup() {
	vt_test_setup
}

# --- assertions (after rbenv's test/test_helper.bash) -----------------------

flunk() {
	{
		if [ "$#" -eq 0 ]; then cat -
		else echo "$@"
		fi
	} | sed "s:${BATS_TEST_TMPDIR:-/nonexistent}:TEST_DIR:g" >&2
	return 1
}

assert_success() {
	if [ "$status" -ne 0 ]; then
		flunk "command failed with exit status $status" \
			$'\noutput: '"$output"${stderr:+$'\nstderr: '"$stderr"}
	elif [ "$#" -gt 0 ]; then
		assert_output "$1"
	fi
}

# assert_failure [STATUS]
assert_failure() {
	if [ "$status" -eq 0 ]; then
		flunk "expected failure, command succeeded"$'\noutput: '"$output"
	elif [ "$#" -gt 0 ] && [ "$status" -ne "$1" ]; then
		flunk "expected exit status $1, got $status" \
			$'\noutput: '"$output"${stderr:+$'\nstderr: '"$stderr"}
	fi
}

assert_equal() {
	if [ "$1" != "$2" ]; then
		{
			echo "expected: $1"
			echo "actual:   $2"
		} | flunk
	fi
}

# assert_output [EXPECTED]; without an argument the expected text is stdin.
assert_output() {
	local expected
	if [ $# -eq 0 ]; then expected=$(cat -)
	else expected=$1
	fi
	assert_equal "$expected" "$output"
}

# assert_line [INDEX] LINE: LINE is lines[INDEX], or any line.
assert_line() {
	if [ "$1" -ge 0 ] 2>/dev/null; then
		assert_equal "$2" "${lines[$1]}"
	else
		local line
		for line in "${lines[@]}"; do
			[ "$line" = "$1" ] && return 0
		done
		flunk "expected line '$1'"$'\noutput: '"$output"
	fi
}

refute_line() {
	local line
	for line in "${lines[@]}"; do
		[ "$line" != "$1" ] || { flunk "unexpected line '$1'"$'\noutput: '"$output"; return; }
	done
	return 0
}

# assert_match REGEX TEXT
assert_match() {
	[[ $2 =~ $1 ]] || flunk "expected to match /$1/:"$'\n'"$2"
}

# assert_near EXPECTED ACTUAL TOLERANCE [WHAT]
assert_near() {
	awk -v e="$1" -v a="$2" -v t="$3" 'BEGIN {
		if (e == "" || a == "") exit 1
		d = e - a; if (d < 0) d = -d; exit !(d <= t) }' ||
		flunk "${4:-value}: expected $1 +/- $3, got ${2:-nothing}"
}

# assert_le A B [WHAT]: A <= B numerically.
assert_le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }' ||
		flunk "${3:-value}: expected ${1:-nothing} <= $2"
}

# assert_json FILE_OR_TEXT JQ-FILTER: the filter must yield true.
assert_json() {
	local json=$1 filter=$2 got
	[ -f "$json" ] && json=$(cat "$json")
	got=$(jq -e "$filter" <<<"$json" 2>&1) ||
		flunk "jq '$filter' is ${got:-false} for:"$'\n'"$(head -c 2000 <<<"$json")"
}

# assert_one_error TOOL: stderr is one line "TOOL: message".
assert_one_error() {
	local err=${stderr-$output}
	[ "$(printf '%s\n' "$err" | grep -c .)" -eq 1 ] ||
		flunk "expected one line on stderr, got:"$'\n'"$err"
	assert_match "^$1: [^ ].*" "$err"
}

# --- media helpers, all on ffprobe ------------------------------------------

# Answers are kept per test file, keyed on the arguments and on the identity
# (inode, size, mtime) of the files named: the same question about the same
# file costs one ffprobe per file. Media written in setup_file stays put.
fprobe() {
	local dir=${BATS_FILE_TMPDIR:+$BATS_FILE_TMPDIR/.fprobe} key arg out
	if [ -z "$dir" ]; then
		ffprobe -v error -hide_banner "$@"
		return
	fi
	key=$({
		printf '%s\n' "$@"
		for arg in "$@"; do
			[ -f "$arg" ] && stat -L -c '%n %i %s %.9Y' -- "$arg"
		done
	} | sha1sum | cut -c1-40)
	if [ ! -f "$dir/$key" ]; then
		mkdir -p "$dir"
		out=$(ffprobe -v error -hide_banner "$@") || { printf '%s\n' "$out"; return 1; }
		printf '%s\n' "$out" >"$dir/$key.$$" && mv "$dir/$key.$$" "$dir/$key"
	fi
	cat "$dir/$key"
}

# stream_field FILE SELECTOR FIELD: one field of one stream (v:0, a:0).
stream_field() {
	fprobe -select_streams "$2" -show_entries "stream=$3" -of default=nw=1:nk=1 "$1" | head -n 1
}

# stream_fields FILE SELECTOR FIELD...: fields of one stream, comma-separated
# in the order asked.
stream_fields() {
	local file=$1 sel=$2 json
	shift 2
	json=$(fprobe -select_streams "$sel" -show_entries "stream=$(IFS=,; echo "$*")" -of json "$file")
	jq -r --args '.streams[0] as $s | [$ARGS.positional[] | $s[.] // "" | tostring] | join(",")' "$@" <<<"$json"
}

format_field() {
	fprobe -show_entries "format=$2" -of default=nw=1:nk=1 "$1"
}

# vinfo FILE: the first video stream as compact JSON, with "rotation" (as
# ffprobe reports it, 0 if none) and "dar" (display aspect ratio) added.
vinfo() {
	fprobe -select_streams v:0 -show_entries stream:stream_side_data=rotation -of json "$1" |
		jq -c '.streams[0] // {} | .rotation = ([.side_data_list[]?.rotation // empty][0] // 0)
			| .sar = ((.sample_aspect_ratio // "1:1") | split(":") | map(tonumber)
				| if .[0] > 0 and .[1] > 0 then .[0] / .[1] else 1 end)
			| .dar = (if .width then .width * .sar / .height else null end)
			| if .rotation % 180 != 0 and .dar then .dar = 1 / .dar else . end'
}

# frame_count FILE_OR_PLAYLIST [SELECTOR]: decoded frames (ffprobe -count_frames).
frame_count() {
	fprobe -select_streams "${2:-v:0}" -count_frames \
		-show_entries stream=nb_read_frames -of default=nw=1:nk=1 "$1" | head -n 1
}

# packet_count FILE_OR_PLAYLIST [SELECTOR]: packets read (ffprobe -count_packets).
packet_count() {
	fprobe -select_streams "${2:-v:0}" -count_packets \
		-show_entries stream=nb_read_packets -of default=nw=1:nk=1 "$1" | head -n 1
}

# duration FILE: container duration in seconds.
duration() {
	format_field "$1" duration
}

# packets FILE [SELECTOR]: "pts,duration,flags" per packet, decode order.
packets() {
	fprobe -select_streams "${2:-v:0}" \
		-show_entries packet=pts_time,duration_time,flags -of csv=p=0 "$1"
}

# span FILE [SELECTOR]: first presentation time, and end of the last
# frame, "START END". Discarded packets (AAC priming) do not count.
span() {
	packets "$@" | awk -F, '
		$1 != "" && $1 != "N/A" && $3 !~ /D/ { e = $1 + ($2 == "N/A" ? 0 : $2)
			if (!n++ || $1 < s) s = $1
			if (e > m) m = e }
		END { if (n) printf "%.6f %.6f\n", s, m }'
}

# stream_duration FILE [SELECTOR]: seconds from first to end of last frame.
stream_duration() {
	span "$@" | awk '{ printf "%.6f\n", $2 - $1 }'
}

# audio_length FILE: seconds of decoded audio (decoder delay and priming that
# the container marks are not counted).
audio_length() {
	local sr
	sr=$(stream_field "$1" a:0 sample_rate)
	fprobe -select_streams a:0 -show_entries frame=nb_samples -of csv=p=0 "$1" |
		awk -F, -v sr="$sr" '$1 > 0 { n += $1 } END { if (sr) printf "%.6f\n", n / sr }'
}

# keyframe_times FILE [SELECTOR]: presentation times of keyframes, sorted.
keyframe_times() {
	packets "$@" | awk -F, '$3 ~ /K/ { printf "%.6f\n", $1 }' | sort -n
}

# first_packet FILE: "pts,duration,flags" of the first video packet.
first_packet() {
	fprobe -select_streams v:0 -read_intervals '%+#1' \
		-show_entries packet=pts_time,duration_time,flags -of csv=p=0 "$1" | head -n 1
}

# starts_with_keyframe FILE: the first video packet is a keyframe.
starts_with_keyframe() {
	local p
	p=$(first_packet "$1")
	[[ $(cut -d, -f3 <<<"$p") == *K* ]] || flunk "'$1' does not start with a keyframe (first packet: ${p:-none})"
}

# frame_rate FILE: video frame rate as a decimal.
frame_rate() {
	stream_field "$1" v:0 r_frame_rate | awk -F/ '{ printf "%.6f\n", $1 / ($2 ? $2 : 1) }'
}

# rotation FILE: display-matrix rotation as ffprobe reports it (0 if none).
rotation() {
	local r
	r=$(fprobe -select_streams v:0 -show_entries stream_side_data=rotation \
		-of default=nw=1:nk=1 "$1" | head -n 1)
	echo "${r:-0}"
}

# display_aspect FILE: width*SAR/height after rotation.
display_aspect() {
	vinfo "$1" | jq '.dar'
}

# changed A B [FRAME]: "x0 y0 x1 y1 n sum" of the pixels whose luma differs
# by more than 16 between frame FRAME (default 0) of A and of B: their
# bounding box, count and summed difference; "none" if no pixel does.
changed() {
	local w
	w=$(stream_field "$1" v:0 width)
	ffmpeg -v error -nostdin -i "$1" -i "$2" -lavfi "[0:v]select=eq(n\\,${3:-0}),format=gray[a];
		[1:v]select=eq(n\\,${3:-0}),format=gray[b];[a][b]blend=all_mode=difference" \
		-frames:v 1 -f rawvideo - | od -An -v -tu1 -w"$w" | awk '
		{ for (i = 1; i <= NF; i++) if ($i > 16) { x = i - 1; y = NR - 1
			if (!n++) { x0 = x1 = x; y0 = y1 = y }
			if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y
			s += $i } }
		END { if (n) print x0, y0, x1, y1, n, s; else print "none" }'
}

# --- HLS helpers -------------------------------------------------------------

# playlist_uris PLAYLIST: segment URIs in order.
playlist_uris() {
	grep -v '^#' "$1" | grep -v '^[[:space:]]*$'
}

# playlist_extinf PLAYLIST: EXTINF durations in order.
playlist_extinf() {
	sed -n 's/^#EXTINF:\([0-9.]*\).*/\1/p' "$1"
}

# playlist_init PLAYLIST: the EXT-X-MAP URI, if any.
playlist_init() {
	sed -n 's/^#EXT-X-MAP:.*URI="\([^"]*\)".*/\1/p' "$1" | head -n 1
}

# segment_files PLAYLIST: for each segment, a file ffprobe can read alone
# (fmp4 segments are joined to their init section).
segment_files() {
	local pl=$1 dir init uri n=0 tmp
	dir=$(dirname "$pl")
	init=$(playlist_init "$pl")
	tmp=${BATS_FILE_TMPDIR:-${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}}/.segs/$(printf '%s' "$(cd "$dir" && pwd)" | sha1sum | cut -c1-16)
	mkdir -p "$tmp"
	while read -r uri; do
		if [ -n "$init" ]; then
			if [ ! "$tmp/$n.mp4" -nt "$dir/$uri" ] || [ ! "$tmp/$n.mp4" -nt "$dir/$init" ]; then
				cat "$dir/$init" "$dir/$uri" >"$tmp/$n.mp4"
			fi
			echo "$tmp/$n.mp4"
		else
			echo "$dir/$uri"
		fi
		n=$((n + 1))
	done < <(playlist_uris "$pl")
}

# master_rungs MASTER: media playlist URIs of the video variants.
master_rungs() {
	awk '/^#EXT-X-STREAM-INF/ { getline; print }' "$1"
}

# stream_inf MASTER PLAYLIST-URI: the EXT-X-STREAM-INF line of a variant.
stream_inf() {
	awk -v uri="$2" '/^#EXT-X-STREAM-INF/ { inf = $0; getline; if ($0 == uri) print inf }' "$1"
}

# --- fixtures ----------------------------------------------------------------

_ffmpeg() {
	ffmpeg -nostdin -hide_banner -loglevel error -y "$@"
}

# Deterministic sources; BITEXACT keeps encoder strings out of the bytes.
_SRC_V=testsrc2=s=320x180:r=30
_BITEXACT=(-map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact)

_make_fixture() {
	local name=$1 out=$2 d
	case $name in
	clip.mp4)
		# B-frames, keyframes every 1.5 s so chunks do not fall on the 2 s grid.
		_ffmpeg -f lavfi -i "$_SRC_V:d=5" \
			-f lavfi -i "sine=f=440:sample_rate=48000:d=5" -ac 2 \
			-c:v libx264 -preset ultrafast -bf 3 -g 45 -keyint_min 45 -sc_threshold 0 \
			-pix_fmt yuv420p -c:a aac -b:a 96k "${_BITEXACT[@]}" -f mp4 "$out" ;;
	short.mp4)
		_ffmpeg -f lavfi -i "$_SRC_V:d=2" \
			-f lavfi -i "sine=f=440:sample_rate=48000:d=2" -ac 2 \
			-c:v libx264 -preset ultrafast -bf 2 -g 30 -sc_threshold 0 \
			-pix_fmt yuv420p -c:a aac -b:a 96k "${_BITEXACT[@]}" -f mp4 "$out" ;;
	shots.mp4)
		# Three shots of 3 s: cuts at 3 and 6 s.
		_ffmpeg -f lavfi -i "$_SRC_V:d=3" -f lavfi -i "smptebars=s=320x180:r=30:d=3" \
			-f lavfi -i "mandelbrot=s=320x180:r=30" -f lavfi -i "sine=f=440:sample_rate=48000:d=9" \
			-filter_complex "[0:v]format=yuv420p[a];[1:v]format=yuv420p[b];[2:v]trim=end_frame=90,format=yuv420p[c];[a][b][c]concat=n=3:v=1[v]" \
			-map '[v]' -map 3:a -ac 2 -c:v libx264 -preset ultrafast -bf 2 -g 30 -pix_fmt yuv420p \
			-c:a aac -b:a 64k "${_BITEXACT[@]}" -f mp4 "$out" ;;
	vonly.mp4)
		_ffmpeg -i "$(fixture clip.mp4)" -map 0:v -c copy "${_BITEXACT[@]}" -f mp4 "$out" ;;
	aonly.m4a)
		_ffmpeg -i "$(fixture clip.mp4)" -map 0:a -c copy "${_BITEXACT[@]}" -f ipod "$out" ;;
	odd.mp4)
		# libx264 wants even sizes for 4:2:0; 4:4:4 allows 321x241.
		_ffmpeg -f lavfi -i "testsrc2=s=320x240:r=25:d=2" \
			-f lavfi -i "sine=f=330:sample_rate=48000:d=2" -ac 2 -vf scale=321:241 \
			-c:v libx264 -preset ultrafast -pix_fmt yuv444p -g 25 \
			-c:a aac -b:a 64k "${_BITEXACT[@]}" -f mp4 "$out" ;;
	sar.mp4)
		_ffmpeg -f lavfi -i "$_SRC_V:d=2" \
			-f lavfi -i "sine=f=550:sample_rate=48000:d=2" -ac 2 -vf setsar=4/3 \
			-c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 30 \
			-c:a aac -b:a 64k "${_BITEXACT[@]}" -f mp4 "$out" ;;
	rot.mp4)
		# A portrait phone video: shown turned 90 degrees clockwise. FFmpeg 5.1
		# stores rotate=270 as that display matrix (ffprobe: rotation -90).
		_ffmpeg -i "$(fixture short.mp4)" -map 0 -c copy -metadata:s:v:0 rotate=270 \
			-fflags +bitexact -f mp4 "$out" ;;
	ten.mkv)
		_ffmpeg -f lavfi -i "$_SRC_V:d=2" \
			-f lavfi -i "sine=f=660:sample_rate=48000:d=2" -ac 2 \
			-c:v libx264 -preset ultrafast -pix_fmt yuv420p10le -g 30 \
			-c:a aac -b:a 64k "${_BITEXACT[@]}" -f matroska "$out" ;;
	hevc.mkv)
		_ffmpeg -f lavfi -i "$_SRC_V:d=2" \
			-f lavfi -i "sine=f=770:sample_rate=48000:d=2" -ac 2 \
			-c:v libx265 -preset ultrafast -x265-params log-level=error:keyint=30 \
			-pix_fmt yuv420p -c:a aac -b:a 64k "${_BITEXACT[@]}" -f matroska "$out" ;;
	vp9.webm)
		_ffmpeg -f lavfi -i "$_SRC_V:d=2" \
			-f lavfi -i "sine=f=880:sample_rate=48000:d=2" -ac 2 \
			-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 300k -g 30 \
			-c:a libopus -b:a 64k "${_BITEXACT[@]}" -f webm "$out" ;;
	vp8.webm)
		_ffmpeg -f lavfi -i "$_SRC_V:d=2" \
			-f lavfi -i "sine=f=990:sample_rate=44100:d=2" -ac 2 \
			-c:v libvpx -deadline realtime -cpu-used 16 -b:v 300k -g 30 \
			-c:a libvorbis -q:a 2 "${_BITEXACT[@]}" -f webm "$out" ;;
	mp3.mkv)
		_ffmpeg -f lavfi -i "$_SRC_V:d=2" \
			-f lavfi -i "sine=f=1100:sample_rate=44100:d=2" -ac 2 \
			-c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 30 \
			-c:a libmp3lame -b:a 96k "${_BITEXACT[@]}" -f matroska "$out" ;;
	zero.mp4)
		: >"$out" ;;
	trunc.mp4)
		d=$(fixture clip.mp4)
		head -c $(($(stat -c %s "$d") * 30 / 100)) "$d" >"$out" ;;
	text.mp4)
		printf 'This is not a video.\nJust two lines of text.\n' >"$out" ;;
	*)
		echo "fixture: unknown fixture '$name'" >&2
		return 1 ;;
	esac
}

# fixture NAME: print the path of a cached fixture, generating it first.
fixture() {
	local name=$1 path=$VT_FIXTURES/$1
	if [ ! -e "$path" ]; then
		mkdir -p "$VT_FIXTURES"
		(
			flock 9
			if [ ! -e "$path" ]; then
				_make_fixture "$name" "$path+" && mv "$path+" "$path"
			fi
		) 9>"$path.lock" || { rm -f "$path+"; flunk "fixture: cannot make '$name'"; return 1; }
	fi
	echo "$path"
}

# fixtures NAME...: generate several fixtures (for setup_file).
fixtures() {
	local name
	for name in "$@"; do
		fixture "$name" >/dev/null || return
	done
}

# split_seg SECONDS: "-s SECONDS" when vt-split cuts on a segment grid of its
# own (it then rounds -c up to whole segments); nothing when it cuts at
# keyframes only, as the spec has it. Tests that need several chunks from a
# short clip pass both -c and this.
split_seg() {
	if vt-split --help 2>/dev/null | grep -q -- '--seg'; then
		echo "-s $1"
	fi
}

# free_port: a TCP port on loopback that nothing listens on.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		ss -Htan "( sport = :$p )" | grep -q . || { echo "$p"; return; }
	done
}

# --- the make pipeline -------------------------------------------------------

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
	status=$(cat "$S/$1.status") output=$(cat "$S/$1.stderr")
	assert_success || return
	[ -f "$OUT/master.m3u8" ] || flunk "no $OUT/master.m3u8"
}

# --- claims about a whole HLS ladder (OUT/master.m3u8) -----------------------
# Each checks one claim for every rendition and flunks naming the culprit.

# audio_uri OUT: URI of the EXT-X-MEDIA audio rendition, if any.
audio_uri() {
	sed -n 's/^#EXT-X-MEDIA:.*TYPE=AUDIO.*URI="\([^"]*\)".*/\1/p' "$1/master.m3u8" | head -n 1
}

# ladder_video OUT: paths of the video media playlists, master order.
ladder_video() {
	local uri a
	a=$(audio_uri "$1")
	while read -r uri; do
		[ "$uri" = "$a" ] || echo "$1/$uri"
	done < <(master_rungs "$1/master.m3u8")
}

# ladder_all OUT: every media playlist, video then audio.
ladder_all() {
	ladder_video "$1"
	local a
	a=$(audio_uri "$1")
	[ -z "$a" ] || echo "$1/$a"
}

# _need_rungs OUT: at least one video rendition exists.
_need_rungs() {
	[ -f "$1/master.m3u8" ] || { flunk "no $1/master.m3u8"; return; }
	[ -n "$(ladder_video "$1")" ] || flunk "no video renditions in $1/master.m3u8"
}

# extent FILE [SELECTOR]: last minus first presentation time.
extent() {
	packets "$@" | awk -F, '$1 != "" && $1 != "N/A" && $3 !~ /D/ {
		if (!n++ || $1 < s) s = $1; if ($1 > m) m = $1 }
		END { if (n) printf "%.6f\n", m - s }'
}

# assert_ladder_frames OUT SOURCE: every rendition has the source's frames.
assert_ladder_frames() {
	local want pl got
	_need_rungs "$1" || return
	want=$(frame_count "$2")
	for pl in $(ladder_video "$1"); do
		got=$(frame_count "$pl")
		[ "$got" = "$want" ] || { flunk "$pl: ${got:-no} frames, source has $want"; return; }
	done
}

# assert_ladder_duration OUT SOURCE: every rendition lasts as long as the
# source (first to last frame), within one frame.
assert_ladder_duration() {
	local fps want pl
	_need_rungs "$1" || return
	fps=$(frame_rate "$2")
	want=$(extent "$2")
	for pl in $(ladder_video "$1"); do
		assert_near "$want" "$(extent "$pl")" "$(awk -v f="$fps" 'BEGIN { print 1 / f + 0.0005 }')" \
			"$pl: first to last frame" || return
	done
}

# assert_ladder_extinf OUT SOURCE: EXTINF adds up to the source's duration
# within one frame, in every media playlist.
assert_ladder_extinf() {
	local fps want pl sum
	_need_rungs "$1" || return
	fps=$(frame_rate "$2")
	want=$(stream_field "$2" v:0 duration)
	[ "$want" != N/A ] || want=$(duration "$2")
	for pl in $(ladder_video "$1"); do
		sum=$(playlist_extinf "$pl" | awk '{ s += $1 } END { printf "%.6f\n", s }')
		assert_near "$want" "$sum" "$(awk -v f="$fps" 'BEGIN { print 1 / f + 0.0005 }')" \
			"$pl: sum of EXTINF" || return
	done
}

# assert_ladder_extinf_frames OUT SOURCE: each segment's EXTINF is its
# frame count over the source's (constant) frame rate, within 1 ms.
assert_ladder_extinf_frames() {
	local fps pl seg n got want
	_need_rungs "$1" || return
	fps=$(frame_rate "$2")
	for pl in $(ladder_video "$1"); do
		n=0
		got=$(playlist_extinf "$pl")
		for seg in $(segment_files "$pl"); do
			n=$((n + 1))
			want=$(awk -v c="$(packet_count "$seg")" -v f="$fps" 'BEGIN { printf "%.6f\n", c / f }')
			assert_near "$want" "$(sed -n "${n}p" <<<"$got")" 0.001 "$pl: EXTINF of segment $n" || return
		done
	done
}

# assert_ladder_audio OUT SOURCE: the audio rendition, from where the video
# starts, is as long as the source's decoded audio within one AAC frame.
# Without video the encoder's priming frame may count, so two frames.
assert_ladder_audio() {
	local a start want got sr frames=1
	a=$(audio_uri "$1")
	[ -n "$a" ] || { flunk "no audio rendition in $1/master.m3u8"; return; }
	[ -f "$1/$a" ] || { flunk "no $1/$a"; return; }
	want=$(audio_length "$2")
	sr=$(stream_field "$1/$a" a:0 sample_rate)
	if [ -n "$(ladder_video "$1")" ]; then
		start=$(span "$(ladder_video "$1" | head -n 1)" | cut -d' ' -f1)
	else
		start=$(span "$1/$a" a:0 | cut -d' ' -f1)
		frames=2
	fi
	got=$(span "$1/$a" a:0 | awk -v s="$start" '{ printf "%.6f\n", $2 - s }')
	assert_near "$want" "$got" "$(awk -v sr="$sr" -v n=$frames 'BEGIN { print n * 1024 / sr + 0.0005 }')" \
		"$1/$a: audio length"
}

# assert_ladder_keyframes OUT: every segment of every rendition starts with
# a keyframe.
assert_ladder_keyframes() {
	local pl seg n
	_need_rungs "$1" || return
	for pl in $(ladder_video "$1"); do
		n=0
		for seg in $(segment_files "$pl"); do
			starts_with_keyframe "$seg" || { flunk "in $pl, segment $n"; return; }
			n=$((n + 1))
		done
		[ "$n" -gt 0 ] || { flunk "$pl: no segments"; return; }
	done
}

# segment_starts PLAYLIST: start time of each segment (its first frame).
segment_starts() {
	local seg
	for seg in $(segment_files "$1"); do
		first_packet "$seg" | awk -F, '{ printf "%.3f\n", $1 }'
	done
}

# assert_ladder_aligned OUT: segments start at the same times, and have the
# same EXTINF, in every rendition.
assert_ladder_aligned() {
	local pl first a b
	_need_rungs "$1" || return
	first=$(ladder_video "$1" | head -n 1)
	a=$(segment_starts "$first")
	for pl in $(ladder_video "$1" | tail -n +2); do
		b=$(segment_starts "$pl")
		[ "$a" = "$b" ] || { flunk "segment starts differ: $first: $(paste -sd' ' <<<"$a"); $pl: $(paste -sd' ' <<<"$b")"; return; }
		[ "$(playlist_extinf "$first")" = "$(playlist_extinf "$pl")" ] ||
			{ flunk "EXTINF differ: $first: $(playlist_extinf "$first" | paste -sd' '); $pl: $(playlist_extinf "$pl" | paste -sd' ')"; return; }
	done
}

# assert_ladder_seg OUT SEG: no segment is longer than SEG + 0.5 s, and
# TARGETDURATION covers every EXTINF rounded.
assert_ladder_seg() {
	local pl max target
	_need_rungs "$1" || return
	for pl in $(ladder_all "$1"); do
		max=$(playlist_extinf "$pl" | sort -g | tail -n 1)
		assert_le "$max" "$(awk -v s="$2" 'BEGIN { print s + 0.5 }')" "$pl: longest EXTINF" || return
		target=$(sed -n 's/^#EXT-X-TARGETDURATION:\([0-9]*\).*/\1/p' "$pl")
		assert_le "$(awk -v m="$max" 'BEGIN { printf "%d\n", m + 0.5 }')" "${target:-x}" \
			"$pl: TARGETDURATION" || return
	done
}

# assert_media_playlists OUT [FORMAT]: VOD playlists that end, whose
# segments (and init sections for fmp4) exist.
assert_media_playlists() {
	local pl uri init dir
	_need_rungs "$1" || return
	for pl in $(ladder_all "$1"); do
		dir=$(dirname "$pl")
		[ "$(head -n 1 "$pl")" = "#EXTM3U" ] || { flunk "$pl: no #EXTM3U"; return; }
		grep -qx '#EXT-X-PLAYLIST-TYPE:VOD' "$pl" || { flunk "$pl: no EXT-X-PLAYLIST-TYPE:VOD"; return; }
		[ "$(grep . "$pl" | tail -n 1)" = "#EXT-X-ENDLIST" ] || { flunk "$pl: does not end with EXT-X-ENDLIST"; return; }
		[ "$(playlist_uris "$pl" | wc -l)" -eq "$(playlist_extinf "$pl" | wc -l)" ] ||
			{ flunk "$pl: EXTINF and URI counts differ"; return; }
		for uri in $(playlist_uris "$pl"); do
			[ -s "$dir/$uri" ] || { flunk "$pl: segment '$uri' missing"; return; }
		done
		init=$(playlist_init "$pl")
		case ${2:-} in
		fmp4)
			[ -s "$dir/$init" ] || { flunk "$pl: no init section (EXT-X-MAP)"; return; }
			playlist_uris "$pl" | grep -qv '\.m4s$' && { flunk "$pl: fmp4 segments not .m4s"; return; } ;;
		ts)
			[ -z "$init" ] || { flunk "$pl: EXT-X-MAP in a ts playlist"; return; }
			playlist_uris "$pl" | grep -qv '\.ts$' && { flunk "$pl: ts segments not .ts"; return; } ;;
		esac
	done
	return 0
}

# attr LINE NAME: an attribute of an HLS tag line, quotes removed.
attr() {
	grep -o "[,:]$2=\(\"[^\"]*\"\|[^,]*\)" <<<"$1" | head -n 1 | sed 's/^.[^=]*=//; s/"//g'
}

# avc1_of VINFO: the RFC 6381 profile and level bytes of an H.264 stream as
# a regex, "avc1.PP..LL" (the constraint byte is left open).
avc1_of() {
	jq -r '"avc1." + ({"Baseline": "42", "Constrained Baseline": "42", "Main": "4d",
		"High": "64"}[.profile] // "??") + ".." + ([(.level / 16 | floor), (.level % 16)]
		| map("0123456789abcdef"[.:.+1]) | join(""))' <<<"$1"
}

# assert_master OUT SOURCE [noaudio]: the master playlist's tags.
assert_master() {
	local m=$1/master.m3u8 pl inf uri seg codecs res fps bw abw a first v
	_need_rungs "$1" || return
	[ "$(head -n 1 "$m")" = "#EXTM3U" ] || { flunk "$m: no #EXTM3U"; return; }
	grep -qx '#EXT-X-INDEPENDENT-SEGMENTS' "$m" || { flunk "$m: no EXT-X-INDEPENDENT-SEGMENTS"; return; }
	a=$(grep '^#EXT-X-MEDIA:' "$m" | grep 'TYPE=AUDIO' || true)
	if [ "${3:-}" = noaudio ]; then
		[ -z "$a" ] || { flunk "$m: audio group for a source without audio"; return; }
	else
		[ "$(attr "$a" GROUP-ID)" = audio ] || { flunk "$m: no EXT-X-MEDIA TYPE=AUDIO,GROUP-ID=\"audio\""; return; }
		[ -f "$1/$(attr "$a" URI)" ] || { flunk "$m: audio URI '$(attr "$a" URI)' missing"; return; }
	fi
	fps=$(frame_rate "$2")
	for pl in $(ladder_video "$1"); do
		uri=${pl#"$1"/}
		inf=$(stream_inf "$m" "$uri")
		bw=$(attr "$inf" BANDWIDTH) abw=$(attr "$inf" AVERAGE-BANDWIDTH)
		codecs=$(attr "$inf" CODECS) res=$(attr "$inf" RESOLUTION)
		[[ $bw =~ ^[1-9][0-9]*$ ]] || { flunk "$uri: BANDWIDTH '$bw'"; return; }
		[[ $abw =~ ^[1-9][0-9]*$ ]] || { flunk "$uri: AVERAGE-BANDWIDTH '$abw'"; return; }
		[ "$abw" -le "$bw" ] || { flunk "$uri: AVERAGE-BANDWIDTH $abw > BANDWIDTH $bw"; return; }
		first=$(segment_files "$pl" | head -n 1)
		v=$(vinfo "$first")
		[[ ${codecs%%,*} =~ ^$(avc1_of "$v")$ ]] ||
			{ flunk "$uri: CODECS '$codecs', stream is $(avc1_of "$v")"; return; }
		if [ "${3:-}" = noaudio ]; then
			[[ $codecs != *mp4a* ]] || { flunk "$uri: CODECS '$codecs' names audio"; return; }
			[ -z "$(attr "$inf" AUDIO)" ] || { flunk "$uri: AUDIO group without audio"; return; }
		else
			[[ $codecs =~ ^avc1\.[0-9a-f]{6},mp4a\.40\.2$ ]] || { flunk "$uri: CODECS '$codecs'"; return; }
			[ "$(attr "$inf" AUDIO)" = audio ] || { flunk "$uri: AUDIO='$(attr "$inf" AUDIO)'"; return; }
		fi
		[ "$res" = "$(jq -r '"\(.width)x\(.height)"' <<<"$v")" ] ||
			{ flunk "$uri: RESOLUTION '$res' is not the stream's size"; return; }
		assert_near "$fps" "$(attr "$inf" FRAME-RATE)" 0.001 "$uri: FRAME-RATE" || return
		# BANDWIDTH is at least the video's own peak segment bitrate.
		seg=$(paste <(playlist_extinf "$pl") <(playlist_uris "$pl") | while read -r d u; do
			echo "$(stat -c %s "$(dirname "$pl")/$u") $d"; done |
			awk '{ r = $1 * 8 / $2; if (r > m) m = r } END { printf "%d\n", m }')
		assert_le "$seg" "$bw" "$uri: BANDWIDTH vs peak video segment bitrate" || return
	done
}

# assert_ladder_yuv420p OUT SOURCE: 8-bit 4:2:0 H.264 with even sizes,
# square pixels and the source's display aspect ratio (within 2%).
assert_ladder_yuv420p() {
	local pl seg want v got w h
	_need_rungs "$1" || return
	want=$(display_aspect "$2")
	for pl in $(ladder_video "$1"); do
		seg=$(segment_files "$pl" | head -n 1)
		v=$(vinfo "$seg")
		got=$(jq -r '"\(.codec_name),\(.pix_fmt)"' <<<"$v")
		[ "$got" = h264,yuv420p ] || { flunk "$pl: $got, not h264,yuv420p"; return; }
		w=$(jq .width <<<"$v") h=$(jq .height <<<"$v")
		[ $((w % 2 + h % 2)) -eq 0 ] || { flunk "$pl: odd size ${w}x$h"; return; }
		jq -e '.sar == 1' <<<"$v" >/dev/null || { flunk "$pl: pixels not square ($(jq -r .sample_aspect_ratio <<<"$v"))"; return; }
		jq -e '.rotation == 0' <<<"$v" >/dev/null || { flunk "$pl: still carries a rotation"; return; }
		assert_near "$want" "$(jq .dar <<<"$v")" \
			"$(awk -v a="$want" 'BEGIN { print a * 0.02 }')" "$pl: display aspect of ${w}x$h" || return
	done
}

# assert_no_temp_files OUT: no half-written (or hidden temporary) files were
# left behind, outside OUT/.work.
assert_no_temp_files() {
	local left
	left=$(find "$1" -mindepth 1 -path "$1/.work" -prune -o \( -name '*+' -o -name '*.tmp' -o -name '.*' \) -print)
	[ -z "$left" ] || flunk "temporary files left: $left"
}

# min_frame_psnr PLAYLIST SOURCE: the lowest per-frame PSNR (dB) of the
# rendition against the source scaled to its size. A frame shown at the
# wrong time pairs with a neighbour and scores far lower than the rest.
min_frame_psnr() {
	local wh stats
	wh=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height \
		-of csv=s=x:p=0 "$1" | grep -m 1 x) || return
	stats=$(mktemp)
	ffmpeg -v error -nostdin -i "$1" -i "$2" -lavfi \
		"[0:v]setpts=PTS-STARTPTS[a];[1:v]setpts=PTS-STARTPTS,scale=${wh/x/:}:flags=bicubic[b];[a][b]psnr=stats_file=$stats:shortest=1" \
		-f null - || { rm -f "$stats"; return 1; }
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^psnr_avg:/) { split($i, a, ":"); v = a[2] + 0;
		if (min == "" || v < min) min = v } } END { print min }' "$stats"
	rm -f "$stats"
}

# assert_version TOOL: --version prints "TOOL (vt) X.Y.Z" and exits 0.
assert_version() {
	run --separate-stderr "$1" --version
	assert_success
	assert_match "^$1 \\(vt\\) [0-9]+\\.[0-9]+\\.[0-9]+\$" "$output"
}

# assert_bad_option TOOL [ARGS...]: an unknown option exits 64, prints
# nothing on stdout and the usage on stderr.
assert_bad_option() {
	local tool=$1
	shift
	run --separate-stderr "$tool" --bogus "$@"
	assert_failure 64
	assert_equal "" "$output"
	assert_match "usage: $tool" "$stderr"
}

# --- servers on loopback: S3 (tests/s3d.js) and HTTP (tests/httpd.js) ------
# scripts/install-deps installs node and tests/node_modules (s3rver).

S3_KEY=vtkey
S3_SECRET=vt-secret-7f3a9c21e5
# A temporary key, valid only with its session token (not with MinIO).
S3_TMP_KEY=vttemp
S3_TMP_SECRET=vt-secret-tmp-4b8d0e
S3_TMP_TOKEN=vt-token-91c2f0
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
export S3_KEY S3_SECRET S3_TMP_KEY S3_TMP_SECRET S3_TMP_TOKEN EMPTY_SHA256

# need_node: skip unless node and the test servers' packages are installed.
need_node() {
	command -v node >/dev/null || skip "node is not installed (scripts/install-deps)"
	[ -d "$VT_ROOT/tests/node_modules/s3rver" ] || skip "tests/node_modules is missing (scripts/install-deps)"
}

# _serve DIR SCRIPT ARGS...: start node SCRIPT in the background, its port
# in DIR/port and its pid in DIR/pid; wait until it listens.
_serve() {
	local dir=$1 script=$2 i
	shift 2
	node "$VT_ROOT/tests/$script" "$@" >"$dir/port" 2>"$dir/stderr" 3>&- &
	echo $! >"$dir/pid"
	for ((i = 0; i < 200; i++)); do
		[ -s "$dir/port" ] && return 0
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.05
	done
	flunk "$script did not start: $(cat "$dir/stderr")"
}

# s3_start DIR [ARGS...]: an S3 server storing into DIR, with the bucket
# "videos" and every request logged to DIR/log (see tests/faults.js); MinIO
# behind it when MinIO is installed, else s3rver. ARGS go to s3d.js.
# Exports the AWS_* settings for it, and S3_LOG, S3_DIR.
s3_start() {
	local dir=$1 up=() p
	shift
	mkdir -p "$dir/data"
	: >"$dir/log"
	if command -v minio >/dev/null; then
		p=$((20000 + RANDOM % 20000))
		MINIO_ROOT_USER=$S3_KEY MINIO_ROOT_PASSWORD=$S3_SECRET \
			minio server --quiet --address "127.0.0.1:$p" "$dir/data" >"$dir/minio.log" 2>&1 3>&- &
		echo $! >"$dir/minio.pid"
		up=(--upstream "http://127.0.0.1:$p")
	fi
	_serve "$dir" s3d.js --dir "$dir/data" --log "$dir/log" --key "$S3_KEY:$S3_SECRET" \
		--key "$S3_TMP_KEY:$S3_TMP_SECRET:$S3_TMP_TOKEN" --bucket videos "${up[@]}" "$@" || return
	S3_DIR=$dir S3_LOG=$dir/log
	AWS_ENDPOINT_URL=http://127.0.0.1:$(cat "$dir/port")
	AWS_ACCESS_KEY_ID=$S3_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET AWS_REGION=us-east-1
	export S3_DIR S3_LOG AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
	unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3 AWS_DEFAULT_REGION
	if [ ${#up[@]} -gt 0 ]; then
		for ((p = 0; p < 100; p++)); do
			s3curl -X PUT "$AWS_ENDPOINT_URL/videos" >/dev/null 2>&1 && return 0
			sleep 0.1
		done
		flunk "MinIO did not start: $(cat "$dir/minio.log")"
	fi
}

# server_stop DIR: stop what s3_start or http_start started there.
server_stop() {
	local f
	for f in "$1/pid" "$1/minio.pid"; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	return 0
}

# s3curl ARGS...: the independent client: curl signing with SigV4 itself.
s3curl() {
	curl -sS --aws-sigv4 "aws:amz:${AWS_REGION:-us-east-1}:s3" --user "$S3_KEY:$S3_SECRET" \
		-H "x-amz-content-sha256: $EMPTY_SHA256" "$@"
}

# s3_object KEY FILE [HEADERS]: fetch videos/KEY into FILE (its response
# headers into HEADERS); fails unless the answer is 200.
s3_object() {
	local code
	code=$(s3curl -o "$2" -D "${3:-/dev/null}" -w '%{http_code}' "$AWS_ENDPOINT_URL/videos/$1") &&
		[ "$code" = 200 ] || { echo "GET videos/$1: $code" >&2; return 1; }
}

# s3_uploads PREFIX: the keys of the multipart uploads open under PREFIX.
s3_uploads() {
	s3curl "$AWS_ENDPOINT_URL/videos/?prefix=${1//\//%2F}&uploads=" | grep -o '<Key>[^<]*</Key>' | sed 's/<[^>]*>//g'
}

# faults JSON: queue faults (tests/faults.js) on the server at URL, or the
# S3 one. faults_clear [URL]: none.
faults() {
	curl -sS -f -X POST "${2:-$AWS_ENDPOINT_URL}/__vt/faults" -d "$1" >/dev/null
}
faults_clear() {
	curl -sS -f -X DELETE "${1:-$AWS_ENDPOINT_URL}/__vt/faults" >/dev/null
}

# http_start DIR: a web server for the files in DIR/root, logging to
# DIR/log; sets HTTP_URL.
http_start() {
	mkdir -p "$1/root"
	: >"$1/log"
	_serve "$1" httpd.js --root "$1/root" --log "$1/log" || return
	HTTP_URL=http://127.0.0.1:$(cat "$1/port")
	export HTTP_URL
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds, or fail.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" 2>/dev/null; do
		[ "$SECONDS" -lt "$end" ] || { flunk "timed out waiting for: $*"; return 1; }
		sleep 0.2
	done
}
