/* Live transcoding: an input stream to a ladder of HLS segments. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "vt.h"
#include "aenc.h"
#include "codecs.h"
#include "decode.h"
#include "grid.h"
#include "live.h"
#include "media.h"
#include "venc.h"

static volatile sig_atomic_t stopsig;

/* One rendition being cut into segments: a rung, or the audio. */
struct rend {
	struct live *lv;
	int index;		/* rung index; -1 for audio */
	const char *name;
	char *dir;		/* absolute */
	const struct vt_rung *rung;
	struct vt_segwriter *w;
	char init[40], seg[40], codecs[40];
	int open, disc;
	int64_t cell, start, end, bytes, frames;
	/* LL-HLS: the partial segment being written, the part'th of the
	 * segment; it covers part grid slot pslot */
	int part, popen, pindep;
	int64_t pslot, pstart, pend;
	char pname[48];
	double busy0;
	int64_t in0;		/* input bytes read when the segment began */
	double t0;		/* and when */
};

/* A decoded input stream and the map of its timestamps to the output. */
struct stream {
	int idx;
	AVStream *st;
	AVCodecContext *dec;
	int64_t adj;		/* microseconds added to keep it continuous */
	int64_t last, lastdur;	/* microseconds, after adj */
	int64_t errors;
};

struct live {
	const struct vt_live_opts *o;
	struct vt_params p;
	struct vt_grid grid;
	int64_t part;		/* ticks per partial segment; 0: none */
	struct vt_source src;
	struct vt_rung rungs[VT_MAX_RUNGS];
	int nrungs, has_audio, planned;
	json_t *skipped, *notes;
	struct rend *r;		/* nrungs rungs, then the audio */
	int nr;
	struct vt_venc_conf vconf;
	struct vt_venc *venc;
	struct vt_aenc *aenc;
	/* the current epoch: one publish */
	int epoch, resumed;
	int64_t first_cell;	/* the epoch's first grid cell */
	int64_t base;		/* output ticks where it starts */
	int64_t in0;		/* input microseconds at base */
	double wall0;		/* Unix time at base */
	struct stream v, a;
	int64_t last_vout;
	atomic_llong dropped;
	atomic_llong inbytes;	/* read from the input in this publish */
	int dropwarned, droppable;	/* a live input: drop rather than wait */
	/* reading */
	AVFormatContext *in;
	int reading, stalled, openfails;
	double activity;	/* vt_now() of the last data */
	double opened;		/* Unix time the publish began */
	double rt_t0;		/* --realtime: clock at rt_in0 */
	int64_t rt_in0;
	pthread_mutex_t out;	/* standard output */
};

static void
emit(struct live *lv, json_t *line)
{
	pthread_mutex_lock(&lv->out);
	vt_json_print(line);
	pthread_mutex_unlock(&lv->out);
}

/* Segments. */

static double
wall_at(const struct live *lv, int64_t ticks)
{
	return lv->wall0 + (ticks - lv->base) / 90000.0;
}

static void
part_name(struct rend *r, int64_t cell, int k)
{
	snprintf(r->pname, sizeof(r->pname), "part_%08lld_%d.m4s", (long long)cell, k);
}

/* Partial segments (LL-HLS): each a file of its own, announced by a
 * "part" line as soon as it is complete; the segment holds them all. */
static void
part_finish(struct live *lv, struct rend *r)
{
	int64_t bytes = vt_seg_part_end(r->w);
	json_t *line;
	char iso[32];

	vt_iso8601(iso, sizeof(iso), wall_at(lv, r->start));
	line = json_pack("{s:s,s:s,s:I,s:i,s:s++,s:f,s:b,s:I,s:s,s:b}", "type", "part",
	    "rendition", r->name, "seq", (json_int_t)r->cell, "part", r->part,
	    "path", r->name, "/", r->pname, "duration", (r->pend - r->pstart) / 90000.0,
	    "independent", r->pindep, "bytes", (json_int_t)bytes, "wallclock", iso,
	    "discontinuity", r->disc);
	json_object_set_new(line, "init", json_sprintf("%s/%s", r->name, r->init));
	r->popen = 0;
	r->part++;
	emit(lv, line);
}

/* Before a packet goes into the segment: end the partial segment if the
 * packet falls in a later slot of the part grid, and begin one. */
static void
part_before(struct live *lv, struct rend *r, const AVPacket *pkt)
{
	int64_t slot = (pkt->pts - (lv->grid.origin + r->cell * lv->grid.seg)) / lv->part;

	if (slot < 0)
		slot = 0;
	if (r->popen && slot != r->pslot)
		part_finish(lv, r);
	if (r->popen)
		return;
	part_name(r, r->cell, r->part);
	vt_seg_part_begin(r->w, r->pname);
	r->popen = 1;
	r->pslot = slot;
	r->pstart = pkt->pts;
	r->pend = pkt->pts;
	r->pindep = r->index < 0 || (pkt->flags & AV_PKT_FLAG_KEY);
}

