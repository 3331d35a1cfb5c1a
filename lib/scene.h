/* Shot-change detection: the frames where a video cuts to another shot. */
#ifndef VT_SCENE_H
#define VT_SCENE_H

#include <stdint.h>

#include <libavformat/avformat.h>
#include <jansson.h>

/* Frames are compared at this width (height keeps the aspect ratio). */
#define VT_SCENE_WIDTH 96

struct vt_scene_opts {
	double threshold;	/* cut score a frame must reach, 0..1 */
	double min_scene;	/* seconds from one cut (or the start) to the next */
	int threads;		/* decoder threads, 0: libavcodec chooses */
};

struct vt_cut {
	int64_t frame;		/* index of the new shot's first frame, from 0 */
	int64_t pts;		/* its presentation timestamp, in the stream time base */
	double time;		/* pts in seconds */
	double score;		/* 0..1 */
};

struct vt_scenes {
	int stream;		/* index of the video stream */
	AVRational time_base;
	int64_t frames;		/* frames decoded */
	double start;		/* time of the first frame */
	double end;		/* time at which the last frame ends */
	struct vt_cut *cuts;
	size_t ncuts;
};

/* Decode the main video stream of fmt and find its cuts. The score of
 * frame k compares its change from frame k-1 with the changes around it,
 * so motion, fades and dissolves score low; a flash (frames that return
 * to what was before) is no cut. Dies with VT_EX_DATAERR when fmt has no
 * video or no frame decodes. */
void vt_scenes_detect(AVFormatContext *fmt, const struct vt_scene_opts *o,
    struct vt_scenes *out);

/* The same over the n files at paths, which follow on from each other as
 * the chunks of a rung that vt-encode wrote: their frames are one video,
 * in the time base of the first file, which the others must share. The
 * video must last until end, in seconds, as the files' maker states it;
 * what names them in messages. */
void vt_scenes_detect_files(const char *const *paths, size_t n, double end, const char *what,
    const struct vt_scene_opts *o, struct vt_scenes *out);

/* The detection document: input, stream, time_base, frames, start_time,
 * duration, threshold and cuts [{frame, pts, time, score}]. */
json_t *vt_scenes_json(const struct vt_scenes *s, const char *input, double threshold);

void vt_scenes_free(struct vt_scenes *s);

#endif
