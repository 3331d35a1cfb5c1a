/* Transcoding: one chunk of video to every rung, and the whole audio. */
#ifndef VT_ENCODE_H
#define VT_ENCODE_H

#include <jansson.h>

#include "plan.h"

/* Encode chunk c of a vt-split manifest, whose video is src, to every rung
 * of the plan: one decode feeds a
 * filter graph that splits to a scaler per rung; each rung is encoded with
 * libx264 to dir/<rung>/cNNNNN.ts. Frames outside the chunk's
 * [start_pts, end_pts) are dropped, timestamps move to the output timeline
 * (see grid.h) and IDR frames are forced where the grid cell changes.
 * Returns the chunk's result line (see vt-encode(1)). */
json_t *vt_encode_chunk(const json_t *manifest, const json_t *chunk,
    const struct vt_source *src, const struct vt_plan *pl, const char *dir);

/* Check that the indices of a vt-split manifest's chunks run 0..n-1, each
 * once; exits 65 if not. */
void vt_encode_check_chunks(const json_t *chunks);

/* Encode the source's stream of the plan's audio rendition ar, whole, to
 * AAC in dir/<ar's name>.ts, as the plan says. Returns the audio result
 * line, with the rendition in it. */
json_t *vt_encode_audio(const json_t *manifest, const struct vt_plan *pl,
    const struct vt_arend *ar, const char *dir);

#endif
