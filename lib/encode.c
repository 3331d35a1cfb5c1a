/* Transcoding: one chunk of video to every rung, and the whole audio. */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "vt.h"
#include "decode.h"
#include "media.h"
#include "grid.h"
#include "venc.h"
#include "aenc.h"
#include "encode.h"

/* One encoded stream written to an MPEG-TS file at 90 kHz. */
struct out {
	const struct vt_rung *rung;	/* NULL for audio */
	AVFormatContext *oc;
	char *path, *tmp;
	int64_t frames;
	int64_t first_pts, end_pts;	/* encoder time base */
};

static void
open_mux(struct out *o, const AVCodecContext *enc)
{
	AVStream *st;
	int err;

	o->tmp = vt_tmp_open(o->path, NULL);
	if ((err = avformat_alloc_output_context2(&o->oc, NULL, "mpegts", o->tmp)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot set up MPEG-TS output: %s", vt_averr(err));
	if (!(st = avformat_new_stream(o->oc, NULL)))
		vt_die(VT_EX_SOFTWARE, "out of memory");
	avcodec_parameters_from_context(st->codecpar, enc);
	st->time_base = VT_TB;
	if ((err = avio_open(&o->oc->pb, o->tmp, AVIO_FLAG_WRITE)) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot create '%s': %s", o->path, vt_averr(err));
	if ((err = avformat_write_header(o->oc, NULL)) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot write '%s': %s", o->path, vt_averr(err));
	o->first_pts = INT64_MAX;
	o->end_pts = INT64_MIN;
}

/* An encoded packet: into the stream's file, opened on the first one. */
static void
write_packet(struct out *o, const AVCodecContext *enc, AVPacket *pkt)
{
	int64_t end = pkt->pts + pkt->duration;
	int err;

	if (!o->oc)
		open_mux(o, enc);
	if (pkt->pts < o->first_pts)
		o->first_pts = pkt->pts;
	if (end > o->end_pts)
		o->end_pts = end;
	o->frames++;
	av_packet_rescale_ts(pkt, enc->time_base, o->oc->streams[0]->time_base);
	pkt->stream_index = 0;
	if ((err = av_write_frame(o->oc, pkt)) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", o->path, vt_averr(err));
}

static void
on_packet(void *arg, int i, const AVCodecContext *enc, AVPacket *pkt)
{
	write_packet((struct out *)arg + i, enc, pkt);
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
	return bytes;
}

/* Video. */

struct vjob {
	const struct vt_source *src;
	struct vt_venc *enc;
	AVRational tb;		/* chunk file's time base */
	int64_t shift;		/* output ticks minus source ticks */
	const char *path;
	int64_t start, end, last, kept;	/* source time base */
};

/* A decoded frame: keep it if it is the chunk's, and feed every rung. */
static void
video_frame(void *arg, AVFrame *f)
{
	struct vjob *j = arg;
	int64_t ts = f->best_effort_timestamp, s;

	if (ts == AV_NOPTS_VALUE)
		return;
	s = av_rescale_q(ts, j->tb, j->src->tb);
	if (s < j->start || s >= j->end || s <= j->last)
		return;
	j->last = s;
	j->kept++;
	f->pts = av_rescale_q(ts, j->tb, VT_TB) + j->shift;
	vt_venc_push(j->enc, f);
}

json_t *
vt_encode_chunk(const json_t *m, const json_t *chunk, const struct vt_source *src,
    const struct vt_plan *pl, const char *dir)
{
	const struct vt_params *p = &pl->p;
	const struct vt_rung *rungs = pl->rungs;
	int nrungs = pl->n;
	const char *path = vt_json_need_str(chunk, "path");
	int64_t want = vt_json_int(chunk, "frames", -1);
	int idx = (int)vt_json_need_int(chunk, "index"), i;
	AVFormatContext *in = vt_open_input(path);
	AVCodecContext *dec;
	struct vt_venc_conf conf = { .src = src, .p = p, .onpacket = on_packet };
	struct vjob j = { .src = src, .path = path };
	struct vt_grid grid;
	struct out *outs;
	json_t *out, *jr = json_array();
	char name[32], *adir;

	if (in->nb_streams < 1 || in->streams[0]->codecpar->codec_type != AVMEDIA_TYPE_VIDEO)
		vt_die(VT_EX_DATAERR, "'%s' is not a video chunk", path);
	j.tb = in->streams[0]->time_base;
	j.start = vt_json_need_int(chunk, "start_pts");
	j.end = vt_json_need_int(chunk, "end_pts");
	j.last = INT64_MIN;
	vt_grid_init(&grid, p->offset, p->seg);
	j.shift = grid.origin - av_rescale_q(src->start_pts, src->tb, VT_TB);
	outs = vt_calloc(nrungs, sizeof(*outs));
	snprintf(name, sizeof(name), "c%05d.ts", idx);
	vt_mkdirs(dir);
	if (!(adir = realpath(dir, NULL)))
		vt_die(VT_EX_CANTCREAT, "cannot resolve '%s'", dir);
	for (i = 0; i < nrungs; i++) {
		char *d = vt_path_join(adir, rungs[i].name);

		vt_mkdirs(d);
		outs[i].rung = &rungs[i];
		outs[i].path = vt_path_join(d, name);
		free(d);
	}
	conf.arg = outs;
	j.enc = vt_venc_new(rungs, nrungs, &conf);
	/* Threads per codec instance, as for x264: the pipeline runs a job
	 * per chunk and a thread per rung, so extra decoder threads only
	 * add overhead there. */
	dec = vt_open_decoder(in->streams[0], path, p->threads);
	vt_decode_all(in, 0, dec, video_frame, &j);
	if (!j.kept)
		vt_die(VT_EX_DATAERR, "'%s': no frames in chunk %d", path, idx);
	vt_venc_finish(j.enc);
	vt_info("chunk %d: %lld frames to %d rungs", idx, (long long)j.kept, nrungs);
	if (want >= 0 && j.kept != want)
		vt_warn("chunk %d: decoded %lld frames, manifest says %lld", idx,
		    (long long)j.kept, (long long)want);
	for (i = 0; i < nrungs; i++) {
		struct out *o = &outs[i];
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
	    "frames", (json_int_t)j.kept, "time_base", json_object_get(json_object_get(m, "video"), "time_base"),
	    "frame_rate", vt_json_rational_new(src->fps.num, src->fps.den),
	    "grid", "offset", p->offset, "seg", p->seg, "rungs", jr, "skipped", pl->skipped);
	avcodec_free_context(&dec);
	avformat_close_input(&in);
	free(outs);
	free(adir);
	return out;
}

void
vt_encode_check_chunks(const json_t *chunks)
{
	size_t i, n = json_array_size(chunks);
	unsigned char *seen = vt_calloc(n, 1);
	const json_t *c;
	long long idx;

	json_array_foreach(chunks, i, c) {
		if (!json_is_object(c))
			vt_die(VT_EX_DATAERR, "manifest: chunk %zu is not an object", i);
		idx = vt_json_need_int(c, "index");
		if (idx < 0 || (size_t)idx >= n)
			vt_die(VT_EX_DATAERR, "manifest: chunk %lld of %zu (want 0 to %zu)", idx, n,
			    n - 1);
		if (seen[idx]++)
			vt_die(VT_EX_DATAERR, "manifest: chunk %lld given twice", idx);
	}
	free(seen);
}

/* Audio. */

struct ajob {
	struct vt_aenc *enc;
	AVRational tb;
	int rate;
};

/* A decoded audio frame: timestamps in samples, then to the encoder. */
static void
audio_frame(void *arg, AVFrame *f)
{
	struct ajob *j = arg;
	int64_t ts = f->best_effort_timestamp;

	f->pts = ts != AV_NOPTS_VALUE ? av_rescale_q(ts, j->tb, (AVRational){ 1, j->rate }) :
	    AV_NOPTS_VALUE;
	vt_aenc_push(j->enc, f);
}

json_t *
vt_encode_audio(const json_t *m, const struct vt_plan *pl, const struct vt_arend *ar,
    const char *dir)
{
	const struct vt_params *p = &pl->p;
	const char *path = vt_json_need_str(m, "source");
	const json_t *ja = json_object_get(m, "audio");
	const AVCodecContext *enc;
	AVFormatContext *in;
	AVCodecContext *dec;
	struct ajob aj;
	struct vt_source vs;
	struct vt_grid grid;
	struct out o = { 0 };
	struct vt_params ap = *p;
	AVStream *st;
	int64_t origin, shift, samples;
	int idx = ar->stream, rate;
	char *adir, *file, layout[64];
	json_t *r;

	if (!json_is_object(ja))
		vt_die(VT_EX_DATAERR, "manifest: source has no audio");
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
	vt_mkdirs(dir);
	if (!(adir = realpath(dir, NULL)))
		vt_die(VT_EX_CANTCREAT, "cannot resolve '%s'", dir);
	file = vt_asprintf("%s.ts", ar->name);
	o.path = vt_path_join(adir, file);
	free(file);
	free(adir);
	/* Output ticks = source ticks - origin + offset; as samples at the
	 * output rate, so the encoder sees whole-sample timestamps. */
	aj = (struct ajob){ .tb = st->time_base, .rate = dec->sample_rate };
	shift = av_rescale_q(grid.origin - origin, VT_TB,
	    (AVRational){ 1, vt_aac_rate(dec->sample_rate) });
	ap.audio_channels = ar->channels;
	ap.audio_bitrate = ar->bitrate;
	aj.enc = vt_aenc_new(dec, &ap, shift, on_packet, &o);
	enc = vt_aenc_codec(aj.enc);
	vt_decode_all(in, idx, dec, audio_frame, &aj);
	vt_aenc_push(aj.enc, NULL);
	if ((samples = vt_aenc_samples(aj.enc)) == 0)
		vt_die(VT_EX_DATAERR, "'%s': no audio samples", path);
	rate = enc->sample_rate;
	av_channel_layout_describe(&enc->ch_layout, layout, sizeof(layout));
	r = json_pack("{s:s,s:s,s:s,s:i,s:i,s:s,s:I,s:I,s:I,s:f,s:f,s:f,s:{s:f,s:f}}",
	    "type", "audio", "path", o.path, "codec_name", "aac", "sample_rate", rate,
	    "channels", enc->ch_layout.nb_channels, "channel_layout", layout,
	    "bitrate", (json_int_t)ar->bitrate, "frames", (json_int_t)o.frames,
	    "samples", (json_int_t)samples, "duration", (double)samples / rate,
	    "start", av_rescale_q(o.first_pts, enc->time_base, VT_TB) / 90000.0,
	    "end", av_rescale_q(o.end_pts, enc->time_base, VT_TB) / 90000.0,
	    "grid", "offset", p->offset, "seg", p->seg);
	json_object_set_new(r, "bytes", json_integer(close_out(&o)));
	json_object_set_new(r, "rendition", vt_arend_json(ar));
	free(o.path);
	vt_aenc_free(aj.enc);
	avcodec_free_context(&dec);
	avformat_close_input(&in);
	return r;
}
