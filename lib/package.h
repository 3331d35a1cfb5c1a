/* Packaging encoded chunks into VOD HLS. */
#ifndef VT_PACKAGE_H
#define VT_PACKAGE_H

#include <jansson.h>

#include "playlist.h"
#include "segment.h"

/* Package the result lines of vt-encode (every chunk of every rung, and
 * the audio line if any) into out: <rung>/index.m3u8 and segments,
 * audio/index.m3u8 and segments, then master.m3u8, which names the nsd
 * session data sd (nsd may be 0). Segments are cut on the encode grid, so
 * they line up across renditions. Returns the summary (see vt-hls(1)). */
json_t *vt_package_vod(const json_t *lines, const char *out, enum vt_segfmt fmt,
    const struct vt_session_data *sd, size_t nsd);

#endif
