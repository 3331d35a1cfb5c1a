#!/usr/bin/env bats
# vt-hls's I-frame playlists: each byte range is read out of its segment
# with dd, decoded alone by ffmpeg and compared with the rendition's own key
# frames; the boxes and TS packets of each range are read with od; the
# master's figures are measured again from the ranges and from ffprobe's
# key frame times.

load test_helper

# One encode of shots.mp4 (B-frames; a cut at 3 s makes a key frame inside
# the 2 to 4 s segment), two rungs on a 2 s grid, packaged as fmp4 and ts.
setup_file() {
	fixtures shots.mp4
	cd "$BATS_FILE_TMPDIR" || return
	{
		encode_ladder "$(fixture shots.mp4)" 144p,90p superfast &&
		vt-hls -f fmp4 -d "$PWD/fmp4" <enc.jsonl >fmp4.json &&
		vt-hls -f ts -d "$PWD/ts" <enc.jsonl >ts.json
	} 2>setup.err
	echo $? >setup.status
}

setup() {
	vt_test_setup || return
	status=$(cat "$S/setup.status") output=$(cat "$S/setup.err")
	assert_success
}

# ranges PLAYLIST: "URI OFFSET LENGTH EXTINF" for each I-frame.
ranges() {
	awk -F'[:,@]' '/^#EXTINF:/ { d = $2 } /^#EXT-X-BYTERANGE:/ { n = $2; o = $3 }
		!/^#/ && NF { print $0, o, n, d }' "$1"
}

# range_file DIR URI OFFSET LENGTH: the range as a file ffmpeg reads alone,
# after the init section if the playlist has one.
range_file() {
	local f
	f=$BATS_TEST_TMPDIR/range.$(basename "$2").$3
	{
		[ ! -f "$1/init.mp4" ] || cat "$1/init.mp4"
		dd if="$1/$2" bs=1 skip="$3" count="$4" status=none
	} >"$f"
	echo "$f"
}

# key_md5s PLAYLIST: the MD5 of each key frame's picture, in order, decoded
# from the whole rendition.
key_md5s() {
	local f
	while read -r f; do
		ffmpeg -nostdin -v error -skip_frame nokey -i "$f" -map 0:v -f framemd5 - | grep -v '^#' |
			awk -F, '{ gsub(/ /, "", $6); print $6 }'
	done < <(segment_files "$1")
}

# ts_packets FILE OFFSET LENGTH: "PID PUSI" of each TS packet in the range.
ts_packets() {
	od -An -v -tu1 -w188 -j "$2" -N "$3" "$1" |
		awk '{ if ($1 != 71) print "nosync"; else print ($2 % 32) * 256 + $3, int($2 / 64) % 2 }'
}

# box_at FILE OFFSET: "SIZE TYPE" of the box at OFFSET.
box_at() {
	od -An -v -tu1 -j "$2" -N 8 "$1" |
		awk '{ printf "%d %c%c%c%c\n", (($1 * 256 + $2) * 256 + $3) * 256 + $4, $5, $6, $7, $8 }'
}

@test "iframe: every rung has an I-frame playlist of byte ranges into its own segments" {
	local f r pl uri off len d
	for f in fmp4 ts; do
		for r in 144p 90p; do
			pl=$S/$f/$r/iframes.m3u8
			[ -f "$pl" ] || flunk "no $f/$r/iframes.m3u8"
			grep -qx '#EXT-X-I-FRAMES-ONLY' "$pl" || flunk "$pl: no EXT-X-I-FRAMES-ONLY"
			grep -qx '#EXT-X-PLAYLIST-TYPE:VOD' "$pl" && grep -qx '#EXT-X-ENDLIST' "$pl" ||
				flunk "$pl is no complete VOD playlist"
			[ "$(ranges "$pl" | wc -l)" -eq "$(playlist_uris "$pl" | wc -l)" ] ||
				flunk "$pl: a URI without a byte range"
			if [ $f = fmp4 ]; then
				assert_equal '#EXT-X-VERSION:6' "$(grep '^#EXT-X-VERSION' "$pl")"
				assert_equal init.mp4 "$(playlist_init "$pl")"
			else
				assert_equal '#EXT-X-VERSION:4' "$(grep '^#EXT-X-VERSION' "$pl")"
				assert_equal "" "$(playlist_init "$pl")"
			fi
			while read -r uri off len d; do
				playlist_uris "$S/$f/$r/index.m3u8" | grep -qxF "$uri" || flunk "$uri is no segment of $r"
				[ "$((off + len))" -le "$(stat -c %s "$S/$f/$r/$uri")" ] || flunk "$uri: $len@$off runs past the end"
			done < <(ranges "$pl")
			# no second copy of any media
			assert_equal "$({ echo index.m3u8; echo iframes.m3u8; playlist_uris "$S/$f/$r/index.m3u8"; } |
				LC_ALL=C sort | paste -sd ' ')" \
				"$(ls "$S/$f/$r" | grep -vx init.mp4 | LC_ALL=C sort | paste -sd ' ')"
		done
	done
}

