/* RFC 6381 codec strings for HLS CODECS attributes. */
#ifndef VT_CODECS_H
#define VT_CODECS_H

#include <stddef.h>
#include <stdint.h>
#include <libavcodec/codec_par.h>

/* The codec string of a stream, e.g. "avc1.64001f" (profile, constraint
 * flags and level read from the SPS in extradata or in the first packet)
 * or "mp4a.40.2". Writes at most n bytes to buf; returns 0, or -1 if the
 * codec is not one HLS carries. */
int vt_codec_string(const AVCodecParameters *par, const uint8_t *pkt, size_t pktlen,
    char *buf, size_t n);

/* Find the H.264 SPS and PPS in Annex B data and return them as Annex B
 * extradata (av_malloc'ed, padded); NULL if absent. */
uint8_t *vt_h264_extradata(const uint8_t *data, size_t len, int *outlen);

/* The 2-byte AudioSpecificConfig of an AAC stream (av_malloc'ed, padded). */
uint8_t *vt_aac_asc(const AVCodecParameters *par, int *outlen);

#endif
