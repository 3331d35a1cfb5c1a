/* Codec strings and extradata from a stream's first packet. */
#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/mem.h>

#include "codecs.h"

/* Next Annex B NAL unit at or after *pos: returns its start (after the
 * start code) and sets *nlen; NULL at the end. */
static const uint8_t *
next_nal(const uint8_t *d, size_t len, size_t *pos, size_t *nlen)
{
	size_t i = *pos, s;

	for (; i + 3 <= len; i++)
		if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1)
			break;
	if (i + 3 > len)
		return NULL;
	s = i + 3;
	for (i = s; i + 3 <= len; i++)
		if (d[i] == 0 && d[i + 1] == 0 && (d[i + 2] == 1 || (d[i + 2] == 0 &&
		    i + 3 < len && d[i + 3] == 1)))
			break;
	if (i + 3 > len)
		i = len;
	*nlen = i - s;
	*pos = i;
	return d + s;
}

static const uint8_t *
find_sps(const uint8_t *d, size_t len)
{
	const uint8_t *nal;
	size_t pos = 0, n;

	if (!d)
		return NULL;
	while ((nal = next_nal(d, len, &pos, &n)))
		if (n >= 4 && (nal[0] & 0x1f) == 7)
			return nal + 1;
	return NULL;
}

int
vt_codec_string(const AVCodecParameters *par, const uint8_t *pkt, size_t pktlen,
    char *buf, size_t n)
{
	const uint8_t *sps;
	int aot;

	switch (par->codec_id) {
	case AV_CODEC_ID_H264:
		if (par->extradata_size >= 4 && par->extradata[0] == 1)
			sps = par->extradata + 1;	/* avcC: profile, flags, level */
		else if (!(sps = find_sps(par->extradata, par->extradata_size)))
			sps = find_sps(pkt, pktlen);
		if (!sps)
			return -1;
		snprintf(buf, n, "avc1.%02x%02x%02x", sps[0], sps[1], sps[2]);
		return 0;
	case AV_CODEC_ID_AAC:
		aot = par->profile >= 0 ? par->profile + 1 : 2;
		snprintf(buf, n, "mp4a.40.%d", aot);
		return 0;
	case AV_CODEC_ID_MP3:
		snprintf(buf, n, "mp4a.40.34");
		return 0;
	default:
		return -1;
	}
}

/* The SPS and PPS in Annex B data, as Annex B extradata (av_malloc'ed,
 * padded); NULL if absent. */
static uint8_t *
h264_extradata(const uint8_t *d, size_t len, int *outlen)
{
	const uint8_t *nal;
	size_t pos = 0, n, total = 0;
	uint8_t *out = NULL;
	int have_sps = 0, have_pps = 0, type;

	while ((nal = next_nal(d, len, &pos, &n))) {
		type = nal[0] & 0x1f;
		if ((type != 7 || have_sps) && (type != 8 || have_pps))
			continue;
		out = av_realloc(out, total + 4 + n + AV_INPUT_BUFFER_PADDING_SIZE);
		if (!out)
			return NULL;
		memcpy(out + total, "\0\0\0\1", 4);
		memcpy(out + total + 4, nal, n);
		total += 4 + n;
		have_sps |= type == 7;
		have_pps |= type == 8;
	}
	if (!have_sps || !have_pps) {
		av_free(out);
		return NULL;
	}
	memset(out + total, 0, AV_INPUT_BUFFER_PADDING_SIZE);
	*outlen = (int)total;
	return out;
}

/* The 2-byte AudioSpecificConfig of an AAC stream (av_malloc'ed, padded). */
static uint8_t *
aac_asc(const AVCodecParameters *par, int *outlen)
{
	static const int rates[] = { 96000, 88200, 64000, 48000, 44100, 32000, 24000,
	    22050, 16000, 12000, 11025, 8000, 7350 };
	int aot = par->profile >= 0 ? par->profile + 1 : 2, idx = 0, ch;
	uint8_t *asc = av_mallocz(2 + AV_INPUT_BUFFER_PADDING_SIZE);

	if (!asc)
		return NULL;
	while (idx < 12 && rates[idx] != par->sample_rate)
		idx++;
	ch = par->ch_layout.nb_channels == 8 ? 7 : par->ch_layout.nb_channels;
	asc[0] = (uint8_t)(aot << 3 | idx >> 1);
	asc[1] = (uint8_t)((idx & 1) << 7 | ch << 3);
	*outlen = 2;
	return asc;
}

int
vt_codec_first_packet(AVCodecParameters *par, const uint8_t *pkt, size_t pktlen,
    char *buf, size_t n)
{
	uint8_t *x = NULL;
	int xn = 0;

	if (par->codec_id == AV_CODEC_ID_H264 && !par->extradata_size)
		x = h264_extradata(pkt, pktlen, &xn);
	else if (par->codec_id == AV_CODEC_ID_AAC && !par->extradata_size)
		x = aac_asc(par, &xn);
	if (x) {
		av_freep(&par->extradata);
		par->extradata = x;
		par->extradata_size = xn;
	}
	return vt_codec_string(par, pkt, pktlen, buf, n);
}
