/* Choosing a thumbnail frame and writing it, with the sprite sheet. */
#ifndef VT_THUMB_H
#define VT_THUMB_H

#include <stddef.h>

#include <jansson.h>

#include "sprite.h"
#include "thumbseek.h"

enum vt_thumb_mode { VT_THUMB_AUTO, VT_THUMB_TIMESTAMP, VT_THUMB_SCENE };

struct vt_thumb_opts {
	enum vt_thumb_mode mode;
	double time;		/* timestamp: seconds from the first frame */
	const double *cuts;	/* scene: shot changes, seconds, ascending */
	size_t ncuts;
	int width, height;	/* 0: not given (see vt_image_fit) */
	int quality;		/* JPEG qscale, 1..31 */
};

/* The thumbnail's width when neither width nor height is given. */
#define VT_THUMB_WIDTH 1280

/* "auto", "timestamp", "scene" as a mode, or -1. */
int vt_thumb_mode(const char *name);

/* The settings a run with o and sp would use, defaults filled in, as
 * vt-thumb --check prints them: mode, time (timestamp mode), width and
 * height (null: from the other, or the source), quality, and the sprite's
 * sprite_interval, tile_width, columns and rows. */
json_t *vt_thumb_settings(const struct vt_thumb_opts *o, const struct vt_sprite_opts *sp);

/* The shot changes listed in vt-scenes output (doc is every JSON value of
 * the file, as vt_json_read_all() gives): a top-level array, an object
 * with a "scenes", "cuts" or "shots" array, or one object per line; each
 * item a number of seconds or an object with "time" (else "start").
 * Sorted; returned in a malloc'd array. Anything else dies with
 * VT_EX_DATAERR naming what. */
double *vt_scene_cuts(const json_t *doc, const char *what, size_t *n);

/* Choose the frame as o says and stage dir/thumbnail.jpg (see
 * vt_stage_file). Returns its description (see vt-thumb(1)).
 *
 * auto samples windows of frames spread over the video (or over the shot,
 * for scene), drops black, flat, faded and blurred ones, and takes the one
 * whose colour histogram is closest to the average of those left, as
 * FFmpeg's thumbnail filter does. */
json_t *vt_thumb(struct vt_seeker *s, const char *dir, const struct vt_thumb_opts *o);

/* The whole job: open path, write the thumbnail and, when sp->interval > 0,
 * the sprite sheets and their WebVTT track into dir (created), all or
 * nothing. Returns the result document. */
json_t *vt_thumb_run(const char *path, const char *dir, const struct vt_thumb_opts *o,
    const struct vt_sprite_opts *sp);

#endif
