/* Opening media and reading stream facts. */
#ifndef VT_MEDIA_H
#define VT_MEDIA_H

#include <libavformat/avformat.h>
#include <jansson.h>

/* Open path and read stream info, or die: a missing or unreadable file
 * exits VT_EX_NOINPUT, anything libavformat cannot parse VT_EX_DATAERR. */
AVFormatContext *vt_open_input(const char *path);

/* Index of the main video (or audio) stream, or -1. Attached pictures
 * (cover art) are not video. */
int vt_best_stream(AVFormatContext *fmt, enum AVMediaType type);

/* Clockwise rotation from the display matrix: 0, 90, 180 or 270. */
int vt_rotation(const AVStream *st);

/* Size as displayed: sample aspect ratio applied to the width, then
 * rotation. Both even numbers are not guaranteed. */
void vt_display_size(const AVStream *st, int *w, int *h);

/* Frame rate of a video stream: r_frame_rate, else avg_frame_rate, else
 * 25/1. */
AVRational vt_frame_rate(const AVStream *st);

/* Facts about one stream, with ffprobe's field names and real numbers:
 * the one description of a source stream, in vt-probe's streams and in
 * vt-split's "video" and "audio". Exact values are rationals [num, den]
 * (time_base, sample_aspect_ratio, frame_rate, the rate vt encodes at);
 * r_frame_rate and avg_frame_rate are numbers, as a reader compares them. */
json_t *vt_stream_json(const AVStream *st);

/* The whole probe document: {"format": {...}, "streams": [...]}. With
 * keyframes, packets are scanned for each video stream's keyframe times. */
json_t *vt_probe(AVFormatContext *fmt, int keyframes);

/* Seconds of ts in tb, or JSON null when ts is AV_NOPTS_VALUE. */
json_t *vt_json_time(int64_t ts, AVRational tb);

#endif
