/* The audio encoder: resample to one layout and rate, then AAC. */
#include <stdlib.h>

#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>

#include "vt.h"
#include "filter.h"
#include "aenc.h"

struct vt_aenc {
	AVCodecContext *enc;
	AVFilterGraph *g;
	AVFilterContext *bufsrc, *sink;
	AVChannelLayout in;	/* the layout every input frame is given */
	AVFrame *tmp;
	AVPacket *pkt;
	int64_t shift, next, samples;
	int warned;
	vt_packet_fn onpacket;
	void *arg;
};

int
vt_aac_rate(int r)
{
	static const int rates[] = { 96000, 88200, 64000, 48000, 44100, 32000, 24000,
	    22050, 16000, 12000, 11025, 8000 };
	size_t i;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (rates[i] == r)
			return r;
	return 48000;
}

/* abuffer -> aresample (async) -> aformat -> abuffersink */
static void
build_graph(struct vt_aenc *a, const AVCodecContext *dec)
{
	AVFilterContext *last;
	char args[512], lin[128], lout[128];

	a->g = avfilter_graph_alloc();
	av_channel_layout_describe(&a->in, lin, sizeof(lin));
	av_channel_layout_describe(&a->enc->ch_layout, lout, sizeof(lout));
	snprintf(args, sizeof(args), "time_base=1/%d:sample_rate=%d:sample_fmt=%s:channel_layout=%s",
	    dec->sample_rate, dec->sample_rate, av_get_sample_fmt_name(dec->sample_fmt), lin);
	last = a->bufsrc = vt_filter_add(a->g, "abuffer", args);
	/* async fills timestamp gaps with silence, so the track stays continuous */
	snprintf(args, sizeof(args), "out_sample_rate=%d:async=1:min_hard_comp=0.1",
	    a->enc->sample_rate);
	last = vt_filter_chain(last, 0, vt_filter_add(a->g, "aresample", args));
	snprintf(args, sizeof(args), "sample_fmts=fltp:sample_rates=%d:channel_layouts=%s",
	    a->enc->sample_rate, lout);
	last = vt_filter_chain(last, 0, vt_filter_add(a->g, "aformat", args));
	a->sink = vt_filter_chain(last, 0, vt_filter_add(a->g, "abuffersink", NULL));
	vt_filter_config(a->g);
	av_buffersink_set_frame_size(a->sink, a->enc->frame_size);
}

struct vt_aenc *
vt_aenc_new(const AVCodecContext *dec, const struct vt_params *p, int64_t shift,
    vt_packet_fn onpacket, void *arg)
{
	const AVCodec *aac = avcodec_find_encoder_by_name("aac");
	struct vt_aenc *a = vt_calloc(1, sizeof(*a));
	AVCodecContext *x;
	int ch, err;

	if (!aac)
		vt_die(VT_EX_UNAVAILABLE, "aac encoder not available");
	if (av_channel_layout_check(&dec->ch_layout) &&
	    dec->ch_layout.order != AV_CHANNEL_ORDER_UNSPEC)
		av_channel_layout_copy(&a->in, &dec->ch_layout);
	else
		av_channel_layout_default(&a->in, dec->ch_layout.nb_channels > 0 ?
		    dec->ch_layout.nb_channels : 2);
	ch = a->in.nb_channels;
	if (p->audio_channels > 0 && ch > p->audio_channels)
		ch = p->audio_channels;
	x = a->enc = avcodec_alloc_context3(aac);
	x->sample_fmt = AV_SAMPLE_FMT_FLTP;
	x->sample_rate = vt_aac_rate(dec->sample_rate);
	av_channel_layout_default(&x->ch_layout, ch);
	x->bit_rate = p->audio_bitrate;
	x->time_base = (AVRational){ 1, x->sample_rate };
	if ((err = avcodec_open2(x, aac, NULL)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot open the AAC encoder: %s", vt_averr(err));
	build_graph(a, dec);
	a->tmp = av_frame_alloc();
	a->pkt = av_packet_alloc();
	a->shift = shift;
	a->next = AV_NOPTS_VALUE;
	a->onpacket = onpacket;
	a->arg = arg;
	return a;
}

const AVCodecContext *
vt_aenc_codec(const struct vt_aenc *a)
{
	return a->enc;
}

static void
encode(struct vt_aenc *a, AVFrame *f)
{
	int err;

	if ((err = avcodec_send_frame(a->enc, f)) < 0)
		vt_die(VT_EX_SOFTWARE, "audio encoder: %s", vt_averr(err));
	while ((err = avcodec_receive_packet(a->enc, a->pkt)) >= 0) {
		a->onpacket(a->arg, 0, a->enc, a->pkt);
		av_packet_unref(a->pkt);
	}
	if (err != AVERROR(EAGAIN) && err != AVERROR_EOF)
		vt_die(VT_EX_SOFTWARE, "audio encoder: %s", vt_averr(err));
}

static void
drain(struct vt_aenc *a)
{
	int err;

	while ((err = av_buffersink_get_frame(a->sink, a->tmp)) >= 0) {
		a->samples += a->tmp->nb_samples;
		a->tmp->pts += a->shift;
		encode(a, a->tmp);
		av_frame_unref(a->tmp);
	}
	if (err != AVERROR(EAGAIN) && err != AVERROR_EOF)
		vt_die(VT_EX_SOFTWARE, "audio filter graph: %s", vt_averr(err));
}

void
vt_aenc_push(struct vt_aenc *a, AVFrame *f)
{
	int err;

	if (!f) {
		if ((err = av_buffersrc_add_frame(a->bufsrc, NULL)) < 0)
			vt_die(VT_EX_SOFTWARE, "audio filter graph: %s", vt_averr(err));
		drain(a);
		encode(a, NULL);
		return;
	}
	if (f->pts == AV_NOPTS_VALUE)
		f->pts = a->next != AV_NOPTS_VALUE ? a->next : 0;
	a->next = f->pts + f->nb_samples;
	if (f->ch_layout.nb_channels != a->in.nb_channels) {
		if (!a->warned++)
			vt_warn("audio: the channel count changed; dropping audio until it is back");
		return;
	}
	if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC ||
	    av_channel_layout_compare(&f->ch_layout, &a->in)) {
		av_channel_layout_uninit(&f->ch_layout);
		av_channel_layout_copy(&f->ch_layout, &a->in);
	}
	if ((err = av_buffersrc_add_frame(a->bufsrc, f)) < 0)
		vt_die(VT_EX_DATAERR, "audio frame rejected: %s", vt_averr(err));
	drain(a);
}

int64_t
vt_aenc_samples(const struct vt_aenc *a)
{
	return a->samples;
}

void
vt_aenc_free(struct vt_aenc *a)
{
	if (!a)
		return;
	av_channel_layout_uninit(&a->in);
	avfilter_graph_free(&a->g);
	avcodec_free_context(&a->enc);
	av_frame_free(&a->tmp);
	av_packet_free(&a->pkt);
	free(a);
}
