# Test media: tiny deterministic clips generated once per suite run into
# VT_FIXTURES and shared between parallel bats processes.

_ffmpeg() {
	ffmpeg -nostdin -hide_banner -loglevel error -y "$@"
}

# Deterministic sources; BITEXACT keeps encoder strings out of the bytes.
_SRC_V=testsrc2=s=320x180:r=30
_BITEXACT=(-map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact)

# _two_seconds HZ RATE ARGS...: 2 s of the test picture and a stereo tone of
# HZ at RATE; ARGS are the rest of the ffmpeg command.
_two_seconds() {
	local hz=$1 rate=$2
	shift 2
	_ffmpeg -f lavfi -i "$_SRC_V:d=2" -f lavfi -i "sine=f=$hz:sample_rate=$rate:d=2" -ac 2 "$@"
}

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
		_two_seconds 440 48000 \
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
		_two_seconds 550 48000 -vf setsar=4/3 \
			-c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 30 \
			-c:a aac -b:a 64k "${_BITEXACT[@]}" -f mp4 "$out" ;;
	rot.mp4)
		# A portrait phone video: shown turned 90 degrees clockwise. FFmpeg 5.1
		# stores rotate=270 as that display matrix (ffprobe: rotation -90).
		_ffmpeg -i "$(fixture short.mp4)" -map 0 -c copy -metadata:s:v:0 rotate=270 \
			-fflags +bitexact -f mp4 "$out" ;;
	ten.mkv)
		_two_seconds 660 48000 \
			-c:v libx264 -preset ultrafast -pix_fmt yuv420p10le -g 30 \
			-c:a aac -b:a 64k "${_BITEXACT[@]}" -f matroska "$out" ;;
	hevc.mkv)
		_two_seconds 770 48000 \
			-c:v libx265 -preset ultrafast -x265-params log-level=error:keyint=30 \
			-pix_fmt yuv420p -c:a aac -b:a 64k "${_BITEXACT[@]}" -f matroska "$out" ;;
	vp9.webm)
		_two_seconds 880 48000 \
			-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 300k -g 30 \
			-c:a libopus -b:a 64k "${_BITEXACT[@]}" -f webm "$out" ;;
	vp8.webm)
		_two_seconds 990 44100 \
			-c:v libvpx -deadline realtime -cpu-used 16 -b:v 300k -g 30 \
			-c:a libvorbis -q:a 2 "${_BITEXACT[@]}" -f webm "$out" ;;
	mp3.mkv)
		_two_seconds 1100 44100 \
			-c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 30 \
			-c:a libmp3lame -b:a 96k "${_BITEXACT[@]}" -f matroska "$out" ;;
	langs.mkv)
		# 6 s, three audio languages: English 5.1, French stereo marked
		# default (at 44.1 kHz), a Spanish mono commentary with a title.
		_ffmpeg -f lavfi -i "$_SRC_V:d=6" -f lavfi -i "sine=f=440:sample_rate=48000:d=6" \
			-f lavfi -i "sine=f=550:sample_rate=44100:d=6" -f lavfi -i "sine=f=660:sample_rate=48000:d=6" \
			-map 0:v -map 1:a -map 2:a -map 3:a -c:v libx264 -preset ultrafast -g 30 \
			-pix_fmt yuv420p -c:a aac -b:a 64k -ac:a:0 6 -ac:a:1 2 -ac:a:2 1 \
			-metadata:s:a:0 language=eng -metadata:s:a:1 language=fre \
			-metadata:s:a:2 language=spa -metadata:s:a:2 "title=Director's commentary" \
			-disposition:a:0 0 -disposition:a:1 default -disposition:a:2 comment \
			"${_BITEXACT[@]}" -f matroska "$out" ;;
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

# encode_ladder SOURCE RES PRESET: in the current folder, SOURCE split into
# 2 s chunks on a 2 s grid and encoded to the rungs RES with the x264
# PRESET, and its audio: chunks.json, video.jsonl, audio.jsonl, and both
# in enc.jsonl, vt-hls's input.
encode_ladder() {
	# shellcheck disable=SC2046
	vt-split -c 2 $(split_seg 2) -d "$PWD/chunks" "$1" >chunks.json &&
		vt-encode -r "$2" -s 2 -P "$3" -d "$PWD/enc" <chunks.json >video.jsonl &&
		vt-encode --audio -s 2 -d "$PWD/enc" <chunks.json >audio.jsonl &&
		cat video.jsonl audio.jsonl >enc.jsonl
}