/* After it: a packet that reaches the end of its slot ends the partial
 * segment at once, without waiting for the next packet. */
static void
part_after(struct live *lv, struct rend *r, int64_t pkt_end)
{
	int64_t end = lv->grid.origin + r->cell * lv->grid.seg + (r->pslot + 1) * lv->part;

	if (pkt_end > r->pend)
		r->pend = pkt_end;
	if (r->pend >= end)
		part_finish(lv, r);
}

static void
seg_finish(struct live *lv, struct rend *r)
{
	double dur = (r->end - r->start) / 90000.0, now = vt_wallclock();
	double lag = now - wall_at(lv, r->end);
	json_t *line, *health;
	char iso[32];

	vt_iso8601(iso, sizeof(iso), wall_at(lv, r->start));
	if (r->popen)
		part_finish(lv, r);
	r->bytes = vt_seg_end(r->w);
	r->open = 0;
	health = json_pack("{s:I,s:f}", "dropped", (json_int_t)atomic_load(&lv->dropped),
	    "lag", lag > 0 ? lag : 0.0);
	if (vt_now() > r->t0)
		json_object_set_new(health, "input_bitrate", json_integer((json_int_t)(
		    (atomic_load(&lv->inbytes) - r->in0) * 8 / (vt_now() - r->t0))));
	if (r->index >= 0) {
		double busy = vt_venc_busy(lv->venc, r->index) - r->busy0;

		json_object_set_new(health, "speed", busy > 0 ? json_real(dur / busy) : json_null());
	}
	line = json_pack("{s:s,s:s,s:I,s:s++,s:f,s:I,s:f,s:s,s:b,s:I,s:I,s:s,s:I,s:o}",
	    "type", "segment", "rendition", r->name, "seq", (json_int_t)r->cell,
	    "path", r->name, "/", r->seg, "duration", dur, "start_pts", (json_int_t)r->start,
	    "start", r->start / 90000.0, "wallclock", iso,
	    "discontinuity", r->disc, "bytes", (json_int_t)r->bytes,
	    "frames", (json_int_t)r->frames, "codecs", r->codecs,
	    "bitrate", (json_int_t)(r->rung ? r->rung->bitrate : lv->p.audio_bitrate),
	    "health", health);
	if (lv->o->fmt == VT_SEG_FMP4)
		json_object_set_new(line, "init", json_sprintf("%s/%s", r->name, r->init));
	if (lv->part)
		json_object_set_new(line, "parts", json_integer(r->part));
	if (r->rung) {
		json_object_set_new(line, "width", json_integer(r->rung->width));
		json_object_set_new(line, "height", json_integer(r->rung->height));
	}
	r->disc = 0;
	emit(lv, line);
}

/* The first packet of an epoch opens the rendition's writer: the stream
 * parameters (and, for H.264, the SPS) come from the encoder. */
static void
rend_open(struct live *lv, struct rend *r, const AVCodecContext *enc, const AVPacket *pkt)
{
	AVCodecParameters *par = avcodec_parameters_alloc();

	avcodec_parameters_from_context(par, enc);
	if (par->codec_id == AV_CODEC_ID_H264 && par->extradata_size == 0) {
		int n;
		uint8_t *x = vt_h264_extradata(pkt->data, pkt->size, &n);

		if (x) {
			par->extradata = x;
			par->extradata_size = n;
		}
	}
	if (vt_codec_string(par, pkt->data, pkt->size, r->codecs, sizeof(r->codecs)) < 0)
		r->codecs[0] = '\0';
	snprintf(r->init, sizeof(r->init), "init_%08lld.mp4", (long long)lv->first_cell);
	r->w = vt_seg_open(r->dir, lv->o->fmt, par, r->init, lv->grid.origin, pkt);
	avcodec_parameters_free(&par);
}

/* An encoded packet: cut where the grid cell changes (video: at the IDR
 * frame the encoder was told to put there). */
static void
cut(struct live *lv, struct rend *r, const AVCodecContext *enc, AVPacket *pkt)
{
	int64_t cell, pkt_end;

	av_packet_rescale_ts(pkt, enc->time_base, VT_TB);
	cell = vt_grid_cell(&lv->grid, pkt->pts);
	if (cell < lv->first_cell)
		cell = lv->first_cell;
	if (r->open && cell != r->cell && (r->index < 0 || (pkt->flags & AV_PKT_FLAG_KEY)))
		seg_finish(lv, r);
	if (!r->w)
		rend_open(lv, r, enc, pkt);
	if (!r->open) {
		snprintf(r->seg, sizeof(r->seg), "seg_%08lld.%s", (long long)cell,
		    vt_seg_ext(lv->o->fmt));
		vt_seg_begin(r->w, r->seg);
		r->cell = cell;
		r->start = pkt->pts;
		r->end = pkt->pts;
		r->frames = 0;
		r->busy0 = r->index >= 0 ? vt_venc_busy(lv->venc, r->index) : 0;
		r->in0 = atomic_load(&lv->inbytes);
		r->t0 = vt_now();
		r->open = 1;
		r->part = 0;
	}
	pkt_end = pkt->pts + pkt->duration;
	if (pkt_end > r->end)
		r->end = pkt_end;
	r->frames++;
	if (lv->part)
		part_before(lv, r, pkt);
	vt_seg_write(r->w, pkt);	/* which rescales pkt */
	if (lv->part)
		part_after(lv, r, pkt_end);
}

