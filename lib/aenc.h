/* The audio encoder: every input frame is resampled to one layout and rate
 * (gaps in the timestamps are filled with silence) and encoded to AAC.
 * VOD encodes a whole file's audio with it; live, a stream's. */
#ifndef VT_AENC_H
#define VT_AENC_H

#include <libavcodec/avcodec.h>

#include "ladder.h"
#include "venc.h"

struct vt_aenc;

/* The AAC sample rate for an input rate: the same if AAC has it. */
int vt_aac_rate(int r);

/* Open an AAC encoder for what dec decodes, at p->audio_bitrate with at
 * most p->audio_channels channels. Packets go to onpacket (with i = 0) in
 * the encoder's time base, 1/sample rate, with shift samples added. */
struct vt_aenc *vt_aenc_new(const AVCodecContext *dec, const struct vt_params *p,
    int64_t shift, vt_packet_fn onpacket, void *arg);
/* The encoder, for stream parameters. */
const AVCodecContext *vt_aenc_codec(const struct vt_aenc *a);
/* Encode f, whose pts counts samples at dec's rate (AV_NOPTS_VALUE: it
 * follows the previous frame); NULL flushes. */
void vt_aenc_push(struct vt_aenc *a, AVFrame *f);
/* Samples given to the encoder so far. */
int64_t vt_aenc_samples(const struct vt_aenc *a);
void vt_aenc_free(struct vt_aenc *a);

#endif
