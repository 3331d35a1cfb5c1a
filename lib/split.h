/* Cutting a video into chunks at keyframes by stream copy. */
#ifndef VT_SPLIT_H
#define VT_SPLIT_H

#include <jansson.h>

/* Split the main video stream of path into NUT chunk files in dir, each at
 * least chunk_sec long and starting at a keyframe. Packets are streamed:
 * memory does not grow with the input. Chunk i presents the frames with
 * start_pts <= pts < end_pts; a keyframe followed by leading pictures is
 * also kept at the end of the chunk before it, so that those pictures
 * decode there. Returns the chunk manifest (see vt-split(1)). */
json_t *vt_split(const char *path, const char *dir, double chunk_sec);

/* The "video" and "audio" blocks of a chunk manifest, describing the main
 * streams of fmt; JSON null where there is none. */
json_t *vt_video_info(AVFormatContext *fmt, int idx);
json_t *vt_audio_info(AVFormatContext *fmt, int idx);

#endif
