/* What a segment writer needs from a stream's first packet: the RFC 6381
 * codec string for the HLS CODECS attribute, and the extradata fMP4 wants
 * up front when the encoder gives the parameter sets only in-band. */
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

/* Complete par from the stream's first packet pkt, for the segment
 * writer: H.264 without extradata gets the SPS and PPS found in pkt (as
 * Annex B), AAC without extradata its AudioSpecificConfig. Then the codec
 * string into buf, as vt_codec_string. */
int vt_codec_first_packet(AVCodecParameters *par, const uint8_t *pkt, size_t pktlen,
    char *buf, size_t n);

#endif