@test "iframe: each range decodes alone to one key frame, the rendition's key frames in order" {
	local f r pl uri off len d got want file
	for f in fmp4 ts; do
		for r in 144p 90p; do
			pl=$S/$f/$r/iframes.m3u8
			got=
			while read -r uri off len d; do
				file=$(range_file "$S/$f/$r" "$uri" "$off" "$len")
				assert_equal "1,I" "$(ffprobe -v error -select_streams v:0 \
					-show_entries frame=key_frame,pict_type -of csv=p=0 "$file" | cut -d, -f1,2)" || return
				got+=$(ffmpeg -nostdin -v error -i "$file" -map 0:v -f framemd5 - | grep -v '^#' |
					awk -F, '{ gsub(/ /, "", $6); print $6 }')$'\n'
			done < <(ranges "$pl")
			want=$(key_md5s "$S/$f/$r/index.m3u8")
			[ "$(wc -l <<<"$want")" -ge 5 ] || flunk "$f/$r: only $(wc -l <<<"$want") key frames"
			assert_equal "$want" "${got%$'\n'}"
		done
	done
}

@test "iframe: a key frame inside a segment has its own range there" {
	# the cut at 3 s: the 144p rung's second segment holds two key frames
	assert_equal 2 "$(ranges "$S/fmp4/144p/iframes.m3u8" | awk '$1 == "seg_00001.m4s"' | wc -l)"
	assert_equal 2 "$(ranges "$S/ts/144p/iframes.m3u8" | awk '$1 == "seg_00001.ts"' | wc -l)"
}

@test "iframe: an fMP4 range is a moof and its mdat up to the end of the key frame, its first sample" {
	local r uri off len d a t1 b t2 file
	for r in 144p 90p; do
		while read -r uri off len d; do
			read -r a t1 < <(box_at "$S/fmp4/$r/$uri" "$off")
			read -r b t2 < <(box_at "$S/fmp4/$r/$uri" $((off + a)))
			assert_equal "moof mdat" "$t1 $t2" || return
			[ "$len" -gt $((a + 8)) ] && [ "$len" -le $((a + b)) ] || flunk "$uri: $len@$off is not inside moof $a and mdat $b"
			file=$(range_file "$S/fmp4/$r" "$uri" "$off" "$len")
			assert_equal $((len - a - 8)) "$(ffprobe -v error -select_streams v:0 -show_entries packet=size \
				-of csv=p=0 "$file" | head -n 1)" || return
		done < <(ranges "$S/fmp4/$r/iframes.m3u8")
	done
}

# assert_ts_ranges DIR: each range of DIR/iframes.m3u8 is whole TS packets:
# SI tables with a PAT and a PMT, then one PES on the video PID, whole.
assert_ts_ranges() {
	local uri off len d seg pk next
	while read -r uri off len d; do
		seg=$1/$uri
		[ $((off % 188)) -eq 0 ] && [ $((len % 188)) -eq 0 ] || flunk "$uri: $len@$off is not whole packets"
		pk=$(ts_packets "$seg" "$off" "$len")
		# SI tables (SDT 17, PAT 0, PMT 4096), then one PES on the video PID
		awk '!v && $1 == 0 { pat = 1 } !v && $1 == 4096 { pmt = 1 }
			!v && $1 != 0 && $1 != 17 && $1 != 4096 && $1 != 256 { bad = 1 }
			$1 == 256 && $2 != !v { bad = 1 } $1 == 256 { v++ }
			END { exit bad || !pat || !pmt || !v }' <<<"$pk" ||
			flunk "$uri $len@$off: packets (PID PUSI) $(head -n 5 <<<"$pk" | paste -sd ' ')"
		# the next video packet, if any, starts the next PES
		next=$(ts_packets "$seg" $((off + len)) $(($(stat -c %s "$seg") - off - len)) | awk '$1 == 256 { print $2; exit }')
		[ -z "$next" ] || [ "$next" = 1 ] || flunk "$uri $len@$off ends inside a PES"
	done < <(ranges "$1/iframes.m3u8")
}

@test "iframe: a TS range starts on a packet with PAT and PMT ahead of the key frame's PES, and holds it whole" {
	assert_ts_ranges "$S/ts/144p"
	assert_ts_ranges "$S/ts/90p"
}

@test "iframe: in all-intra TS, where the muxer writes no PAT between key frames, each range still has one" {
	local f
	cp -r "$S/enc" enc
	for f in enc/144p/c*.ts; do
		ffmpeg -nostdin -v error -copyts -i "$f" -map 0:v -c:v libx264 -preset ultrafast -g 1 -bf 0 \
			-muxdelay 0 -muxpreload 0 -f mpegts "$f.new" && mv "$f.new" "$f" || return
	done
	jq -c --arg from "$S/enc/" --arg to "$PWD/enc/" 'select(.type == "video") | .rungs |= [.[0]] |
		(.rungs[].path) |= ($to + ltrimstr($from))' "$S/video.jsonl" >enc.jsonl
	run --separate-stderr vt-hls -f ts -d out <enc.jsonl
	assert_success
	assert_equal 270 "$(ranges out/144p/iframes.m3u8 | wc -l)"
	assert_ts_ranges out/144p
}

