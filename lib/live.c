/* vt-livesegment's input session: open the input (or wait for a
 * publisher, again after each one leaves), plan the ladder on the first
 * publish, read and decode at the input's pace, keep each stream's
 * timeline continuous, and feed the encoders, dropping frames rather than
 * fall behind a live input. The segments are livecut.c's. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt.h"
#include "decode.h"
#include "livecut.h"
#include "media.h"

static volatile sig_atomic_t stopsig;

static int
interrupted(void *arg)
{
	struct live *lv = arg;

	if (stopsig)
		return 1;
	if (lv->reading && lv->o->stall > 0 && vt_now() - lv->activity > lv->o->stall) {
		lv->stalled = 1;
		return 1;
	}
	return 0;
}

/* Open the input (for a listener: wait for a publisher). NULL when a
 * signal stopped the wait, or when the publish failed and we are to wait
 * for another. */
static AVFormatContext *
open_input(struct live *lv)
{
	const struct vt_live_opts *o = lv->o;
	AVFormatContext *in = avformat_alloc_context();
	AVDictionary *opt = NULL;
	int err;

	in->interrupt_callback = (AVIOInterruptCB){ interrupted, lv };
	if (o->listen)
		av_dict_set(&opt, !strncmp(o->url, "srt:", 4) ? "mode" : "listen",
		    !strncmp(o->url, "srt:", 4) ? "listener" : "1", 0);
	/* Start from the first packets rather than a long analysis. */
	av_dict_set(&opt, "analyzeduration", "500000", 0);
	av_dict_set(&opt, "fpsprobesize", "0", 0);
	lv->reading = 0;
	lv->stalled = 0;
	if (!o->listen && !strstr(o->url, "://") && access(o->url, R_OK) < 0)
		vt_die(VT_EX_NOINPUT, "cannot open '%s': %s", o->url, strerror(errno));
	err = avformat_open_input(&in, o->url, NULL, &opt);
	av_dict_free(&opt);
	if (err < 0) {
		if (stopsig)
			return NULL;
		if (o->wait) {
			if (!lv->openfails++ || o->listen)
				vt_warn("'%s': %s: %s", o->url, o->listen ? "the publish failed" :
				    "cannot open; trying again", vt_averr(err));
			/* A pulled stream is tried again after a pause. */
			if (!o->listen)
				sleep(1);
			return NULL;
		}
		if (err == AVERROR(ENOENT) || err == AVERROR(EACCES))
			vt_die(VT_EX_NOINPUT, "cannot open '%s': %s", o->url, vt_averr(err));
		/* A listener that got a connection got a bad publish. */
		if (o->listen && err != AVERROR(EADDRINUSE) && err != AVERROR(EADDRNOTAVAIL))
			vt_die(VT_EX_DATAERR, "'%s': the publish failed: %s", o->url, vt_averr(err));
		if (err == AVERROR_INVALIDDATA)
			vt_die(VT_EX_DATAERR, "'%s': not a stream we can read: %s", o->url,
			    vt_averr(err));
		vt_die(VT_EX_UNAVAILABLE, "cannot open '%s': %s", o->url, vt_averr(err));
	}
	lv->openfails = 0;
	lv->activity = vt_now();
	lv->opened = vt_wallclock();
	lv->reading = 1;
	if ((err = avformat_find_stream_info(in, NULL)) < 0 || in->nb_streams == 0) {
		avformat_close_input(&in);
		if (stopsig || o->wait) {
			if (!stopsig)
				vt_warn("'%s': no streams in the publish", o->url);
			return NULL;
		}
		vt_die(VT_EX_DATAERR, "cannot read streams of '%s': %s", o->url,
		    err < 0 ? vt_averr(err) : "none");
	}
	return in;
}

