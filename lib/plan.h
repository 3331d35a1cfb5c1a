/* The ladder plan: everything the encode of every chunk and of the audio
 * needs, planned once against one source and one segment grid.
 * vt-encode --plan prints it, vt-split carries it in its manifest as
 * "plan", and vt-encode encodes from it (vt-encode(1), MANIFEST FORMAT). */
#ifndef VT_PLAN_H
#define VT_PLAN_H

#include <jansson.h>

#include "audio.h"
#include "ladder.h"

struct vt_plan {
	int has_video;
	struct vt_source src;	/* the source planned against */
	int want[VT_MAX_RUNGS];	/* the rungs asked for, in lines */
	int nwant;		/* -1: the default ladder */
	struct vt_rung rungs[VT_MAX_RUNGS];
	int n;
	json_t *skipped, *notes;
	struct vt_arend audio[VT_MAX_AUDIO];	/* the audio renditions */
	int naudio;
	struct vt_params p;	/* seg, offset, preset, threads, audio, wm */
	json_t *json;		/* what p points into, if loaded */
};

/* Plan the ladder once for src (NULL: a source without video) and the
 * audio renditions for the audio streams (vt_audio_streams) with p. */
void vt_plan_make(struct vt_plan *pl, const struct vt_source *src, const json_t *audio,
    const struct vt_params *p);
json_t *vt_plan_json(const struct vt_plan *pl);
/* Read a plan back, checking every field's type and range; a bad one dies
 * with VT_EX_DATAERR. what names o in messages. pl keeps a reference to o. */
void vt_plan_load(struct vt_plan *pl, json_t *o, const char *what);
/* Die with VT_EX_DATAERR, naming both values, unless the plan was made for
 * a source like src (NULL: no video) -- the same size, pixel aspect,
 * rotation and frame rate -- and a seg second grid. what names the other
 * side, such as "the manifest's video". */
void vt_plan_fits(const struct vt_plan *pl, const struct vt_source *src, double seg,
    const char *what);
/* Die with VT_EX_DATAERR, naming both values, if a setting someone asked
 * for (p->who) differs from the plan's. */
void vt_plan_agree(const struct vt_plan *pl, const struct vt_params *p);
void vt_plan_free(struct vt_plan *pl);

#endif
