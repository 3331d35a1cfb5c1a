# Media facts, all measured with ffprobe (never with vt-probe); answers are
# cached per test file by fprobe.

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

# extent FILE [SELECTOR]: last minus first presentation time.
extent() {
	packets "$@" | awk -F, '$1 != "" && $1 != "N/A" && $3 !~ /D/ {
		if (!n++ || $1 < s) s = $1; if ($1 > m) m = $1 }
		END { if (n) printf "%.6f\n", m - s }'
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
