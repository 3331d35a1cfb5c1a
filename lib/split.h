/* Cutting a video into chunks at keyframes by stream copy. */
#ifndef VT_SPLIT_H
#define VT_SPLIT_H

#include <jansson.h>
#include <libavformat/avformat.h>

#include "plan.h"

/* Split the main video stream of path into NUT chunk files in dir by
 * stream copy. Chunks are cut on the segment grid (seg seconds from the
 * first frame), chunk_sec rounded to whole segments, so a chunk starts
 * where the encoder forces an IDR frame anyway. Chunk i presents the
 * frames with start_pts <= pts < end_pts; its file starts at the last
 * keyframe before them (the frames before start_pts are decoded and
 * dropped), and a keyframe followed by leading pictures that belong to it
 * is kept at its end. Memory holds at most one GOP of packets. A plan, if
 * not NULL, must fit the source and seg (else VT_EX_DATAERR, before any
 * cutting) and goes into the manifest. Returns the chunk manifest (see
 * vt-split(1)). */
json_t *vt_split(const char *path, const char *dir, double chunk_sec, double seg,
    const struct vt_plan *plan);

#endif
