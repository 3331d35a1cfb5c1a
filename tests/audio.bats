#!/usr/bin/env bats
# Every audio stream of the source as its own AAC rendition: a Matroska
# source with English 5.1, French stereo (marked default) and a Spanish
# mono commentary goes through the pipeline (the English also as 5.1); ffprobe reads each
# rendition's language and channels, the master is read line by line, and
# hls.js in headless Chromium switches the language. AUDIO (or the job
# file's "audio") chooses streams; a bad choice stops the job before any
# encoding.

load test_helper

setup_file() {
	local f=$VT_FIXTURES j=$BATS_FILE_TMPDIR/job.json
	fixtures langs.mkv clip.mp4 || return
	printf '{"audio": [3, "eng"]}\n' >"$j"
	set -- \
		"langs $f/langs.mkv RES=90p" \
		"langsts $f/langs.mkv RES=90p FORMAT=ts" \
		"fra $f/langs.mkv RES=90p AUDIO=fra" \
		"byjob $f/langs.mkv RES=90p JOB=$j" \
		"one $f/clip.mp4 RES=90p" \
		"badlang $f/langs.mkv RES=90p AUDIO=eng,x1" \
		"twice $f/langs.mkv RES=90p AUDIO=fr,fre" \
		"absent $f/langs.mkv RES=90p AUDIO=deu"
	pipelines "$@"
}

# The master's audio lines for the langs source, as Apple's authoring
# specification asks: a BCP 47 LANGUAGE from each stream's tag (fre -> fr),
# a NAME from the title or the language, DEFAULT on the stream marked
# default, no AUTOSELECT for the commentary, which keeps its
# characteristic; CHANNELS as encoded: the English 5.1 stream downmixed to
# stereo, and in 5.1 too.
LANGS_MEDIA='#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="en",NAME="English",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio_1/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="en",NAME="English (5.1)",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="6",URI="audio_1_51/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="fr",NAME="French",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio_2/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="es",NAME="Director'"'"'s commentary",DEFAULT=NO,AUTOSELECT=NO,CHARACTERISTICS="public.auxiliary-content",CHANNELS="1",URI="audio_3/index.m3u8"'

media_lines() {
	grep '^#EXT-X-MEDIA:TYPE=AUDIO' "$1/master.m3u8"
}

# rendition_facts PLAYLIST: "codec profile channels language" of the first
# segment's audio, read by ffprobe.
rendition_facts() {
	fprobe -select_streams a:0 -show_entries stream=codec_name,profile,channels:stream_tags=language \
		-of json "$(segment_files "$1" | head -n 1)" |
		jq -r '.streams[0] | "\(.codec_name) \(.profile) \(.channels) \(.tags.language // "none")"'
}

# assert_renditions OUT: each EXT-X-MEDIA line's media is AAC-LC with the
# line's channels and the ISO 639-2 form of its language.
assert_renditions() {
	local line uri want
	while read -r line; do
		uri=$(attr "$line" URI)
		want="aac LC $(attr "$line" CHANNELS) $(jq -rn --arg l "$(attr "$line" LANGUAGE)" \
			'{en: "eng", fr: "fra", es: "spa"}[$l] // "none"')"
		assert_equal "$want" "$(rendition_facts "$1/$uri")" || { flunk "$uri"; return; }
	done < <(media_lines "$1")
}

# starts PLAYLIST TYPE: the time of each segment's first packet of the
# stream type (a or v).
starts() {
	local seg
	for seg in $(segment_files "$1"); do
		fprobe -select_streams "$2:0" -read_intervals '%+#1' -show_entries packet=pts_time \
			-of csv=p=0 "$seg" | head -n 1
	done
}

