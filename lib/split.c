/* Cutting a video into chunks on the segment grid, by stream copy. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <libavutil/pixdesc.h>

#include "vt.h"
#include "grid.h"
#include "media.h"
#include "split.h"

/* A chunk presents the frames of grid cells [first, end); its file starts
 * at the last keyframe before its first frame, so it may begin with frames
 * that belong to the chunk before (decoded there too, then dropped). */
struct chunk {
	AVFormatContext *oc;
	char *path, *tmp;
	int64_t first, end;	/* grid cells */
	int64_t min_pts, max_end;
	int64_t frames;
	int index;
	int closing;		/* a keyframe past end arrived */
	int64_t close_pts;	/* that keyframe's pts */
	AVPacket *key;		/* it, written only if leading pictures follow */
	int key_written;
};

struct splitter {
	AVFormatContext *in;
	AVStream *st;
	AVRational tb;
	const char *dir;
	json_t *chunks;
	int nchunks;
	struct vt_grid grid;
	int64_t origin;		/* first frame, in output ticks */
	int64_t cells;		/* grid cells per chunk */
	int64_t fdur;		/* nominal frame duration, source time base */
	struct chunk **open;	/* chunks still receiving packets, oldest first */
	int nopen;
	AVPacket **gop;		/* packets since the last keyframe */
	int ngop, capgop;
};

