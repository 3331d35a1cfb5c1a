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

/* A damaged packet here and there is concealed and reported; a source
 * where more than 1% of packets (and at least 10) fail is corrupt. */
static void
bad_packet(AVFormatContext *in, int err, int64_t *errors)
{
	if (++*errors <= 3)
		vt_warn("'%s': decoding: %s; skipped", in->url, vt_averr(err));
}

void
vt_decode_all(AVFormatContext *in, int idx, AVCodecContext *dec,
    void (*onframe)(void *arg, AVFrame *f), void *arg)
{
	AVPacket *pkt = av_packet_alloc();
	AVFrame *f = av_frame_alloc();
	int64_t packets = 0, errors = 0;
	int err;

	for (;;) {
		err = av_read_frame(in, pkt);
		if (err < 0 && err != AVERROR_EOF)
			vt_die(VT_EX_DATAERR, "cannot read '%s': %s", in->url, vt_averr(err));
		if (err >= 0 && pkt->stream_index != idx) {
			av_packet_unref(pkt);
			continue;
		}
		packets += err >= 0;
		if ((err = avcodec_send_packet(dec, err >= 0 ? pkt : NULL)) < 0 &&
		    err != AVERROR_EOF)
			bad_packet(in, err, &errors);
		av_packet_unref(pkt);
		for (;;) {
			err = avcodec_receive_frame(dec, f);
			if (err == AVERROR_INVALIDDATA) {
				bad_packet(in, err, &errors);
				continue;
			}
			if (err < 0)
				break;
			onframe(arg, f);
			av_frame_unref(f);
		}
		if (err == AVERROR_EOF)
			break;
		if (err != AVERROR(EAGAIN))
			vt_die(VT_EX_DATAERR, "'%s': decoding: %s", in->url, vt_averr(err));
	}
	if (errors > 10 && errors * 100 > packets)
		vt_die(VT_EX_DATAERR, "'%s' is corrupt: %lld of %lld packets would not decode",
		    in->url, (long long)errors, (long long)packets);
	if (errors > 3)
		vt_warn("'%s': %lld damaged packets skipped in all", in->url, (long long)errors);
	av_packet_free(&pkt);
	av_frame_free(&f);
}
