/* The video ladder encoder: split, scale and encode to every rung. */
#include <stdlib.h>

#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/opt.h>

#include "vt.h"
#include "filter.h"
#include "frameq.h"
#include "venc.h"
#include "watermark.h"

struct rung {
	struct vt_venc *e;
	int index;
	const struct vt_rung *r;
	AVCodecContext *enc;
	AVFilterContext *sink;
	int64_t last_cell, frame_dur;
	double busy;		/* seconds spent encoding; under q.lock */
	int64_t encoded;	/* frames encoded; under q.lock */
	struct vt_frameq q;
	pthread_t thread;
};

struct vt_venc {
	const struct vt_venc_conf *c;
	struct rung *rungs;
	int n, qsize;
	struct vt_grid grid;
	AVFilterGraph *g;
	AVFilterContext *bufsrc;
	int w, h, fmt;		/* the graph's input */
	AVRational sar;
	AVFrame *tmp;
};

static void
open_encoder(struct rung *o, const AVFrame *f)
{
	const struct vt_venc_conf *c = o->e->c;
	const struct vt_params *p = c->p;
	const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
	AVDictionary *opt = NULL;
	AVCodecContext *x;
	int err;

	if (!codec)
		vt_die(VT_EX_UNAVAILABLE, "libx264 encoder not available");
	x = o->enc = avcodec_alloc_context3(codec);
	x->width = o->r->width;
	x->height = o->r->height;
	x->pix_fmt = AV_PIX_FMT_YUV420P;
	x->sample_aspect_ratio = (AVRational){ 1, 1 };
	x->time_base = VT_TB;
	x->framerate = c->src->fps;
	x->bit_rate = o->r->bitrate;
	x->rc_max_rate = o->r->maxrate;
	x->rc_buffer_size = (int)o->r->bufsize;
	x->gop_size = o->r->gop;
	x->thread_count = p->threads;
	x->color_range = AVCOL_RANGE_MPEG;
	x->color_primaries = f->color_primaries;
	x->color_trc = f->color_trc;
	x->colorspace = f->colorspace;
	av_dict_set(&opt, "preset", p->preset, 0);
	av_dict_set(&opt, "profile", o->r->profile, 0);
	av_dict_set(&opt, "forced-idr", "1", 0);
	if (c->live) {
		/* Keyframes come only from the grid; the longer GOP limit
		 * keeps x264 from adding its own when frames arrive late. */
		av_dict_set(&opt, "tune", "zerolatency", 0);
		av_dict_set(&opt, "sc_threshold", "0", 0);
		x->gop_size *= 4;
	}
	if ((err = avcodec_open2(x, codec, &opt)) < 0) {
		av_dict_free(&opt);
		vt_die(VT_EX_USAGE, "cannot open libx264 for %s (preset '%s'?): %s", o->r->name,
		    p->preset, vt_averr(err));
	}
	av_dict_free(&opt);
}

/* Send a frame (or NULL to flush) and hand on what comes out. */
static void
encode(struct rung *o, AVFrame *f)
{
	AVPacket *pkt = av_packet_alloc();
	int err;

	if ((err = avcodec_send_frame(o->enc, f)) < 0)
		vt_die(VT_EX_SOFTWARE, "%s: encoder: %s", o->r->name, vt_averr(err));
	while ((err = avcodec_receive_packet(o->enc, pkt)) >= 0) {
		if (pkt->duration <= 0)
			pkt->duration = o->frame_dur;
		o->e->c->onpacket(o->e->c->arg, o->index, o->enc, pkt);
		av_packet_unref(pkt);
	}
	if (err != AVERROR(EAGAIN) && err != AVERROR_EOF)
		vt_die(VT_EX_SOFTWARE, "%s: encoder: %s", o->r->name, vt_averr(err));
	av_packet_free(&pkt);
}

/* A rung's encoder thread: single-threaded x264 per rung is
 * deterministic, and the rungs still run in parallel. */
static void *
worker(void *arg)
{
	struct rung *o = arg;
	AVFrame *f;

	while ((f = vt_frameq_pop(&o->q))) {
		double t = vt_now();

		if (!o->enc)
			open_encoder(o, f);
		encode(o, f);
		av_frame_free(&f);
		pthread_mutex_lock(&o->q.lock);
		o->busy += vt_now() - t;
		o->encoded++;
		pthread_mutex_unlock(&o->q.lock);
	}
	if (o->enc) {
		encode(o, NULL);
		avcodec_free_context(&o->enc);
	}
	return NULL;
}

/* Move what the graph has ready to the rungs' queues; a frame that starts
 * a grid cell is marked to be coded as IDR. */
static void
drain(struct vt_venc *e)
{
	int i, err;

	for (i = 0; i < e->n; i++) {
		struct rung *o = &e->rungs[i];

		while ((err = av_buffersink_get_frame(o->sink, e->tmp)) >= 0) {
			int64_t cell = vt_grid_cell(&e->grid, e->tmp->pts);
			AVFrame *f = av_frame_alloc();

			e->tmp->pict_type = cell != o->last_cell ? AV_PICTURE_TYPE_I :
			    AV_PICTURE_TYPE_NONE;
			o->last_cell = cell;
			av_frame_move_ref(f, e->tmp);
			vt_frameq_push(&o->q, f);
		}
		if (err != AVERROR(EAGAIN) && err != AVERROR_EOF)
			vt_die(VT_EX_SOFTWARE, "filter graph: %s", vt_averr(err));
	}
}

static void
flush_graph(struct vt_venc *e)
{
	int err;

	if (!e->g)
		return;
	if ((err = av_buffersrc_add_frame(e->bufsrc, NULL)) < 0)
		vt_die(VT_EX_SOFTWARE, "filter graph: %s", vt_averr(err));
	drain(e);
	avfilter_graph_free(&e->g);
}