static struct chunk *
chunk_open(struct splitter *s, int64_t first)
{
	struct chunk *c = vt_calloc(1, sizeof(*c));
	AVStream *os;
	char name[32];
	int err;

	c->index = s->nchunks++;
	c->first = first;
	c->end = first + s->cells;
	c->min_pts = INT64_MAX;
	c->max_end = INT64_MIN;
	snprintf(name, sizeof(name), "c%05d.nut", c->index);
	c->path = vt_path_join(s->dir, name);
	c->tmp = vt_tmp_open(c->path, NULL);
	if ((err = avformat_alloc_output_context2(&c->oc, NULL, "nut", c->tmp)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot set up NUT output: %s", vt_averr(err));
	if (!(os = avformat_new_stream(c->oc, NULL)))
		vt_die(VT_EX_SOFTWARE, "out of memory");
	avcodec_parameters_copy(os->codecpar, s->st->codecpar);
	os->codecpar->codec_tag = 0;
	os->time_base = s->tb;
	os->sample_aspect_ratio = s->st->sample_aspect_ratio;
	/* Keep the source's timestamps exactly; the encoder trims by them. */
	c->oc->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
	if ((err = avio_open(&c->oc->pb, c->tmp, AVIO_FLAG_WRITE)) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot create '%s': %s", c->path, vt_averr(err));
	if ((err = avformat_write_header(c->oc, NULL)) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot write '%s': %s", c->path, vt_averr(err));
	s->open = vt_realloc(s->open, (s->nopen + 1) * sizeof(*s->open));
	s->open[s->nopen++] = c;
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

/* Finish the oldest open chunk; end is where the next one's frames start. */
static void
chunk_close(struct splitter *s, int64_t end)
{
	struct chunk *c = s->open[0];
	int64_t bytes;
	int err;

	if ((err = av_write_trailer(c->oc)) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", c->path, vt_averr(err));
	bytes = avio_size(c->oc->pb);
	if ((err = avio_closep(&c->oc->pb)) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", c->path, vt_averr(err));
	vt_tmp_commit(c->tmp, c->path);
	if (c->frames == 0)
		vt_die(VT_EX_DATAERR, "'%s': chunk %d has no frames", s->in->url, c->index);
	json_array_append_new(s->chunks, json_pack("{s:i,s:s,s:I,s:I,s:o,s:o,s:I,s:I,s:I}",
	    "index", c->index, "path", c->path,
	    "start_pts", (json_int_t)c->min_pts, "end_pts", (json_int_t)end,
	    "start", vt_json_time(c->min_pts, s->tb), "end", vt_json_time(end, s->tb),
	    "frames", (json_int_t)c->frames, "bytes", (json_int_t)bytes,
	    "first_cell", (json_int_t)c->first));
	vt_info("chunk %d: %.3f..%.3f s, %lld frames", c->index, c->min_pts * av_q2d(s->tb),
	    end * av_q2d(s->tb), (long long)c->frames);
	av_packet_free(&c->key);
	avformat_free_context(c->oc);
	free(c->path);
	free(c);
	memmove(s->open, s->open + 1, --s->nopen * sizeof(*s->open));
}

static int64_t
cell_of(const struct splitter *s, int64_t pts)
{
	return vt_grid_cell(&s->grid, av_rescale_q(pts, s->tb, VT_TB) - s->origin + s->grid.origin);
}

static void
gop_add(struct splitter *s, const AVPacket *pkt, int key)
{
	int i;

	if (key) {
		for (i = 0; i < s->ngop; i++)
			av_packet_free(&s->gop[i]);
		s->ngop = 0;
	}
	if (s->ngop == s->capgop) {
		s->capgop = s->capgop ? 2 * s->capgop : 64;
		s->gop = vt_realloc(s->gop, s->capgop * sizeof(*s->gop));
	}
	if (!(s->gop[s->ngop++] = av_packet_clone(pkt)))
		vt_die(VT_EX_SOFTWARE, "out of memory");
}

/* One video packet, in decode order. */
static void
split_packet(struct splitter *s, const AVPacket *pkt, int64_t pts)
{
	int key = pkt->flags & AV_PKT_FLAG_KEY, shown = !(pkt->flags & AV_PKT_FLAG_DISCARD);
	int64_t cell = cell_of(s, pts), dur = pkt->duration > 0 ? pkt->duration : s->fdur;
	struct chunk *fresh = NULL, *c;
	int i;

	gop_add(s, pkt, key);
	/* The first frame of a chunk's range opens it, seeded with the GOP
	 * so far: everything it needs to decode from the last keyframe. */
	if (shown && (s->nopen == 0 || cell >= s->open[s->nopen - 1]->end)) {
		fresh = chunk_open(s, cell - cell % s->cells);
		for (i = 0; i < s->ngop; i++)
			chunk_write(fresh, s->gop[i], s->tb);
	}
	for (i = 0; i < s->nopen; i++) {
		c = s->open[i];
		if (c == fresh)
			continue;
		if (key && !c->closing && cell >= c->end) {
			/* Past its range. Leading pictures of an open GOP may
			 * follow and still belong to it: keep the keyframe. */
			c->closing = 1;
			c->close_pts = pts;
			c->key = av_packet_clone(pkt);
			continue;
		}
		if (c->closing) {
			if (pts >= c->close_pts) {
				if (i != 0)
					vt_die(VT_EX_SOFTWARE, "chunks close out of order");
				chunk_close(s, s->open[1]->min_pts < pts ? s->open[1]->min_pts : pts);
				i--;
				continue;
			}
			if (!c->key_written) {
				chunk_write(c, c->key, s->tb);
				c->key_written = 1;
			}
		}
		chunk_write(c, pkt, s->tb);
	}
	if (!shown)
		return;
	for (i = 0; i < s->nopen; i++) {
		c = s->open[i];
		if (cell >= c->first && cell < c->end) {
			c->frames++;
			if (pts < c->min_pts)
				c->min_pts = pts;
			if (pts + dur > c->max_end)
				c->max_end = pts + dur;
			break;
		}
	}
}

static int64_t
packet_pts(const AVPacket *pkt)
{
	return pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
}

static void
cut(struct splitter *s, double seg)
{
	AVPacket *pkt = av_packet_alloc();
	int64_t npkts = 0, pts, last_dts = AV_NOPTS_VALUE;
	int err, i;

	s->tb = s->st->time_base;
	s->fdur = av_rescale_q(1, av_inv_q(vt_frame_rate(s->st)), s->tb);
	if (s->fdur <= 0)
		s->fdur = 1;
	vt_grid_init(&s->grid, 0, seg);
	s->origin = av_rescale_q(s->st->start_time != AV_NOPTS_VALUE ? s->st->start_time : 0,
	    s->tb, VT_TB);
	while ((err = av_read_frame(s->in, pkt)) >= 0) {
		if (pkt->stream_index != s->st->index) {
			av_packet_unref(pkt);
			continue;
		}
		if ((pts = packet_pts(pkt)) == AV_NOPTS_VALUE)
			vt_die(VT_EX_DATAERR, "'%s': video packet without timestamp", s->in->url);
		if (npkts++ == 0 && !(pkt->flags & AV_PKT_FLAG_KEY))
			vt_die(VT_EX_DATAERR, "'%s': video does not start with a keyframe", s->in->url);
		/* The chunks' muxer would refuse these, and blame the output. */
		if (pkt->dts != AV_NOPTS_VALUE && ((last_dts != AV_NOPTS_VALUE &&
		    pkt->dts <= last_dts) || (pkt->pts != AV_NOPTS_VALUE && pkt->pts < pkt->dts)))
			vt_die(VT_EX_DATAERR, "'%s' is corrupt: video timestamps go backwards at "
			    "%.3f s", s->in->url, pkt->dts * av_q2d(s->tb));
		if (pkt->dts != AV_NOPTS_VALUE)
			last_dts = pkt->dts;
		split_packet(s, pkt, pts);
		av_packet_unref(pkt);
	}
	if (err != AVERROR_EOF)
		vt_die(VT_EX_DATAERR, "cannot read '%s': %s", s->in->url, vt_averr(err));
	if (s->st->nb_frames > 0 && npkts < s->st->nb_frames)
		vt_die(VT_EX_DATAERR, "'%s' is truncated: %lld of %lld video frames present",
		    s->in->url, (long long)npkts, (long long)s->st->nb_frames);
	if (s->nopen == 0)
		vt_die(VT_EX_DATAERR, "'%s' has no video frames", s->in->url);
	while (s->nopen > 0)
		chunk_close(s, s->nopen > 1 ? s->open[1]->min_pts : s->open[0]->max_end);
	for (i = 0; i < s->ngop; i++)
		av_packet_free(&s->gop[i]);
	free(s->gop);
	free(s->open);
	av_packet_free(&pkt);
}

/* Before any cutting: the plan must be for this source and grid. */
static void
check_plan(const struct vt_plan *plan, AVStream *st, const char *path, double seg)
{
	struct vt_source src;
	json_t *j = st ? vt_stream_json(st) : NULL;
	char *what = vt_asprintf("'%s'", path);

	if (j)
		vt_source_from_json(&src, j);
	vt_plan_fits(plan, j ? &src : NULL, seg, what);
	free(what);
	json_decref(j);
}

json_t *
vt_split(const char *path, const char *dir, double chunk_sec, double seg,
    const struct vt_plan *plan)
{
	struct splitter s = { 0 };
	char *abs = NULL, *adir;
	json_t *m;
	int v, a;

	s.cells = llround(chunk_sec / seg);
	if (s.cells < 1)
		s.cells = 1;
	s.in = vt_open_input(path);
	s.chunks = json_array();
	v = vt_best_stream(s.in, AVMEDIA_TYPE_VIDEO);
	a = vt_best_stream(s.in, AVMEDIA_TYPE_AUDIO);
	if (v < 0 && a < 0)
		vt_die(VT_EX_DATAERR, "'%s' has no video or audio stream", path);
	if (plan)
		check_plan(plan, v >= 0 ? s.in->streams[v] : NULL, path, seg);
	if (v >= 0) {
		s.st = s.in->streams[v];
		vt_mkdirs(dir);
		if (!(adir = realpath(dir, NULL)))
			vt_die(VT_EX_CANTCREAT, "cannot resolve '%s'", dir);
		s.dir = adir;
		cut(&s, seg);
		free(adir);
	}
	if (!strstr(path, "://"))
		abs = realpath(path, NULL);
	m = json_pack("{s:s,s:o,s:f,s:f,s:o,s:o,s:o,s:o}", "source", abs ? abs : path,
	    "duration", vt_json_time(s.in->duration, AV_TIME_BASE_Q), "seg", seg,
	    "chunk", s.cells * seg, "plan", plan ? vt_plan_json(plan) : json_null(),
	    "video", v < 0 ? json_null() : vt_stream_json(s.in->streams[v]),
	    "audio", a < 0 ? json_null() : vt_stream_json(s.in->streams[a]),
	    "chunks", s.chunks);
	free(abs);
	avformat_close_input(&s.in);
	return m;
}
