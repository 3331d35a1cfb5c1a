/* The ABR ladder: rung names, output sizes and bit rates. */
#ifndef VT_LADDER_H
#define VT_LADDER_H

#include <stdint.h>
#include <libavutil/rational.h>
#include <jansson.h>

#include "watermark.h"

#define VT_MAX_RUNGS 16
/* The segment grid, seconds: vt-split cuts on it and vt-encode forces IDR
 * frames on it. */
#define VT_SEG_DEFAULT 6.0
#define VT_SEG_MIN 0.5
#define VT_SEG_MAX 60.0
#define VT_MAX_GOP (1 << 20)

/* What the ladder is planned against, from a manifest's "video" block. */
struct vt_source {
	int width, height;	/* coded */
	AVRational sar;
	int rotation;		/* clockwise degrees */
	AVRational fps;
	AVRational tb;
	int64_t start_pts;	/* the segment grid's origin, in tb */
};

struct vt_rung {
	char name[16];		/* "720p" */
	int lines;		/* 720: the box's short side */
	int width, height;	/* output, even */
	int64_t bitrate, maxrate, bufsize;
	int gop;		/* most frames from one IDR frame to the next */
	char profile[16];	/* x264 profile: baseline, main or high */
};

/* The settings a params file or an option can ask for, to say who asked
 * (vt_params.who); the watermark's are VT_ASK_WM + the index of its key in
 * vt_wm_keys. */
enum {
	VT_ASK_RES, VT_ASK_SEG, VT_ASK_PRESET, VT_ASK_THREADS, VT_ASK_BITRATES,
	VT_ASK_AUDIO_BITRATE, VT_ASK_AUDIO_CHANNELS, VT_ASK_AUDIO, VT_ASK_WM, VT_ASK_N = VT_ASK_WM + 6
};
extern const char *const vt_wm_keys[6];

/* Encoding parameters, from a params file and options. */
struct vt_params {
	const char *res;	/* comma list, or NULL for the default ladder */
	char resbuf[256];	/* holds res when it comes from a params file */
	double seg;		/* segment grid, seconds */
	const char *preset;
	int threads;
	json_t *bitrates;	/* {"720p": 2800000 or "2800k"} or NULL */
	int64_t audio_bitrate;
	int audio_channels;	/* at most this many; 0 keeps the source's */
	const char *audio;	/* the audio streams to encode (audio.h), NULL: all */
	double offset;		/* added to every output timestamp, seconds */
	struct vt_watermark wm;	/* burnt into every rung */
	const char *who[VT_ASK_N];	/* who asked for each: "the params file", an
				   option such as "-r", or NULL for a default */
};

void vt_params_defaults(struct vt_params *p);
/* Fill p from a params JSON object (unknown keys are ignored); a bad value
 * dies with VT_EX_DATAERR. p keeps pointers into o. The keys given are
 * marked as asked for by "the params file" in p->who. */
void vt_params_load(struct vt_params *p, json_t *o);
/* Die with VT_EX_USAGE unless name is an x264 preset. */
void vt_check_preset(const char *name);
int vt_preset_known(const char *name);
/* A bit rate: an integer, or a string such as "2800k"; dies with
 * VT_EX_DATAERR naming what unless from 1000 to 10^9. */
int64_t vt_bitrate_json(const json_t *v, const char *what);
/* The rungs of a comma list such as "720p,360p", in lines, into want (room
 * for VT_MAX_RUNGS); returns how many. Dies with VT_EX_USAGE. */
int vt_res_parse(const char *res, int *want);
/* Add the rung name[0..len) to want[0..*nwant) and return its lines; dies
 * with status on a name that is not NNNp (16..4320), a repeated one or
 * one too many. */
int vt_res_add(int *want, int *nwant, const char *name, int len, int status);

/* Read the source from a video stream's description (vt_stream_json: a
 * chunk manifest's "video", or a stream of vt-probe output); returns 0 if
 * video is not an object. */
int vt_source_from_json(struct vt_source *s, const json_t *video);
/* The same from either manifest: vt-split's "video" block, or the main
 * video stream of vt-probe output. */
int vt_source_from_manifest(struct vt_source *s, const json_t *m);

/* Plan the ladder: parse p->res (dies VT_EX_USAGE on a malformed or
 * duplicate rung), size each rung to fit its box without upscaling, and
 * set bit rates. Rungs that would upscale go to skipped (an array of
 * {"name","reason"}); notes (an array of strings) gets remarks. Returns the
 * number of rungs, largest first. If no requested rung fits, one rung at
 * the source's own size is planned and a note says so. */
int vt_ladder_plan(const struct vt_source *s, const struct vt_params *p,
    struct vt_rung *rungs, json_t *skipped, json_t *notes);

json_t *vt_rung_json(const struct vt_rung *r);

#endif