@test "iframe: each EXTINF lasts until the next key frame, and they add up to the rendition" {
	local f r times dur
	for f in fmp4 ts; do
		for r in 144p 90p; do
			times=$(for s in $(segment_files "$S/$f/$r/index.m3u8"); do keyframe_times "$s" v:0; done)
			dur=$(jq ".renditions[] | select(.name == \"$r\") | .duration" "$S/$f.json")
			paste <(ranges "$S/$f/$r/iframes.m3u8" | awk '{ print $4 }') \
				<(awk -v end="$dur" 'NR == 1 { o = $1 } NR > 1 { print $1 - p } { p = $1 } END { print end - (p - o) }' <<<"$times") |
				awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 0.0005) { print "EXTINF " $1 " vs " $2; bad = 1 } }
					END { exit bad }' || flunk "$f/$r: EXTINF off the key frames"
		done
	done
}

@test "iframe: the master lists each with its measured peak and average rate, CODECS and RESOLUTION" {
	local f r line inf uri off len d peak avg
	for f in fmp4 ts; do
		for r in 144p 90p; do
			line=$(grep "^#EXT-X-I-FRAME-STREAM-INF:.*URI=\"$r/iframes.m3u8\"" "$S/$f/master.m3u8")
			[ -n "$line" ] || flunk "$f: no EXT-X-I-FRAME-STREAM-INF for $r"
			inf=$(stream_inf "$S/$f/master.m3u8" "$r/index.m3u8")
			assert_equal "$(attr "$inf" CODECS | cut -d, -f1)" "$(attr "$line" CODECS)"
			assert_equal "$(attr "$inf" RESOLUTION)" "$(attr "$line" RESOLUTION)"
			# bytes as dd reads them, durations from the next test's check
			read -r peak avg < <(while read -r uri off len d; do
				echo "$(dd if="$S/$f/$r/$uri" bs=1 skip="$off" count="$len" status=none | wc -c) $d"
			done < <(ranges "$S/$f/$r/iframes.m3u8") |
				awk '{ r = $1 * 8 / $2; if (r > m) m = r; b += $1; t += $2 } END { print m, b * 8 / t }')
			assert_near "$peak" "$(attr "$line" BANDWIDTH)" 1 "$f $r BANDWIDTH"
			assert_near "$avg" "$(attr "$line" AVERAGE-BANDWIDTH)" 1 "$f $r AVERAGE-BANDWIDTH"
			assert_json "$S/$f.json" ".renditions[] | select(.name == \"$r\") | .iframes |
				.playlist == \"$r/iframes.m3u8\" and .bandwidth == $(attr "$line" BANDWIDTH)
				and .average_bandwidth == $(attr "$line" AVERAGE-BANDWIDTH)
				and .frames == $(ranges "$S/$f/$r/iframes.m3u8" | wc -l)"
		done
		# after every variant, as players that skip them expect
		[ "$(grep -n '^#EXT-X-STREAM-INF' "$S/$f/master.m3u8" | tail -n 1 | cut -d: -f1)" -lt \
			"$(grep -n '^#EXT-X-I-FRAME-STREAM-INF' "$S/$f/master.m3u8" | head -n 1 | cut -d: -f1)" ] ||
			flunk "an I-frame stream before a variant"
	done
	assert_json "$S/fmp4.json" '.audio | has("iframes") | not'
}

@test "iframe: Shaka Player plays each I-frame stream in trick play, fMP4 and TS, and then the rest, with no error" {
	local f j want
	[ -x "${CHROMIUM:=/usr/bin/chromium}" ] && command -v node >/dev/null &&
		[ -d "$VT_ROOT/tests/browser/node_modules/playwright-core" ] ||
		{ [ -z "${CI:-}" ] || flunk "no browser"; skip "no chromium, node or tests/browser/node_modules"; }
	for f in fmp4 ts; do
		run --separate-stderr node "$VT_ROOT/tests/browser/trick.js" --root "$S/$f" --chromium "$CHROMIUM"
		assert_success || return
		j=$output
		assert_json "$j" '.failure == null and .errors == [] and .pageErrors == [] and .failures == []'
		# each variant with the I-frame stream of its own rung
		assert_json "$j" '[.trickStreams[] | .height == .trick] == [true, true]'
		assert_json "$j" '.rangesInTrick > 0 and .trick.rate == 4 and .trick.time > .before + 3'
		assert_json "$j" '.after.rate == 1 and (.end.time - .end.duration | fabs) < 0.1'
		# every byte range it asked for is an I-frame of the playlists
		want=$(for r in 144p 90p; do
			ranges "$S/$f/$r/iframes.m3u8" | awk -v r="$r" '{ print "/" r "/" $1 " " $2 "-" $2 + $3 - 1 }'
		done | LC_ALL=C sort)
		assert_equal "" "$(jq -r '.ranges[]' <<<"$j" | LC_ALL=C sort -u | comm -13 <(echo "$want") -)"
	done
}
