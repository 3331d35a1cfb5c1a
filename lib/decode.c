/* Decoding one stream of an input, frame by frame. */
#include "vt.h"
#include "decode.h"

AVCodecContext *
vt_open_decoder(const AVStream *st, const char *url, int threads)
{
	const AVCodec *dec = avcodec_find_decoder(st->codecpar->codec_id);
	AVCodecContext *ctx;
	int err;

	if (!dec)
		vt_die(VT_EX_DATAERR, "'%s': no decoder for %s", url,
		    avcodec_get_name(st->codecpar->codec_id));
	ctx = avcodec_alloc_context3(dec);
	avcodec_parameters_to_context(ctx, st->codecpar);
	ctx->pkt_timebase = st->time_base;
	ctx->thread_count = threads;
	if ((err = avcodec_open2(ctx, dec, NULL)) < 0)
		vt_die(VT_EX_DATAERR, "'%s': cannot open %s decoder: %s", url, dec->name,
		    vt_averr(err));
	return ctx;
}

void
vt_decode_all(AVFormatContext *in, int idx, AVCodecContext *dec,
    void (*onframe)(void *arg, AVFrame *f), void *arg)
{
	AVPacket *pkt = av_packet_alloc();
	AVFrame *f = av_frame_alloc();
	int err;

	for (;;) {
		err = av_read_frame(in, pkt);
		if (err < 0 && err != AVERROR_EOF)
			vt_die(VT_EX_DATAERR, "cannot read '%s': %s", in->url, vt_averr(err));
		if (err >= 0 && pkt->stream_index != idx) {
			av_packet_unref(pkt);
			continue;
		}
		if ((err = avcodec_send_packet(dec, err >= 0 ? pkt : NULL)) < 0 &&
		    err != AVERROR_EOF)
			vt_warn("'%s': decoding: %s", in->url, vt_averr(err));
		av_packet_unref(pkt);
		while ((err = avcodec_receive_frame(dec, f)) >= 0) {
			onframe(arg, f);
			av_frame_unref(f);
		}
		if (err == AVERROR_EOF)
			break;
		if (err != AVERROR(EAGAIN))
			vt_die(VT_EX_DATAERR, "'%s': decoding: %s", in->url, vt_averr(err));
	}
	av_packet_free(&pkt);
	av_frame_free(&f);
}
