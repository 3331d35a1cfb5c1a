# Reading HLS playlists: segment URIs, EXTINF, init sections, master variants,
# tag attributes.

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

# attr LINE NAME: an attribute of an HLS tag line, quotes removed.
attr() {
	grep -o "[,:]$2=\(\"[^\"]*\"\|[^,]*\)" <<<"$1" | head -n 1 | sed 's/^.[^=]*=//; s/"//g'
}