static void
on_video_packet(void *arg, int i, const AVCodecContext *enc, AVPacket *pkt)
{
	struct live *lv = arg;

	cut(lv, &lv->r[i], enc, pkt);
}

static void
on_audio_packet(void *arg, int i, const AVCodecContext *enc, AVPacket *pkt)
{
	struct live *lv = arg;

	cut(lv, &lv->r[lv->nrungs], enc, pkt);
}

/* The highest grid cell of any segment already in dir, or -1: a restarted
 * stream goes on after it. */
static int64_t
last_cell(const char *dir)
{
	DIR *d = opendir(dir), *sub;
	struct dirent *e, *s;
	int64_t max = -1;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char *p;

		if (e->d_name[0] == '.')
			continue;
		p = vt_path_join(dir, e->d_name);
		if ((sub = opendir(p))) {
			while ((s = readdir(sub))) {
				long long c;
				char ext[8];

				if (sscanf(s->d_name, "seg_%8lld.%7s", &c, ext) == 2 && c > max)
					max = c;
			}
			closedir(sub);
		}
		free(p);
	}
	closedir(d);
	return max;
}

/* Input. */

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
	const AVStream *vs = lv->v.st;
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
	line = json_pack("{s:s,s:i,s:I,s:f,s:s,s:b,s:o,s:O,s:O,s:{s:i,s:i,s:f,s:s,s:s*}}",
	    "type", "start", "epoch", lv->epoch, "seq", (json_int_t)lv->first_cell,
	    "seg", lv->p.seg, "format", lv->o->fmt == VT_SEG_TS ? "ts" : "fmp4",
	    "discontinuity", lv->epoch > 0 || lv->resumed, "renditions", rs,
	    "skipped", lv->skipped, "notes", lv->notes,
	    "input", "width", vs->codecpar->width, "height", vs->codecpar->height,
	    "frame_rate", av_q2d(lv->src.fps),
	    "video_codec", avcodec_get_name(vs->codecpar->codec_id),
	    "audio_codec", lv->a.st ? avcodec_get_name(lv->a.st->codecpar->codec_id) : NULL);
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
		lv->aenc = vt_aenc_new(lv->a.dec, &lv->p, 0, on_audio_packet, lv);
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
	int64_t next, vcell;
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
	lv->rt_in0 = AV_NOPTS_VALUE;
	atomic_store(&lv->dropped, 0);
	atomic_store(&lv->inbytes, 0);
	lv->dropwarned = 0;
	for (i = 0; i < lv->nr; i++)
		lv->r[i].disc = lv->epoch > 0 || lv->resumed;
	emit(lv, start_line(lv));
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
	next = lv->first_cell;
	vcell = lv->nrungs && lv->r[0].w ? lv->r[0].cell : INT64_MAX;
	for (i = 0; i < lv->nr; i++) {
		struct rend *r = &lv->r[i];

		/* Audio running on past the video's last cell would make a
		 * segment no video segment matches. */
		if (r->open && r->index < 0 && r->cell > vcell) {
			char *p = vt_path_join(r->dir, r->seg);

			vt_seg_end(r->w);
			unlink(p);
			free(p);
			/* The parts announced are vt-hls's to remove, when no
			 * viewer can want them any more; only the open one goes. */
			if (r->popen) {
				part_name(r, r->cell, r->part);
				p = vt_path_join(r->dir, r->pname);
				unlink(p);
				free(p);
			}
			r->popen = 0;
			r->open = 0;
			r->cell--;
		}
		if (r->open)
			seg_finish(lv, r);
		if (r->w && r->cell + 1 > next)
			next = r->cell + 1;
		vt_seg_close(r->w);
		r->w = NULL;
	}
	lv->first_cell = next;
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
	    .queue = o->queue, .onpacket = on_video_packet, .arg = &lv };
	/* A file read as fast as it decodes can wait for the encoders. */
	lv.droppable = o->listen || o->realtime || strstr(o->url, "://");
	last = last_cell(o->dir);
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
	emit(&lv, json_pack("{s:s,s:s,s:I}", "type", "end", "reason", stopsig ? "stop" : why,
	    "seq", (json_int_t)lv.first_cell));
	json_decref(lv.skipped);
	json_decref(lv.notes);
	for (int i = 0; i < lv.nr; i++)
		free(lv.r[i].dir);
	free(lv.r);
	avformat_network_deinit();
	return 0;
}
