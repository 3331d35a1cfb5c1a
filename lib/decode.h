/* Decoding one stream of an input, frame by frame. */
#ifndef VT_DECODE_H
#define VT_DECODE_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

/* Open a decoder for st with that many threads (0: libavcodec chooses),
 * or die. */
AVCodecContext *vt_open_decoder(const AVStream *st, const char *url, int threads);

/* Read in until the end, decode stream idx with dec and hand every frame
 * to onframe (which owns the frame's references until it returns).
 * A damaged packet is warned about and skipped; more than 1% of them (and
 * at least 10) dies with VT_EX_DATAERR, as do read errors. */
void vt_decode_all(AVFormatContext *in, int idx, AVCodecContext *dec,
    void (*onframe)(void *arg, AVFrame *f), void *arg);

#endif
