/* HLS playlists (RFC 8216): media playlists and the master playlist.
 * Each is rendered whole and written atomically. */
#ifndef VT_PLAYLIST_H
#define VT_PLAYLIST_H

#include <stddef.h>
#include <stdint.h>

/* A partial segment (LL-HLS). */
struct vt_part {
	char *uri;
	double duration;
	int independent;	/* starts with a key frame */
};

/* Another rendition's latest segment and part, for
 * EXT-X-RENDITION-REPORT. */
struct vt_report {
	const char *uri;
	int64_t msn, part;	/* part -1: none */
};

struct vt_segment {
	char *uri;		/* relative to the playlist */
	double duration;	/* seconds */
	int64_t bytes;		/* I-frame playlist: the range's length */
	int64_t offset;		/* I-frame playlist: the range's start in uri */
	int64_t start;		/* first presentation time, 1/90000 s */
	int discontinuity;	/* EXT-X-DISCONTINUITY before it */
	double wallclock;	/* EXT-X-PROGRAM-DATE-TIME, Unix seconds; 0 = none */
	const char *map;	/* its EXT-X-MAP (fMP4), if not the playlist's */
	const struct vt_part *parts;	/* EXT-X-PART lines before it */
	size_t nparts;
	int incomplete;		/* still being written: its parts, no URI */
};

struct vt_playlist {
	int target;		/* EXT-X-TARGETDURATION */
	int64_t media_sequence;
	int64_t discontinuity_sequence;
	const char *map_uri;	/* EXT-X-MAP, for fMP4 */
	int vod;		/* EXT-X-PLAYLIST-TYPE:VOD */
	int iframes;		/* EXT-X-I-FRAMES-ONLY: each segment is the byte
				 * range bytes@offset of its uri */
	double hold_back;	/* EXT-X-SERVER-CONTROL:HOLD-BACK, seconds; 0 = none */
	int ended;		/* EXT-X-ENDLIST */
	int can_block;		/* EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES */
	/* LL-HLS: EXT-X-PART-INF:PART-TARGET and PART-HOLD-BACK; 0 = none */
	double part_target, part_hold_back;
	struct vt_segment *segs;
	size_t nsegs;
	const struct vt_report *reports;
	size_t nreports;
};

/* An I-frame playlist of a variant's video (EXT-X-I-FRAME-STREAM-INF). */
struct vt_iframe_stream {
	const char *uri, *codecs;
	int64_t bandwidth, average_bandwidth;
};

struct vt_variant {
	const char *uri;
	int64_t bandwidth, average_bandwidth;
	const char *codecs;
	int width, height;	/* 0 for audio-only */
	double frame_rate;
	const char *audio_group;	/* NULL: no audio rendition group */
	const struct vt_iframe_stream *iframes;	/* NULL: none */
};

/* An EXT-X-MEDIA audio rendition. Left zero, the fields after channels
 * give DEFAULT=YES and AUTOSELECT=YES with no LANGUAGE or
 * CHARACTERISTICS. */
struct vt_audio_rendition {
	const char *group, *name, *uri;
	int channels;
	const char *language, *characteristics;	/* NULL: none */
	int not_default, no_autoselect;
};

/* EXT-X-SESSION-DATA with a URI, such as Apple's chapters:
 * { "com.apple.hls.chapters", "chapters/chapters-hls.json" }. */
struct vt_session_data {
	const char *id, *uri;
};

/* True if s can go between a playlist's quotes or on a URI line: no '"',
 * no control characters (so no line breaks). */
int vt_playlist_text_ok(const char *s);

/* Smallest target duration that every segment's rounded duration fits. */
int vt_playlist_target(const struct vt_segment *segs, size_t n);
/* A media playlist's text (malloc'ed); vt_playlist_write writes it to
 * path atomically. */
char *vt_playlist_text(const struct vt_playlist *pl);
void vt_playlist_write(const char *path, const struct vt_playlist *pl);
/* The master playlist, with the session data (nsd may be 0) after the
 * header and the na audio renditions before the variants. */
void vt_master_write(const char *path, const struct vt_variant *v, size_t n,
    const struct vt_audio_rendition *audio, size_t na, const struct vt_session_data *sd,
    size_t nsd);
/* The master playlist's text (malloc'ed), as vt_master_write writes it
 * without session data. */
char *vt_master_text(const struct vt_variant *v, size_t n,
    const struct vt_audio_rendition *audio);

#endif
