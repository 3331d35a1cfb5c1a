/* Frame-accurate access to the video of a file, seeking where it pays. */
#ifndef VT_THUMBSEEK_H
#define VT_THUMBSEEK_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

struct vt_seeker {
	AVFormatContext *fmt;
	AVStream *st;		/* the main video stream */
	AVCodecContext *dec;
	int64_t start;		/* pts of the first frame, in st->time_base */
	double duration;	/* seconds from start to the end of the video, or -1 */
	int rotation;		/* clockwise, as vt_rotation() */
	int display_w, display_h;	/* as vt_display_size() */
	int64_t decoded, seeks;	/* frames decoded and seeks done so far */

	/* private */
	AVPacket *pkt;
	AVFrame *cur, *ahead;	/* the frame shown at the last target, the one after */
	int have_cur, have_ahead, eof, fresh, known_end, noseek;
	int64_t errors, last_pts, frame_ticks;
};

/* Open the main video of path with a single-threaded decoder (the pipeline
 * runs this beside encodes; one thread wastes nothing on seeks), or die:
 * no video stream is VT_EX_DATAERR, as vt_open_input() for the rest. */
void vt_seeker_open(struct vt_seeker *s, const char *path);
void vt_seeker_close(struct vt_seeker *s);

/* The frame shown at ts (st->time_base): the last frame with pts <= ts, the
 * first frame before the video and the last one after it. It seeks to the
 * keyframe before ts only when that skips decoding, else decodes on. Frames
 * carry their pts in f->pts; the frame stays the seeker's, valid until the
 * next call. Dies with VT_EX_DATAERR when nothing decodes or the file ends
 * well before its stated duration (truncated). */
const AVFrame *vt_seeker_frame_at(struct vt_seeker *s, int64_t ts);

/* Read (without decoding) the packets of the last seconds of the video
 * and die with VT_EX_DATAERR if they are damaged or end well before the
 * stream's stated duration: a truncated file, found before any work.
 * Without a stated duration it only finds out whether the file seeks. */
void vt_seeker_check_tail(struct vt_seeker *s);

/* Seek to the keyframe at or before ts; vt_seeker_next() then returns the
 * frames from there in presentation order, and NULL at the end. A file
 * that cannot seek is opened again and read from the start (noseek). */
void vt_seeker_seek(struct vt_seeker *s, int64_t ts);
const AVFrame *vt_seeker_next(struct vt_seeker *s);

/* Whether reaching ts from where the decoder is takes a seek: when ts is
 * behind it, or a keyframe lies between them so that the frames up to it
 * need not be decoded (without an index: more than two seconds on). */
int vt_seeker_must_seek(struct vt_seeker *s, int64_t ts);

/* Keyframes the index knows of with lo <= ts <= hi, or -1 without an
 * index. */
int vt_seeker_keyframes(struct vt_seeker *s, int64_t lo, int64_t hi);

/* duration, or when the file does not say, the end of its last frame,
 * which takes decoding it all. */
double vt_seeker_duration(struct vt_seeker *s);

/* ts for seconds from the first frame, and back. */
int64_t vt_seeker_ts(const struct vt_seeker *s, double sec);
double vt_seeker_sec(const struct vt_seeker *s, int64_t ts);

#endif
