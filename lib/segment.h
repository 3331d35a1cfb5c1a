/* Writing HLS media segments: MPEG-TS files, or fragmented MP4 (an init
 * segment plus .m4s fragments). Every file is written to a temp name and
 * renamed when complete. */
#ifndef VT_SEGMENT_H
#define VT_SEGMENT_H

#include <stdint.h>
#include <libavformat/avformat.h>

enum vt_segfmt { VT_SEG_TS, VT_SEG_FMP4 };

/* The fMP4 init segment's file name, beside the media segments. */
#define VT_SEG_INIT "init.mp4"

struct vt_segwriter;

/* Start writing segments of one stream into dir. par describes the
 * stream; timestamps given to vt_seg_write are in VT_TB (1/90000), first
 * is the stream's first packet. MPEG-TS keeps the timestamps; fMP4 starts
 * its timeline at origin: a stream whose first frame is at origin is
 * presented from 0, its B-frame delay and AAC priming taken care of in
 * the init segment, written at once as dir/init (NULL: the default
 * name). One muxer serves every segment, so a TS rendition reads as one
 * continuous stream. */
struct vt_segwriter *vt_seg_open(const char *dir, enum vt_segfmt fmt,
    const AVCodecParameters *par, const char *init, int64_t origin,
    const AVPacket *first);
/* The same, for a stream in language lang (ISO 639-2; NULL: none), which
 * the init segment or the TS program map names. */
struct vt_segwriter *vt_seg_open_lang(const char *dir, enum vt_segfmt fmt,
    const AVCodecParameters *par, const char *init, int64_t origin,
    const AVPacket *first, const char *lang);
/* Begin segment file name (a bare file name inside dir); the previous one,
 * if any, must have been ended. */
void vt_seg_begin(struct vt_segwriter *w, const char *name);
/* Write one packet; its timestamps are changed to the muxer's. */
void vt_seg_write(struct vt_segwriter *w, AVPacket *pkt);
/* A key frame's bytes in its segment. */
struct vt_seg_range {
	int64_t offset, size;
};

/* From now on, record each key frame's bytes, for I-frame playlists: in
 * fMP4 the key frame leads a fragment and its range is the moof and the
 * mdat up to the key frame's end; in MPEG-TS, the bytes from the PAT and
 * PMT before it to the end of its PES. Either decodes alone (fMP4: after
 * the init segment). */
void vt_seg_keys(struct vt_segwriter *w);
/* The ranges of the key frames of the current segment, in order: after
 * vt_seg_end, all of them, until the next vt_seg_begin. */
size_t vt_seg_key_ranges(const struct vt_segwriter *w, const struct vt_seg_range **r);
/* fMP4: begin a partial segment (LL-HLS), file name inside dir: the
 * fragments written until vt_seg_part_end go to it as well as to the
 * segment. The packets before it are flushed as a fragment of their own. */
void vt_seg_part_begin(struct vt_segwriter *w, const char *name);
/* End the open partial segment: flush its fragment and rename the file into
 * place. Returns its size in bytes, or -1 if none was open. */
int64_t vt_seg_part_end(struct vt_segwriter *w);
/* Finish the current segment (and its open partial segment) and return its
 * size in bytes. */
int64_t vt_seg_end(struct vt_segwriter *w);
void vt_seg_close(struct vt_segwriter *w);

const char *vt_seg_ext(enum vt_segfmt fmt);

#endif