# assert_on_grid OUT: every audio rendition has the video's segment count,
# and each of its segments after the first starts within one AAC frame of
# the video's (the first starts with the encoder's priming, before 0).
assert_on_grid() {
	local v a line
	v=$(starts "$1/90p/index.m3u8" v)
	while read -r line; do
		a=$(starts "$1/$(attr "$line" URI)" a)
		[ "$(wc -l <<<"$a")" -eq "$(wc -l <<<"$v")" ] ||
			{ flunk "$(attr "$line" URI): $(wc -l <<<"$a") segments, video $(wc -l <<<"$v")"; return; }
		paste <(echo "$v") <(echo "$a") | awk 'NR > 1 { d = $1 - $2; if (d < 0) d = -d; if (d > 0.024) { print; bad = 1 } } END { exit bad }' ||
			{ flunk "$(attr "$line" URI): segment starts off the video's"; return; }
	done < <(media_lines "$1")
}

@test "audio: every audio stream becomes an EXT-X-MEDIA rendition in one group, exactly one DEFAULT" {
	built langs || return
	assert_equal "$LANGS_MEDIA" "$(media_lines "$OUT")" || return
	[ "$(media_lines "$OUT" | grep -c 'DEFAULT=YES')" -eq 1 ] || flunk "not exactly one DEFAULT=YES"
	assert_master "$OUT" "$(fixture langs.mkv)"
}

@test "audio: ffprobe finds each rendition's language and channels, AAC-LC, in fMP4 and in TS" {
	built langs || return
	assert_renditions "$OUT" || return
	built langsts || return
	assert_equal "$LANGS_MEDIA" "$(media_lines "$OUT")" || return
	assert_renditions "$OUT"
}

@test "audio: every audio rendition is cut on the video's segment grid" {
	built langs || return
	assert_on_grid "$OUT" || return
	built langsts || return
	assert_on_grid "$OUT"
}

@test "audio: BANDWIDTH counts the audio rendition with the highest peak" {
	built langs || return
	local line pl peak=0 r inf
	while read -r line; do
		pl=$OUT/$(attr "$line" URI)
		r=$(paste <(playlist_extinf "$pl") <(playlist_uris "$pl") | while read -r d u; do
			echo "$(stat -c %s "$(dirname "$pl")/$u") $d"; done |
			awk '{ r = $1 * 8 / $2; if (r > m) m = r } END { printf "%d\n", m }')
		[ "$r" -le "$peak" ] || peak=$r
	done < <(media_lines "$OUT")
	inf=$(stream_inf "$OUT/master.m3u8" 90p/index.m3u8)
	assert_le "$peak" "$(attr "$inf" BANDWIDTH)" "BANDWIDTH vs the loudest audio rendition's peak"
}

@test "audio: AUDIO=fra picks the French stream alone, still named and tagged" {
	built fra || return
	assert_equal '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="fr",NAME="French",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"' \
		"$(media_lines "$OUT")" || return
	assert_equal "aac LC 2 fra" "$(rendition_facts "$OUT/audio/index.m3u8")" || return
	assert_json "$OUT/job.json" '.request.audio == "fra" and (.audio_renditions | length) == 1'
}

@test "audio: the job file's \"audio\" chooses by index and language, in the source's order" {
	built byjob || return
	assert_equal 'en English audio_1 YES
en English (5.1) audio_1_51 NO
es Director'"'"'s commentary audio_3 NO' "$(media_lines "$OUT" | while read -r l; do
		echo "$(attr "$l" LANGUAGE) $(attr "$l" NAME) $(dirname "$(attr "$l" URI)") $(attr "$l" DEFAULT)"; done)"
}

@test "audio: a source with one untagged audio track keeps today's rendition, in audio/" {
	built one || return
	assert_equal '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="default",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"' \
		"$(media_lines "$OUT")" || return
	# the MP4 muxer's own word for no language
	assert_equal "aac LC 2 und" "$(rendition_facts "$OUT/audio/index.m3u8")"
}

@test "audio: a bad AUDIO is refused in stage request with vt-encode's message, before any work" {
	refused badlang request "vt-encode: invalid audio stream 'x1' in 'eng,x1'" || return
	refused twice request "vt-encode: audio stream 'fre' given twice in 'fr,fre'"
}

@test "audio: AUDIO naming a language the source lacks is refused in stage plan, naming what it has" {
	refused absent plan "vt-encode: no audio stream in language de in the source (it has stream 1 (en), stream 2 (fr), stream 3 (es))"
}

