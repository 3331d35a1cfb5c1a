/* Cutting a video into chunks at keyframes by stream copy. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <libavutil/pixdesc.h>

#include "vt.h"
#include "media.h"
#include "split.h"

struct chunk {
	AVFormatContext *oc;
	char *path, *tmp;
	int64_t start, end;	/* presented pts range; start INT64_MAX until known */
	int64_t frames;
	int index;
};

struct splitter {
	AVFormatContext *in;
	AVStream *st;
	const char *dir;
	json_t *chunks;
	int nchunks;
};

static struct chunk *
chunk_open(struct splitter *s)
{
	struct chunk *c = vt_calloc(1, sizeof(*c));
	AVStream *os;
	char name[32];
	int err;

	c->index = s->nchunks++;
	c->start = INT64_MAX;
	c->end = INT64_MIN;
	snprintf(name, sizeof(name), "c%05d.nut", c->index);
	c->path = vt_path_join(s->dir, name);
	c->tmp = vt_tmp_open(c->path, NULL);
	if ((err = avformat_alloc_output_context2(&c->oc, NULL, "nut", c->tmp)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot set up NUT output: %s", vt_averr(err));
	if (!(os = avformat_new_stream(c->oc, NULL)))
		vt_die(VT_EX_SOFTWARE, "out of memory");
	avcodec_parameters_copy(os->codecpar, s->st->codecpar);
	os->codecpar->codec_tag = 0;
	os->time_base = s->st->time_base;
	os->sample_aspect_ratio = s->st->sample_aspect_ratio;
	/* Keep the source's timestamps exactly; the encoder trims by them. */
	c->oc->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
	if ((err = avio_open(&c->oc->pb, c->tmp, AVIO_FLAG_WRITE)) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot create '%s': %s", c->path, vt_averr(err));
	if ((err = avformat_write_header(c->oc, NULL)) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot write '%s': %s", c->path, vt_averr(err));
	return c;
}

static void
chunk_write(struct chunk *c, const AVPacket *pkt, AVRational tb)
{
	AVPacket *p = av_packet_clone(pkt);
	int err;

	if (!p)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	av_packet_rescale_ts(p, tb, c->oc->streams[0]->time_base);
	p->stream_index = 0;
	if ((err = av_write_frame(c->oc, p)) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", c->path, vt_averr(err));
	av_packet_free(&p);
}

static void
chunk_close(struct splitter *s, struct chunk *c, int64_t end)
{
	AVRational tb = s->st->time_base;
	int64_t bytes;
	int err;

	if ((err = av_write_trailer(c->oc)) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", c->path, vt_averr(err));
	bytes = avio_size(c->oc->pb);
	if ((err = avio_closep(&c->oc->pb)) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", c->path, vt_averr(err));
	vt_tmp_commit(c->tmp, c->path);
	if (end != INT64_MIN)
		c->end = end;
	json_array_append_new(s->chunks, json_pack("{s:i,s:s,s:I,s:I,s:o,s:o,s:I,s:I}",
	    "index", c->index, "path", c->path,
	    "start_pts", (json_int_t)c->start, "end_pts", (json_int_t)c->end,
	    "start", vt_json_time(c->start, tb), "end", vt_json_time(c->end, tb),
	    "frames", (json_int_t)c->frames, "bytes", (json_int_t)bytes));
	vt_info("chunk %d: %.3f..%.3f s, %lld frames", c->index, c->start * av_q2d(tb),
	    c->end * av_q2d(tb), (long long)c->frames);
	avformat_free_context(c->oc);
	free(c->path);
	free(c);
}

/* A presented frame belongs to c: widen its range. */
static void
chunk_count(struct chunk *c, const AVPacket *pkt, int64_t pts, int64_t fdur)
{
	int64_t dur = pkt->duration > 0 ? pkt->duration : fdur;

	if (pkt->flags & AV_PKT_FLAG_DISCARD)
		return;
	c->frames++;
	if (pts < c->start)
		c->start = pts;
	if (pts + dur > c->end)
		c->end = pts + dur;
}

json_t *
vt_video_info(AVFormatContext *fmt, int idx)
{
	AVStream *st;
	AVRational fr, sar;
	const char *pix;
	int dw, dh;

	if (idx < 0)
		return json_null();
	st = fmt->streams[idx];
	fr = vt_frame_rate(st);
	sar = st->sample_aspect_ratio.num ? st->sample_aspect_ratio :
	    st->codecpar->sample_aspect_ratio;
	if (sar.num <= 0 || sar.den <= 0)
		sar = (AVRational){ 1, 1 };
	pix = av_get_pix_fmt_name(st->codecpar->format);
	vt_display_size(st, &dw, &dh);
	return json_pack("{s:i,s:s,s:i,s:i,s:o,s:i,s:o,s:o,s:I,s:o,s:s?,s:i,s:i}",
	    "index", idx, "codec_name", avcodec_get_name(st->codecpar->codec_id),
	    "width", st->codecpar->width, "height", st->codecpar->height,
	    "sample_aspect_ratio", vt_json_rational_new(sar.num, sar.den),
	    "rotation", vt_rotation(st),
	    "frame_rate", vt_json_rational_new(fr.num, fr.den),
	    "time_base", vt_json_rational_new(st->time_base.num, st->time_base.den),
	    "start_pts", (json_int_t)(st->start_time != AV_NOPTS_VALUE ? st->start_time : 0),
	    "start_time", vt_json_time(st->start_time != AV_NOPTS_VALUE ? st->start_time : 0,
	    st->time_base), "pix_fmt", pix,
	    "display_width", dw, "display_height", dh);
}

json_t *
vt_audio_info(AVFormatContext *fmt, int idx)
{
	AVStream *st;
	char layout[128] = "";

	if (idx < 0)
		return json_null();
	st = fmt->streams[idx];
	av_channel_layout_describe(&st->codecpar->ch_layout, layout, sizeof(layout));
	return json_pack("{s:i,s:s,s:i,s:i,s:s,s:o}",
	    "index", idx, "codec_name", avcodec_get_name(st->codecpar->codec_id),
	    "sample_rate", st->codecpar->sample_rate,
	    "channels", st->codecpar->ch_layout.nb_channels, "channel_layout", layout,
	    "start_time", vt_json_time(st->start_time, st->time_base));
}

static int64_t
packet_pts(const AVPacket *pkt)
{
	return pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
}

/* Read the video packets and cut. A cut waits for the first keyframe past
 * the target; the keyframe opens the next chunk, and while the packets
 * after it present earlier (leading pictures of an open GOP), they go to
 * both chunks, with the keyframe they need. */
static void
cut(struct splitter *s, double chunk_sec, int64_t total_end)
{
	AVRational tb = s->st->time_base;
	AVRational fr = vt_frame_rate(s->st);
	int64_t fdur = av_rescale_q(1, av_inv_q(fr), tb);
	int64_t target, chunk_len = (int64_t)(chunk_sec / av_q2d(tb) + 0.5);
	int64_t npkts = 0, pts, boundary = 0;
	struct chunk *cur = NULL, *prev = NULL;
	AVPacket *pkt = av_packet_alloc(), *key = av_packet_alloc();
	int err, key_in_prev = 0;

	if (fdur <= 0)
		fdur = 1;
	while ((err = av_read_frame(s->in, pkt)) >= 0) {
		if (pkt->stream_index != s->st->index) {
			av_packet_unref(pkt);
			continue;
		}
		if ((pts = packet_pts(pkt)) == AV_NOPTS_VALUE)
			vt_die(VT_EX_DATAERR, "'%s': video packet without timestamp", s->in->url);
		npkts++;
		if (prev) {
			if (pts < boundary) {
				if (!key_in_prev) {
					chunk_write(prev, key, tb);
					key_in_prev = 1;
				}
				chunk_write(prev, pkt, tb);
				chunk_write(cur, pkt, tb);
				chunk_count(prev, pkt, pts, fdur);
				av_packet_unref(pkt);
				continue;
			}
			chunk_close(s, prev, boundary);
			prev = NULL;
		}
		if (!cur) {
			if (!(pkt->flags & AV_PKT_FLAG_KEY))
				vt_die(VT_EX_DATAERR, "'%s': video does not start with a keyframe",
				    s->in->url);
			cur = chunk_open(s);
		} else if ((pkt->flags & AV_PKT_FLAG_KEY) && cur->frames > 0 &&
		    pts >= (target = cur->start + chunk_len) &&
		    (total_end == AV_NOPTS_VALUE || total_end - pts >= chunk_len / 2)) {
			prev = cur;
			boundary = pts;
			av_packet_unref(key);
			av_packet_ref(key, pkt);
			key_in_prev = 0;
			cur = chunk_open(s);
		}
		chunk_write(cur, pkt, tb);
		chunk_count(cur, pkt, pts, fdur);
		av_packet_unref(pkt);
	}
	if (err != AVERROR_EOF)
		vt_die(VT_EX_DATAERR, "cannot read '%s': %s", s->in->url, vt_averr(err));
	if (s->st->nb_frames > 0 && npkts < s->st->nb_frames)
		vt_die(VT_EX_DATAERR, "'%s' is truncated: %lld of %lld video frames present",
		    s->in->url, (long long)npkts, (long long)s->st->nb_frames);
	if (!cur)
		vt_die(VT_EX_DATAERR, "'%s' has no video frames", s->in->url);
	if (prev)
		chunk_close(s, prev, boundary);
	chunk_close(s, cur, INT64_MIN);
	av_packet_free(&pkt);
	av_packet_free(&key);
}

json_t *
vt_split(const char *path, const char *dir, double chunk_sec)
{
	struct splitter s = { 0 };
	int64_t total_end = AV_NOPTS_VALUE;
	char *abs = NULL, *adir;
	json_t *m;
	int v, a;

	s.in = vt_open_input(path);
	s.dir = dir;
	s.chunks = json_array();
	v = vt_best_stream(s.in, AVMEDIA_TYPE_VIDEO);
	a = vt_best_stream(s.in, AVMEDIA_TYPE_AUDIO);
	if (v < 0 && a < 0)
		vt_die(VT_EX_DATAERR, "'%s' has no video or audio stream", path);
	if (v >= 0) {
		s.st = s.in->streams[v];
		if (s.in->duration != AV_NOPTS_VALUE && s.in->duration > 0)
			total_end = av_rescale_q(s.in->duration +
			    (s.in->start_time != AV_NOPTS_VALUE ? s.in->start_time : 0),
			    AV_TIME_BASE_Q, s.st->time_base);
		vt_mkdirs(dir);
		if (!(adir = realpath(dir, NULL)))
			vt_die(VT_EX_CANTCREAT, "cannot resolve '%s'", dir);
		s.dir = adir;
		cut(&s, chunk_sec, total_end);
		free(adir);
	}
	if (!strstr(path, "://"))
		abs = realpath(path, NULL);
	m = json_pack("{s:s,s:o,s:o,s:o,s:o}", "source", abs ? abs : path,
	    "duration", vt_json_time(s.in->duration, AV_TIME_BASE_Q),
	    "video", vt_video_info(s.in, v), "audio", vt_audio_info(s.in, a),
	    "chunks", s.chunks);
	free(abs);
	avformat_close_input(&s.in);
	return m;
}