/* The first publish fixes the ladder and whether there is audio. */
static void
plan(struct live *lv, const AVStream *st)
{
	struct vt_source *s = &lv->src;
	int i;

	s->width = st->codecpar->width;
	s->height = st->codecpar->height;
	s->sar = st->sample_aspect_ratio.num ? st->sample_aspect_ratio :
	    st->codecpar->sample_aspect_ratio;
	if (s->sar.num <= 0 || s->sar.den <= 0)
		s->sar = (AVRational){ 1, 1 };
	s->rotation = vt_rotation(st);
	s->fps = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0 ?
	    st->avg_frame_rate : vt_frame_rate(st);
	if (av_q2d(s->fps) > 120 || av_q2d(s->fps) < 1)
		s->fps = (AVRational){ 30, 1 };
	s->tb = st->time_base;
	if (s->width <= 0 || s->height <= 0)
		vt_die(VT_EX_DATAERR, "'%s': the video has no size", lv->o->url);
	lv->skipped = json_array();
	lv->notes = json_array();
	lv->nrungs = vt_ladder_plan(s, &lv->p, lv->rungs, lv->skipped, lv->notes);
	/* A one-second VBV buffer keeps live segments near their rate. */
	for (i = 0; i < lv->nrungs; i++)
		lv->rungs[i].bufsize = lv->rungs[i].maxrate;
	lv->nr = lv->nrungs + lv->has_audio;
	lv->r = vt_calloc(lv->nr, sizeof(*lv->r));
	for (i = 0; i < lv->nr; i++) {
		struct rend *r = &lv->r[i];

		r->lv = lv;
		r->index = i < lv->nrungs ? i : -1;
		r->rung = i < lv->nrungs ? &lv->rungs[i] : NULL;
		r->name = r->rung ? r->rung->name : "audio";
		r->dir = vt_path_join(lv->o->dir, r->name);
		vt_mkdirs(r->dir);
	}
	lv->planned = 1;
}

static json_t *
start_line(struct live *lv)
{
	json_t *rs = json_array(), *line;
	int i;
	double vframe = av_q2d(av_inv_q(lv->src.fps)), aframe = 1024.0 / 48000;

	if (lv->a.st && lv->a.st->codecpar->sample_rate > 0)
		aframe = 1024.0 / vt_aac_rate(lv->a.st->codecpar->sample_rate);
	for (i = 0; i < lv->nrungs; i++) {
		json_t *j = vt_rung_json(&lv->rungs[i]);

		json_object_set_new(j, "type", json_string("video"));
		json_object_set_new(j, "frame_rate", json_real(av_q2d(lv->src.fps)));
		json_array_append_new(rs, j);
	}
	if (lv->has_audio)
		json_array_append_new(rs, json_pack("{s:s,s:s,s:I,s:i}", "name", "audio",
		    "type", "audio", "bitrate", (json_int_t)lv->p.audio_bitrate,
		    "channels", lv->p.audio_channels > 0 ? lv->p.audio_channels : 2));
	/* A partial segment holds the frames that start in its slot of the
	 * part grid: at most the slot's length plus one frame (audio: two,
	 * for the encoder's priming before the first). */
	if (lv->part) {
		json_t *j;
		size_t k;

		json_array_foreach(rs, k, j)
			json_object_set_new(j, "part_target", json_real(lv->o->part +
			    (strcmp(vt_json_str(j, "type", ""), "audio") ? vframe : 2 * aframe)));
	}
	line = json_pack("{s:s,s:i,s:I,s:f,s:s,s:b,s:o,s:O,s:O,s:{s:o,s:o}}",
	    "type", "start", "epoch", lv->epoch, "seq", (json_int_t)lv->first_cell,
	    "seg", lv->p.seg, "format", lv->o->fmt == VT_SEG_TS ? "ts" : "fmp4",
	    "discontinuity", lv->epoch > 0 || lv->resumed, "renditions", rs,
	    "skipped", lv->skipped, "notes", lv->notes,
	    "input", "video", vt_stream_json(lv->v.st),
	    "audio", lv->a.st ? vt_stream_json(lv->a.st) : json_null());
	if (lv->part)
		json_object_set_new(line, "part", json_real(lv->o->part));
	return line;
}

/* Map a timestamp (in the stream's time base) to output ticks. Each
 * stream's timeline is kept continuous: a jump back, or forward by more
 * than a second, is taken out. */
static int64_t
map_ts(struct live *lv, struct stream *s, int64_t ts, int64_t dur)
{
	int64_t us = av_rescale_q(ts, s->st->time_base, AV_TIME_BASE_Q), expect;

	/* The publish's timeline starts at its first video frame, so video
	 * segments start on the grid; audio before it is dropped. */
	if (lv->in0 == AV_NOPTS_VALUE) {
		if (s != &lv->v)
			return AV_NOPTS_VALUE;
		lv->in0 = us;
		lv->wall0 = lv->opened;
	}
	us += s->adj;
	if (s->last != AV_NOPTS_VALUE) {
		expect = s->last + s->lastdur;
		if (us < s->last || us > expect + AV_TIME_BASE) {
			vt_warn("%s timestamps jumped by %.3f s; the output goes on without a gap",
			    s == &lv->v ? "video" : "audio", (us - expect) / 1e6);
			s->adj += expect - us;
			us = expect;
		}
	}
	s->last = us;
	s->lastdur = dur;
	return av_rescale(us - lv->in0, 90000, AV_TIME_BASE) + lv->base;
}

/* Seconds of encoding a live rung may have waiting before frames are
 * dropped, whatever the queue length. */
#define MAX_WAIT 0.5

