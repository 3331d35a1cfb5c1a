/* Transcoding: one chunk of video to every rung, and the whole audio. */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>

#include "vt.h"
#include "decode.h"
#include "frameq.h"
#include "media.h"
#include "grid.h"
#include "encode.h"

/* One encoded stream written to an MPEG-TS file at 90 kHz. */
struct out {
	const struct vt_rung *rung;	/* NULL for audio */
	AVCodecContext *enc;
	AVFormatContext *oc;
	AVFilterContext *sink;
	char *path, *tmp;
	int64_t frames, last_cell;
	int64_t first_pts, end_pts;	/* output ticks */
	int64_t frame_dur;		/* nominal, in encoder time base */
	/* video: a thread per rung runs its encoder, fed through q */
	struct vt_frameq q;
	pthread_t thread;
	const struct vt_source *src;
	const struct vt_params *p;
};

static AVFilterContext *
add_filter(AVFilterGraph *g, const char *name, const char *args)
{
	AVFilterContext *f = NULL;
	int err;

	err = avfilter_graph_create_filter(&f, avfilter_get_by_name(name), NULL, args, NULL, g);
	if (err < 0)
		vt_die(VT_EX_SOFTWARE, "cannot create filter %s: %s", name, vt_averr(err));
	return f;
}

static AVFilterContext *
chain(AVFilterContext *from, unsigned pad, AVFilterContext *to)
{
	int err;

	if ((err = avfilter_link(from, pad, to, 0)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot link filters: %s", vt_averr(err));
	return to;
}

static void
open_mux(struct out *o)
{
	AVStream *st;
	int err;

	o->tmp = vt_tmp_open(o->path, NULL);
	if ((err = avformat_alloc_output_context2(&o->oc, NULL, "mpegts", o->tmp)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot set up MPEG-TS output: %s", vt_averr(err));
	if (!(st = avformat_new_stream(o->oc, NULL)))
		vt_die(VT_EX_SOFTWARE, "out of memory");
	avcodec_parameters_from_context(st->codecpar, o->enc);
	st->time_base = VT_TB;
	if ((err = avio_open(&o->oc->pb, o->tmp, AVIO_FLAG_WRITE)) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot create '%s': %s", o->path, vt_averr(err));
	if ((err = avformat_write_header(o->oc, NULL)) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot write '%s': %s", o->path, vt_averr(err));
	o->first_pts = INT64_MAX;
	o->end_pts = INT64_MIN;
}

/* Send a frame (or NULL to flush) and write what comes out. */
static void
encode(struct out *o, AVFrame *f)
{
	AVPacket *pkt = av_packet_alloc();
	int err;

	if ((err = avcodec_send_frame(o->enc, f)) < 0)
		vt_die(VT_EX_SOFTWARE, "'%s': encoder: %s", o->path, vt_averr(err));
	while ((err = avcodec_receive_packet(o->enc, pkt)) >= 0) {
		int64_t end;

		if (pkt->duration <= 0)
			pkt->duration = o->frame_dur;
		end = pkt->pts + pkt->duration;

		if (pkt->pts < o->first_pts)
			o->first_pts = pkt->pts;
		if (end > o->end_pts)
			o->end_pts = end;
		o->frames++;
		av_packet_rescale_ts(pkt, o->enc->time_base, o->oc->streams[0]->time_base);
		pkt->stream_index = 0;
		if ((err = av_write_frame(o->oc, pkt)) < 0)
			vt_die(VT_EX_IOERR, "cannot write '%s': %s", o->path, vt_averr(err));
		av_packet_unref(pkt);
	}
	if (err != AVERROR(EAGAIN) && err != AVERROR_EOF)
		vt_die(VT_EX_SOFTWARE, "'%s': encoder: %s", o->path, vt_averr(err));
	av_packet_free(&pkt);
}

static int64_t
close_out(struct out *o)
{
	int64_t bytes;
	int err;

	if (!o->oc)
		vt_die(VT_EX_DATAERR, "'%s': no frames to encode", o->path);
	if ((err = av_write_trailer(o->oc)) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", o->path, vt_averr(err));
	bytes = avio_size(o->oc->pb);
	if ((err = avio_closep(&o->oc->pb)) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", o->path, vt_averr(err));
	vt_tmp_commit(o->tmp, o->path);
	o->tmp = NULL;
	avformat_free_context(o->oc);
	avcodec_free_context(&o->enc);
	return bytes;
}

/* Video. */

static void
open_video_encoder(struct out *o, const AVFrame *f, const struct vt_source *src,
    const struct vt_params *p)
{
	const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
	const struct vt_rung *r = o->rung;
	AVDictionary *opt = NULL;
	AVCodecContext *c;
	int err;

	if (!codec)
		vt_die(VT_EX_UNAVAILABLE, "libx264 encoder not available");
	c = o->enc = avcodec_alloc_context3(codec);
	c->width = r->width;
	c->height = r->height;
	c->pix_fmt = AV_PIX_FMT_YUV420P;
	c->sample_aspect_ratio = (AVRational){ 1, 1 };
	c->time_base = VT_TB;
	c->framerate = src->fps;
	c->bit_rate = r->bitrate;
	c->rc_max_rate = r->maxrate;
	c->rc_buffer_size = (int)r->bufsize;
	c->gop_size = (int)(p->seg * av_q2d(src->fps) + 0.999);
	c->thread_count = p->threads;
	c->color_range = AVCOL_RANGE_MPEG;
	c->color_primaries = f->color_primaries;
	c->color_trc = f->color_trc;
	c->colorspace = f->colorspace;
	av_dict_set(&opt, "preset", p->preset, 0);
	av_dict_set(&opt, "profile", "high", 0);
	av_dict_set(&opt, "forced-idr", "1", 0);
	if ((err = avcodec_open2(c, codec, &opt)) < 0) {
		av_dict_free(&opt);
		vt_die(VT_EX_USAGE, "cannot open libx264 for %s (preset '%s'?): %s", r->name,
		    p->preset, vt_averr(err));
	}
	av_dict_free(&opt);
	open_mux(o);
}

/* buffer -> [rotation] -> split -> (scale -> format -> setsar -> sink) per rung */
static AVFilterGraph *
video_graph(const AVCodecContext *dec, AVRational tb, const struct vt_source *src,
    struct out *outs, int n, AVFilterContext **bufsrc)
{
	AVFilterGraph *g = avfilter_graph_alloc();
	AVFilterContext *last, *split;
	AVRational sar = dec->sample_aspect_ratio.num ? dec->sample_aspect_ratio : src->sar;
	char args[256];
	int i, err;

	snprintf(args, sizeof(args), "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:pixel_aspect=%d/%d",
	    dec->width, dec->height, dec->pix_fmt, tb.num, tb.den,
	    sar.num > 0 ? sar.num : 1, sar.den > 0 ? sar.den : 1);
	last = *bufsrc = add_filter(g, "buffer", args);
	switch (src->rotation) {
	case 90:
		last = chain(last, 0, add_filter(g, "transpose", "dir=clock"));
		break;
	case 180:
		last = chain(last, 0, add_filter(g, "hflip", NULL));
		last = chain(last, 0, add_filter(g, "vflip", NULL));
		break;
	case 270:
		last = chain(last, 0, add_filter(g, "transpose", "dir=cclock"));
		break;
	}
	snprintf(args, sizeof(args), "outputs=%d", n);
	split = chain(last, 0, add_filter(g, "split", args));
	for (i = 0; i < n; i++) {
		snprintf(args, sizeof(args), "w=%d:h=%d:flags=bicubic:out_range=tv",
		    outs[i].rung->width, outs[i].rung->height);
		last = chain(split, i, add_filter(g, "scale", args));
		last = chain(last, 0, add_filter(g, "format", "pix_fmts=yuv420p"));
		last = chain(last, 0, add_filter(g, "setsar", "sar=1"));
		outs[i].sink = chain(last, 0, add_filter(g, "buffersink", NULL));
	}
	if ((err = avfilter_graph_config(g, NULL)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot configure filter graph: %s", vt_averr(err));
	return g;
}

struct vjob {
	const struct vt_source *src;
	const struct vt_params *p;
	struct out *outs;
	int n;
	AVRational tb;		/* chunk file's time base */
	struct vt_grid grid;
	int64_t origin;		/* source start in output ticks */
	AVFrame *tmp;
	/* decoding */
	AVCodecContext *dec;
	AVFilterGraph *g;
	AVFilterContext *bufsrc;
	const char *path;
	int64_t start, end, last, kept;	/* source time base */
};

/* A rung's encoder thread: single-threaded x264 per rung is
 * deterministic, and the rungs of one chunk still run in parallel. */
static void *
rung_worker(void *arg)
{
	struct out *o = arg;
	AVFrame *f;

	while ((f = vt_frameq_pop(&o->q))) {
		if (!o->enc)
			open_video_encoder(o, f, o->src, o->p);
		encode(o, f);
		av_frame_free(&f);
	}
	if (o->enc)
		encode(o, NULL);
	return NULL;
}

static void
drain(struct vjob *j)
{
	int i, err;

	for (i = 0; i < j->n; i++) {
		struct out *o = &j->outs[i];

		while ((err = av_buffersink_get_frame(o->sink, j->tmp)) >= 0) {
			int64_t ts = av_rescale_q(j->tmp->pts, j->tb, VT_TB) - j->origin +
			    j->grid.origin;
			int64_t cell = vt_grid_cell(&j->grid, ts);
			AVFrame *f = av_frame_alloc();

			j->tmp->pts = ts;
			j->tmp->pict_type = cell != o->last_cell ? AV_PICTURE_TYPE_I :
			    AV_PICTURE_TYPE_NONE;
			o->last_cell = cell;
			av_frame_move_ref(f, j->tmp);
			vt_frameq_push(&o->q, f);
		}
		if (err != AVERROR(EAGAIN) && err != AVERROR_EOF)
			vt_die(VT_EX_SOFTWARE, "filter graph: %s", vt_averr(err));
	}
}

/* A decoded frame: keep it if it is the chunk's, and feed every rung. */
static void
video_frame(void *arg, AVFrame *f)
{
	struct vjob *j = arg;
	int64_t ts = f->best_effort_timestamp, s;
	int err;

	if (ts == AV_NOPTS_VALUE)
		return;
	s = av_rescale_q(ts, j->tb, j->src->tb);
	if (s < j->start || s >= j->end || s <= j->last)
		return;
	j->last = s;
	j->kept++;
	if (!j->g)
		j->g = video_graph(j->dec, j->tb, j->src, j->outs, j->n, &j->bufsrc);
	f->pts = ts;
	if ((err = av_buffersrc_add_frame(j->bufsrc, f)) < 0)
		vt_die(VT_EX_DATAERR, "'%s': frame rejected: %s", j->path, vt_averr(err));
	drain(j);
}

json_t *
vt_encode_chunk(const json_t *m, const json_t *chunk, const struct vt_source *src,
    const struct vt_rung *rungs, int nrungs, const json_t *skipped,
    const struct vt_params *p, const char *dir)
{
	const char *path = vt_json_need_str(chunk, "path");
	int64_t start = vt_json_need_int(chunk, "start_pts");
	int64_t end = vt_json_need_int(chunk, "end_pts");
	int64_t want = vt_json_int(chunk, "frames", -1), kept;
	int idx = (int)vt_json_need_int(chunk, "index"), i, err;
	AVFormatContext *in = vt_open_input(path);
	AVFilterContext *bufsrc;
	AVFilterGraph *g;
	struct vjob j = { .src = src, .p = p, .n = nrungs };
	json_t *out, *jr = json_array();
	char name[32], *adir;

	if (in->nb_streams < 1 || in->streams[0]->codecpar->codec_type != AVMEDIA_TYPE_VIDEO)
		vt_die(VT_EX_DATAERR, "'%s' is not a video chunk", path);
	j.tb = in->streams[0]->time_base;
	j.tmp = av_frame_alloc();
	vt_grid_init(&j.grid, p->offset, p->seg);
	j.origin = av_rescale_q(src->start_pts, src->tb, VT_TB);
	j.outs = vt_calloc(nrungs, sizeof(*j.outs));
	snprintf(name, sizeof(name), "c%05d.ts", idx);
	vt_mkdirs(dir);
	if (!(adir = realpath(dir, NULL)))
		vt_die(VT_EX_CANTCREAT, "cannot resolve '%s'", dir);
	for (i = 0; i < nrungs; i++) {
		char *d = vt_path_join(adir, rungs[i].name);

		vt_mkdirs(d);
		j.outs[i].rung = &rungs[i];
		j.outs[i].path = vt_path_join(d, name);
		j.outs[i].last_cell = -1;
		j.outs[i].frame_dur = av_rescale_q(1, av_inv_q(src->fps), VT_TB);
		j.outs[i].src = src;
		j.outs[i].p = p;
		vt_frameq_init(&j.outs[i].q, 8);
		if (pthread_create(&j.outs[i].thread, NULL, rung_worker, &j.outs[i]))
			vt_die(VT_EX_SOFTWARE, "cannot start an encoder thread");
		free(d);
	}
	/* Threads per codec instance, as for x264: the pipeline runs a job
	 * per chunk and a thread per rung, so extra decoder threads only
	 * add overhead there. */
	j.dec = vt_open_decoder(in->streams[0], path, p->threads);
	j.path = path;
	j.start = start;
	j.end = end;
	j.last = INT64_MIN;
	vt_decode_all(in, 0, j.dec, video_frame, &j);
	g = j.g;
	bufsrc = j.bufsrc;
	kept = j.kept;
	if (!g)
		vt_die(VT_EX_DATAERR, "'%s': no frames in chunk %d", path, idx);
	if ((err = av_buffersrc_add_frame(bufsrc, NULL)) < 0)
		vt_die(VT_EX_SOFTWARE, "filter graph: %s", vt_averr(err));
	drain(&j);
	for (i = 0; i < nrungs; i++) {
		vt_frameq_push(&j.outs[i].q, NULL);
		pthread_join(j.outs[i].thread, NULL);
		vt_frameq_destroy(&j.outs[i].q);
	}
	vt_info("chunk %d: %lld frames to %d rungs", idx, (long long)kept, nrungs);
	if (want >= 0 && kept != want)
		vt_warn("chunk %d: decoded %lld frames, manifest says %lld", idx,
		    (long long)kept, (long long)want);
	for (i = 0; i < nrungs; i++) {
		struct out *o = &j.outs[i];
		json_t *rj = vt_rung_json(o->rung);

		json_object_set_new(rj, "frames", json_integer(o->frames));
		json_object_set_new(rj, "start", json_real(o->first_pts / 90000.0));
		json_object_set_new(rj, "end", json_real(o->end_pts / 90000.0));
		json_object_set_new(rj, "bytes", json_integer(close_out(o)));
		json_object_set_new(rj, "path", json_string(o->path));
		json_array_append_new(jr, rj);
		free(o->path);
	}
	out = json_pack("{s:s,s:i,s:I,s:I,s:O,s:o,s:{s:f,s:f},s:o,s:O}",
	    "type", "video", "chunk", idx,
	    "chunks", (json_int_t)json_array_size(json_object_get(m, "chunks")),
	    "frames", (json_int_t)kept, "time_base", json_object_get(json_object_get(m, "video"), "time_base"),
	    "frame_rate", vt_json_rational_new(src->fps.num, src->fps.den),
	    "grid", "offset", p->offset, "seg", p->seg, "rungs", jr, "skipped", skipped);
	avfilter_graph_free(&g);
	avcodec_free_context(&j.dec);
	avformat_close_input(&in);
	av_frame_free(&j.tmp);
	free(j.outs);
	free(adir);
	return out;
}

/* Audio. */

static int
aac_rate(int r)
{
	static const int rates[] = { 96000, 88200, 64000, 48000, 44100, 32000, 24000,
	    22050, 16000, 12000, 11025, 8000 };
	size_t i;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (rates[i] == r)
			return r;
	return 48000;
}

static AVFilterGraph *
audio_graph(const AVCodecContext *dec, const AVChannelLayout *in_layout,
    const AVCodecContext *enc, AVFilterContext **bufsrc, AVFilterContext **sink)
{
	AVFilterGraph *g = avfilter_graph_alloc();
	AVFilterContext *last;
	char args[512], lin[128], lout[128];
	int err;

	av_channel_layout_describe(in_layout, lin, sizeof(lin));
	av_channel_layout_describe(&enc->ch_layout, lout, sizeof(lout));
	snprintf(args, sizeof(args), "time_base=1/%d:sample_rate=%d:sample_fmt=%s:channel_layout=%s",
	    dec->sample_rate, dec->sample_rate, av_get_sample_fmt_name(dec->sample_fmt), lin);
	last = *bufsrc = add_filter(g, "abuffer", args);
	/* async fills timestamp gaps with silence, so the track stays continuous */
	snprintf(args, sizeof(args), "out_sample_rate=%d:async=1:min_hard_comp=0.1",
	    enc->sample_rate);
	last = chain(last, 0, add_filter(g, "aresample", args));
	snprintf(args, sizeof(args), "sample_fmts=fltp:sample_rates=%d:channel_layouts=%s",
	    enc->sample_rate, lout);
	last = chain(last, 0, add_filter(g, "aformat", args));
	*sink = chain(last, 0, add_filter(g, "abuffersink", NULL));
	if ((err = avfilter_graph_config(g, NULL)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot configure audio filter graph: %s", vt_averr(err));
	av_buffersink_set_frame_size(*sink, enc->frame_size);
	return g;
}

struct ajob {
	struct out *o;
	const AVStream *st;
	const AVCodecContext *dec;
	AVFilterContext *bufsrc;
	const AVChannelLayout *layout;
	AVFrame *tmp;
	int64_t shift, next, samples;
	const char *path;
};

static void
drain_audio(struct out *o, AVFrame *tmp, int64_t *samples, int64_t shift)
{
	int err;

	while ((err = av_buffersink_get_frame(o->sink, tmp)) >= 0) {
		*samples += tmp->nb_samples;
		tmp->pts += shift;
		encode(o, tmp);
		av_frame_unref(tmp);
	}
	if (err != AVERROR(EAGAIN) && err != AVERROR_EOF)
		vt_die(VT_EX_SOFTWARE, "audio filter graph: %s", vt_averr(err));
}

/* A decoded audio frame: timestamps in samples, one channel layout, then
 * through resampling into the encoder. */
static void
audio_frame(void *arg, AVFrame *f)
{
	struct ajob *j = arg;
	int64_t ts = f->best_effort_timestamp;
	int err;

	ts = ts != AV_NOPTS_VALUE ? av_rescale_q(ts, j->st->time_base,
	    (AVRational){ 1, j->dec->sample_rate }) : j->next;
	if (ts == AV_NOPTS_VALUE)
		ts = 0;
	j->next = ts + f->nb_samples;
	f->pts = ts;
	if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC ||
	    av_channel_layout_compare(&f->ch_layout, j->layout)) {
		av_channel_layout_uninit(&f->ch_layout);
		av_channel_layout_copy(&f->ch_layout, j->layout);
	}
	if ((err = av_buffersrc_add_frame(j->bufsrc, f)) < 0)
		vt_die(VT_EX_DATAERR, "'%s': audio frame rejected: %s", j->path, vt_averr(err));
	drain_audio(j->o, j->tmp, &j->samples, j->shift);
}

json_t *
vt_encode_audio(const json_t *m, const struct vt_params *p, const char *dir)
{
	const char *path = vt_json_need_str(m, "source");
	const json_t *ja = json_object_get(m, "audio");
	AVFormatContext *in;
	AVCodecContext *dec;
	const AVCodec *aac = avcodec_find_encoder_by_name("aac");
	AVFilterContext *bufsrc;
	AVFilterGraph *g;
	AVFrame *tmp = av_frame_alloc();
	AVChannelLayout inl = { 0 };
	struct ajob aj;
	struct vt_source vs;
	struct vt_grid grid;
	struct out o = { 0 };
	AVStream *st;
	int64_t origin, shift, samples;
	int idx, ch, err;
	char *adir;
	json_t *r;

	if (!json_is_object(ja))
		vt_die(VT_EX_DATAERR, "manifest: source has no audio");
	idx = (int)vt_json_need_int(ja, "index");
	in = vt_open_input(path);
	if (idx < 0 || (unsigned)idx >= in->nb_streams ||
	    in->streams[idx]->codecpar->codec_type != AVMEDIA_TYPE_AUDIO)
		vt_die(VT_EX_DATAERR, "'%s': stream %d is not audio", path, idx);
	st = in->streams[idx];
	dec = vt_open_decoder(st, path, 0);
	if (vt_source_from_json(&vs, json_object_get(m, "video")))
		origin = av_rescale_q(vs.start_pts, vs.tb, VT_TB);
	else
		origin = st->start_time != AV_NOPTS_VALUE ? av_rescale_q(st->start_time,
		    st->time_base, VT_TB) : 0;
	vt_grid_init(&grid, p->offset, p->seg);

	if (av_channel_layout_check(&dec->ch_layout) &&
	    dec->ch_layout.order != AV_CHANNEL_ORDER_UNSPEC)
		av_channel_layout_copy(&inl, &dec->ch_layout);
	else
		av_channel_layout_default(&inl, dec->ch_layout.nb_channels > 0 ?
		    dec->ch_layout.nb_channels : 2);
	ch = inl.nb_channels;
	if (p->audio_channels > 0 && ch > p->audio_channels)
		ch = p->audio_channels;
	if (!aac)
		vt_die(VT_EX_UNAVAILABLE, "aac encoder not available");
	o.enc = avcodec_alloc_context3(aac);
	o.enc->sample_fmt = AV_SAMPLE_FMT_FLTP;
	o.enc->sample_rate = aac_rate(dec->sample_rate);
	av_channel_layout_default(&o.enc->ch_layout, ch);
	o.enc->bit_rate = p->audio_bitrate;
	o.enc->time_base = (AVRational){ 1, o.enc->sample_rate };
	if ((err = avcodec_open2(o.enc, aac, NULL)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot open the AAC encoder: %s", vt_averr(err));
	vt_mkdirs(dir);
	if (!(adir = realpath(dir, NULL)))
		vt_die(VT_EX_CANTCREAT, "cannot resolve '%s'", dir);
	o.path = vt_path_join(adir, "audio.ts");
	free(adir);
	open_mux(&o);
	g = audio_graph(dec, &inl, o.enc, &bufsrc, &o.sink);
	/* Output ticks = source ticks - origin + offset; as samples at the
	 * output rate, so the encoder sees whole-sample timestamps. */
	shift = av_rescale_q(grid.origin - origin, VT_TB, o.enc->time_base);

	aj = (struct ajob){ .o = &o, .st = st, .dec = dec, .bufsrc = bufsrc, .layout = &inl,
	    .tmp = tmp, .shift = shift, .next = AV_NOPTS_VALUE, .path = path };
	vt_decode_all(in, idx, dec, audio_frame, &aj);
	samples = aj.samples;
	if ((err = av_buffersrc_add_frame(bufsrc, NULL)) < 0)
		vt_die(VT_EX_SOFTWARE, "audio filter graph: %s", vt_averr(err));
	drain_audio(&o, tmp, &samples, shift);
	encode(&o, NULL);
	if (samples == 0)
		vt_die(VT_EX_DATAERR, "'%s': no audio samples", path);
	{
		int rate = o.enc->sample_rate;
		int64_t frames = o.frames, first = o.first_pts, end = o.end_pts;
		int64_t bytes;
		char layout[64];

		av_channel_layout_describe(&o.enc->ch_layout, layout, sizeof(layout));
		r = json_pack("{s:s,s:s,s:s,s:i,s:i,s:s,s:I,s:I,s:I,s:f,s:f,s:f,s:{s:f,s:f}}",
		    "type", "audio", "path", o.path, "codec_name", "aac", "sample_rate", rate,
		    "channels", ch, "channel_layout", layout,
		    "bitrate", (json_int_t)p->audio_bitrate, "frames", (json_int_t)frames,
		    "samples", (json_int_t)samples, "duration", (double)samples / rate,
		    "start", av_rescale_q(first, o.enc->time_base, VT_TB) / 90000.0,
		    "end", av_rescale_q(end, o.enc->time_base, VT_TB) / 90000.0,
		    "grid", "offset", p->offset, "seg", p->seg);
		bytes = close_out(&o);
		json_object_set_new(r, "bytes", json_integer(bytes));
	}
	free(o.path);
	av_channel_layout_uninit(&inl);
	avfilter_graph_free(&g);
	avcodec_free_context(&dec);
	avformat_close_input(&in);
	av_frame_free(&tmp);
	return r;
}