/* buffer -> [rotation] -> split -> (scale -> format -> [watermark] -> setsar -> sink)
 * per rung */
static void
build_graph(struct vt_venc *e, const AVFrame *f)
{
	const struct vt_source *src = e->c->src;
	AVFilterGraph *g = e->g = avfilter_graph_alloc();
	AVFilterContext *last, *split;
	AVRational sar = f->sample_aspect_ratio.num > 0 ? f->sample_aspect_ratio : src->sar;
	char args[256];
	int i;

	if (sar.num <= 0 || sar.den <= 0)
		sar = (AVRational){ 1, 1 };
	e->w = f->width;
	e->h = f->height;
	e->fmt = f->format;
	e->sar = f->sample_aspect_ratio;
	snprintf(args, sizeof(args), "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:pixel_aspect=%d/%d",
	    f->width, f->height, f->format, VT_TB.num, VT_TB.den, sar.num, sar.den);
	last = e->bufsrc = vt_filter_add(g, "buffer", args);
	switch (src->rotation) {
	case 90:
		last = vt_filter_chain(last, 0, vt_filter_add(g, "transpose", "dir=clock"));
		break;
	case 180:
		last = vt_filter_chain(last, 0, vt_filter_add(g, "hflip", NULL));
		last = vt_filter_chain(last, 0, vt_filter_add(g, "vflip", NULL));
		break;
	case 270:
		last = vt_filter_chain(last, 0, vt_filter_add(g, "transpose", "dir=cclock"));
		break;
	}
	snprintf(args, sizeof(args), "outputs=%d", e->n);
	split = vt_filter_chain(last, 0, vt_filter_add(g, "split", args));
	for (i = 0; i < e->n; i++) {
		snprintf(args, sizeof(args), "w=%d:h=%d:flags=bicubic:out_range=tv",
		    e->rungs[i].r->width, e->rungs[i].r->height);
		last = vt_filter_chain(split, i, vt_filter_add(g, "scale", args));
		last = vt_filter_chain(last, 0, vt_filter_add(g, "format", "pix_fmts=yuv420p"));
		last = vt_watermark_add(&e->c->p->wm, g, last, e->rungs[i].r->height);
		last = vt_filter_chain(last, 0, vt_filter_add(g, "setsar", "sar=1"));
		e->rungs[i].sink = vt_filter_chain(last, 0, vt_filter_add(g, "buffersink", NULL));
	}
	vt_filter_config(g);
	vt_watermark_feed(&e->c->p->wm, g);
}

struct vt_venc *
vt_venc_new(const struct vt_rung *rungs, int n, const struct vt_venc_conf *c)
{
	struct vt_venc *e = vt_calloc(1, sizeof(*e));
	int i;

	e->c = c;
	e->n = n;
	e->qsize = c->queue > 0 ? c->queue : VT_VENC_QUEUE;
	e->tmp = av_frame_alloc();
	vt_grid_init(&e->grid, c->p->offset, c->p->seg);
	e->rungs = vt_calloc(n, sizeof(*e->rungs));
	for (i = 0; i < n; i++) {
		struct rung *o = &e->rungs[i];

		o->e = e;
		o->index = i;
		o->r = &rungs[i];
		o->last_cell = -1;
		o->frame_dur = av_rescale_q(1, av_inv_q(c->src->fps), VT_TB);
		vt_frameq_init(&o->q, e->qsize);
		if (pthread_create(&o->thread, NULL, worker, o))
			vt_die(VT_EX_SOFTWARE, "cannot start an encoder thread");
	}
	return e;
}

void
vt_venc_push(struct vt_venc *e, AVFrame *f)
{
	int err;

	if (e->g && (f->width != e->w || f->height != e->h || f->format != e->fmt ||
	    av_cmp_q(f->sample_aspect_ratio, e->sar)))
		flush_graph(e);
	if (!e->g)
		build_graph(e, f);
	f->pict_type = AV_PICTURE_TYPE_NONE;
	if ((err = av_buffersrc_add_frame(e->bufsrc, f)) < 0)
		vt_die(VT_EX_DATAERR, "frame rejected: %s", vt_averr(err));
	drain(e);
}

int
vt_venc_backlog(struct vt_venc *e, double *wait)
{
	int i, max = 0;

	if (wait)
		*wait = 0;
	for (i = 0; i < e->n; i++) {
		struct rung *o = &e->rungs[i];
		double w;
		int k;

		pthread_mutex_lock(&o->q.lock);
		k = o->q.count;
		w = o->encoded ? k * o->busy / o->encoded : 0;
		pthread_mutex_unlock(&o->q.lock);
		if (k > max)
			max = k;
		if (wait && w > *wait)
			*wait = w;
	}
	return max;
}

double
vt_venc_busy(struct vt_venc *e, int i)
{
	double b;

	pthread_mutex_lock(&e->rungs[i].q.lock);
	b = e->rungs[i].busy;
	pthread_mutex_unlock(&e->rungs[i].q.lock);
	return b;
}

int
vt_venc_queue_size(const struct vt_venc *e)
{
	return e->qsize;
}

void
vt_venc_flush(struct vt_venc *e)
{
	int i;

	flush_graph(e);
	for (i = 0; i < e->n; i++) {
		vt_frameq_push(&e->rungs[i].q, NULL);
		pthread_join(e->rungs[i].thread, NULL);
		vt_frameq_destroy(&e->rungs[i].q);
	}
}

void
vt_venc_free(struct vt_venc *e)
{
	av_frame_free(&e->tmp);
	free(e->rungs);
	free(e);
}

void
vt_venc_finish(struct vt_venc *e)
{
	vt_venc_flush(e);
	vt_venc_free(e);
}