static void
on_video(struct live *lv, AVFrame *f)
{
	int64_t ts = f->best_effort_timestamp, dur, out;
	double wait;

	dur = av_rescale_q(1, av_inv_q(lv->src.fps), AV_TIME_BASE_Q);
	if (ts == AV_NOPTS_VALUE) {
		if (lv->v.last == AV_NOPTS_VALUE)
			return;
		ts = av_rescale_q(lv->v.last - lv->v.adj + dur, AV_TIME_BASE_Q, lv->v.st->time_base);
	}
	out = map_ts(lv, &lv->v, ts, dur);
	if (out <= lv->last_vout || out < lv->base)
		return;
	atomic_store(&lv->vin_end, out + av_rescale(dur, 90000, AV_TIME_BASE));
	/* An encoder that cannot keep up loses frames here, the same ones in
	 * every rung, rather than fall further behind. */
	if (lv->droppable && (vt_venc_backlog(lv->venc, &wait) >= vt_venc_queue_size(lv->venc) ||
	    wait > MAX_WAIT)) {
		atomic_fetch_add(&lv->dropped, 1);
		if (!lv->dropwarned++)
			vt_warn("the encoders are behind real time; dropping frames");
		return;
	}
	lv->last_vout = out;
	f->pts = out;
	vt_venc_push(lv->venc, f);
}

static void
on_audio(struct live *lv, AVFrame *f)
{
	int64_t ts = f->best_effort_timestamp, out;

	if (!lv->has_audio || ts == AV_NOPTS_VALUE || f->sample_rate <= 0)
		return;
	if (!lv->aenc)
		lv->aenc = vt_aenc_new(lv->a.dec, &lv->p, 0, vt_lc_audio_packet, lv);
	out = map_ts(lv, &lv->a, ts, av_rescale(f->nb_samples, AV_TIME_BASE, f->sample_rate));
	if (out == AV_NOPTS_VALUE || out < lv->base)
		return;
	f->pts = av_rescale_q(out, VT_TB, (AVRational){ 1, f->sample_rate });
	vt_aenc_push(lv->aenc, f);
}

static void
decode(struct live *lv, struct stream *s, AVPacket *pkt, AVFrame *f)
{
	int err;

	if ((err = avcodec_send_packet(s->dec, pkt)) < 0 && err != AVERROR_EOF &&
	    ++s->errors <= 3)
		vt_warn("'%s': decoding: %s; skipped", lv->o->url, vt_averr(err));
	while ((err = avcodec_receive_frame(s->dec, f)) >= 0 || err == AVERROR_INVALIDDATA) {
		if (err < 0)
			continue;
		if (s == &lv->v)
			on_video(lv, f);
		else
			on_audio(lv, f);
		av_frame_unref(f);
	}
}

/* --realtime: do not read ahead of the input's own clock. */
static void
pace(struct live *lv, const AVPacket *pkt)
{
	int64_t ts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
	double due;

	if (ts == AV_NOPTS_VALUE)
		return;
	ts = av_rescale_q(ts, lv->in->streams[pkt->stream_index]->time_base, AV_TIME_BASE_Q);
	if (lv->rt_in0 == AV_NOPTS_VALUE) {
		lv->rt_in0 = ts;
		lv->rt_t0 = vt_now();
	}
	due = lv->rt_t0 + (ts - lv->rt_in0) / 1e6;
	while (!stopsig && vt_now() < due) {
		double d = due - vt_now();

		usleep((useconds_t)((d > 0.1 ? 0.1 : d) * 1e6) + 1);
	}
}

static void
open_stream(struct live *lv, struct stream *s, int idx)
{
	memset(s, 0, sizeof(*s));
	s->idx = idx;
	s->last = AV_NOPTS_VALUE;
	if (idx < 0)
		return;
	s->st = lv->in->streams[idx];
	/* One thread: frame threads would hold frames back. */
	s->dec = vt_open_decoder(s->st, lv->o->url, 1);
}