# plan_of STREAMS-JSON [OPTIONS]: vt-encode --plan's audio renditions for a
# probe of those audio streams (and one video stream).
plan_of() {
	jq -n --argjson a "$1" '{streams: ([{index: 0, codec_type: "video", width: 320, height: 180,
		time_base: [1, 90000], frame_rate: [30, 1], sample_aspect_ratio: [1, 1]}] + $a)}' |
		vt-encode --plan -r 90p "${@:2}" | jq -c '.audio.renditions'
}

@test "audio: vt-encode --plan names untagged streams, maps ISO 639-2 codes to BCP 47, marks descriptions, adds 5.1 where the layout has it" {
	local a
	a='[{"index": 1, "codec_type": "audio", "channels": 2},
		{"index": 2, "codec_type": "audio", "channels": 6, "tags": {"language": "tib"}},
		{"index": 3, "codec_type": "audio", "channels": 1, "tags": {"language": "gsw"},
		 "disposition": {"visual_impaired": 1}},
		{"index": 4, "codec_type": "audio", "channels": 2, "tags": {"language": "und", "title": "Audio 1"}},
		{"index": 5, "codec_type": "audio", "channels": 2, "attached_pic": true},
		{"index": 6, "codec_type": "audio", "channels": 8, "channel_layout": "7.1"}]'
	run plan_of "$a"
	assert_success || return
	assert_json "$output" 'map([.stream, .name, .label, .language, .channels, .bitrate, .default]) ==
		[[1, "audio_1", "Audio 1", null, 2, 128000, true],
		 [2, "audio_2", "Tibetan", "bo", 2, 128000, false],
		 [3, "audio_3", "Swiss German (audio description)", "gsw", 1, 128000, false],
		 [4, "audio_4", "Audio 1 (4)", null, 2, 128000, false],
		 [6, "audio_6", "Audio 6", null, 2, 128000, false],
		 [6, "audio_6_51", "Audio 6 (5.1)", null, 6, 384000, false]]' || return
	assert_json "$output" '.[2].characteristics == "public.accessibility.describes-video" and .[2].autoselect'
	run plan_of "$a" -a bo,4
	assert_json "$output" 'map(.stream) == [2, 4] and .[0].default and (.[1].default | not)'
}

@test "audio: vt-encode -a refuses a bad list with exit 64, a manifest's plan that disagrees with 65" {
	run vt-encode --check -a 'fra,'
	assert_failure 64 || return
	assert_one_error vt-encode || return
	assert_match "^vt-encode: invalid audio stream '' in 'fra,'" "$output" || return
	run vt-encode --check -a 'fra,qq'
	assert_failure 64 || return
	run vt-encode --check -a 'fra,2'
	assert_success || return
	run vt-encode --audio -a eng -d enc <"$S/fra/.work/chunks.json"
	assert_failure 65 || return
	assert_one_error vt-encode || return
	assert_equal "vt-encode: -a asks for audio streams 'eng', but the manifest's plan has 'fra'" "$output"
}

@test "audio: hls.js in headless Chromium starts in French, switches to English and plays on from its segments" {
	need_browser || return
	built langs || return
	run node "$VT_ROOT/tests/browser/audio.js" --root "$OUT" --chromium "$CHROMIUM" --to en
	assert_success || return
	echo "$output" >seen.json
	# Switching, hls.js appends the new track's fragment over the audio
	# around the playhead, and on a busy machine playback may wait for it:
	# a non-fatal bufferStalledError. Any other error event fails.
	assert_json seen.json '.failure == null and .failures == [] and
		([.errors[] | select(. != "bufferStalledError")] == [])' || return
	assert_json seen.json '[.tracks[] | .lang] == ["en", "en", "fr", "es"] and .tracks[.start.track].lang == "fr"' || return
	assert_json seen.json '.switched.to == 0 and .switched.track == 0 and .switched.time > .start.time' || return
	assert_json seen.json '[.buffered[] | select(startswith("/audio_1/"))] | length > 0'
}
