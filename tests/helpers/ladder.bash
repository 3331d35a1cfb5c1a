# Claims about a whole HLS ladder (OUT/master.m3u8): each checks one claim
# for every rendition and flunks naming the culprit.

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