/* One publish, from its first packet to its end. Returns why it ended. */
static const char *
epoch(struct live *lv)
{
	AVPacket *pkt = av_packet_alloc();
	AVFrame *f = av_frame_alloc();
	const char *why = "eof";
	int i, err, vi, ai;

	vi = vt_best_stream(lv->in, AVMEDIA_TYPE_VIDEO);
	ai = vt_best_stream(lv->in, AVMEDIA_TYPE_AUDIO);
	if (!lv->planned) {
		lv->has_audio = ai >= 0;
		plan(lv, lv->in->streams[vi]);
	}
	open_stream(lv, &lv->v, vi);
	open_stream(lv, &lv->a, lv->has_audio ? ai : -1);
	lv->base = lv->grid.origin + lv->first_cell * lv->grid.seg;
	lv->in0 = AV_NOPTS_VALUE;
	lv->last_vout = INT64_MIN;
	atomic_store(&lv->vin_end, INT64_MIN);
	lv->rt_in0 = AV_NOPTS_VALUE;
	atomic_store(&lv->dropped, 0);
	atomic_store(&lv->inbytes, 0);
	lv->dropwarned = 0;
	for (i = 0; i < lv->nr; i++)
		lv->r[i].disc = lv->epoch > 0 || lv->resumed;
	vt_lc_emit(lv, start_line(lv));
	lv->venc = vt_venc_new(lv->rungs, lv->nrungs, &lv->vconf);

	while (!stopsig) {
		struct stream *s;

		if ((err = av_read_frame(lv->in, pkt)) < 0) {
			if (err == AVERROR(EAGAIN))
				continue;
			/* An RTMP publisher that closes reads as EIO. */
			why = stopsig ? "stop" : lv->stalled ? "stall" :
			    err == AVERROR_EOF || err == AVERROR(EIO) ? "eof" : "error";
			if (!strcmp(why, "error"))
				vt_warn("'%s': %s; the publish has ended", lv->o->url, vt_averr(err));
			else if (!strcmp(why, "stall"))
				vt_warn("'%s': no data for %g s; the publish has ended", lv->o->url,
				    lv->o->stall);
			break;
		}
		lv->activity = vt_now();
		atomic_fetch_add(&lv->inbytes, pkt->size);
		s = pkt->stream_index == lv->v.idx ? &lv->v :
		    lv->a.dec && pkt->stream_index == lv->a.idx ? &lv->a : NULL;
		if (s) {
			if (lv->o->realtime)
				pace(lv, pkt);
			decode(lv, s, pkt, f);
		}
		av_packet_unref(pkt);
	}
	if (stopsig)
		why = "stop";
	lv->reading = 0;
	decode(lv, &lv->v, NULL, f);
	if (lv->a.dec)
		decode(lv, &lv->a, NULL, f);
	vt_venc_flush(lv->venc);
	if (lv->aenc) {
		vt_aenc_push(lv->aenc, NULL);
		vt_aenc_free(lv->aenc);
		lv->aenc = NULL;
	}
	lv->first_cell = vt_lc_end_epoch(lv);
	vt_venc_free(lv->venc);
	lv->venc = NULL;
	avcodec_free_context(&lv->v.dec);
	avcodec_free_context(&lv->a.dec);
	av_packet_free(&pkt);
	av_frame_free(&f);
	return why;
}

int
vt_live_run(const struct vt_live_opts *o)
{
	struct live lv = { .o = o, .p = o->p };
	const char *why = "eof";
	int64_t last;

	vt_graceful(&stopsig);
	vt_mkdirs(o->dir);
	vt_grid_init(&lv.grid, lv.p.offset, lv.p.seg);
	lv.part = llround(o->part * 90000);
	pthread_mutex_init(&lv.out, NULL);
	lv.vconf = (struct vt_venc_conf){ .src = &lv.src, .p = &lv.p, .live = 1,
	    .queue = o->queue, .onpacket = vt_lc_video_packet, .arg = &lv };
	/* A file read as fast as it decodes can wait for the encoders. */
	lv.droppable = o->listen || o->realtime || strstr(o->url, "://");
	last = vt_lc_last_cell(o->dir);
	lv.resumed = last >= 0;
	lv.first_cell = last + 1;
	avformat_network_init();
	for (;;) {
		if (!(lv.in = open_input(&lv))) {
			if (stopsig)
				break;
			continue;
		}
		if (vt_best_stream(lv.in, AVMEDIA_TYPE_VIDEO) < 0) {
			/* Audio alone: nothing to make segments of. */
			if (!o->wait)
				vt_die(VT_EX_DATAERR, "'%s': the stream has no video", o->url);
			vt_warn("'%s': the publish has no video; waiting for another", o->url);
			avformat_close_input(&lv.in);
			if (!o->listen)
				sleep(1);
			continue;
		}
		why = epoch(&lv);
		avformat_close_input(&lv.in);
		lv.epoch++;
		if (stopsig || !o->wait)
			break;
		vt_info("waiting for the publisher to return");
	}
	vt_lc_emit(&lv, json_pack("{s:s,s:s,s:I}", "type", "end", "reason", stopsig ? "stop" : why,
	    "seq", (json_int_t)lv.first_cell));
	json_decref(lv.skipped);
	json_decref(lv.notes);
	for (int i = 0; i < lv.nr; i++)
		free(lv.r[i].dir);
	free(lv.r);
	avformat_network_deinit();
	return 0;
}
