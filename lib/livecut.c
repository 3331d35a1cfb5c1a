/* vt-livesegment's segment cutter: the encoded packets of each rendition
 * cut on the grid into segments (video: at the IDR frame the encoder was
 * told to put on each cell), and into parts for LL-HLS, each reported as
 * a JSON line when it is complete. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt.h"
#include "codecs.h"
#include "livecut.h"

void
vt_lc_emit(struct live *lv, json_t *line)
{
	pthread_mutex_lock(&lv->out);
	vt_json_print(line);
	pthread_mutex_unlock(&lv->out);
}

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
	vt_lc_emit(lv, line);
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

/* Where the input passed the end of r's segment: the end of its cell, or
 * of the input. Frames dropped at the segment's tail are not lag. */
static int64_t
input_end(struct live *lv, const struct rend *r)
{
	int64_t end = lv->grid.origin + (r->cell + 1) * lv->grid.seg;
	int64_t in = atomic_load(&lv->vin_end);

	if (in < end)
		end = in;
	return end > r->end ? end : r->end;
}

static void
seg_finish(struct live *lv, struct rend *r)
{
	double dur = (r->end - r->start) / 90000.0, now = vt_wallclock();
	double lag = now - wall_at(lv, input_end(lv, r));
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
	vt_lc_emit(lv, line);
}

/* The first packet of an epoch opens the rendition's writer: the stream
 * parameters come from the encoder, the H.264 parameter sets from the
 * packet. */
static void
rend_open(struct live *lv, struct rend *r, const AVCodecContext *enc, const AVPacket *pkt)
{
	AVCodecParameters *par = avcodec_parameters_alloc();

	avcodec_parameters_from_context(par, enc);
	if (vt_codec_first_packet(par, pkt->data, pkt->size, r->codecs, sizeof(r->codecs)) < 0)
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

void
vt_lc_video_packet(void *arg, int i, const AVCodecContext *enc, AVPacket *pkt)
{
	struct live *lv = arg;

	cut(lv, &lv->r[i], enc, pkt);
}

void
vt_lc_audio_packet(void *arg, int i, const AVCodecContext *enc, AVPacket *pkt)
{
	struct live *lv = arg;

	cut(lv, &lv->r[lv->nrungs], enc, pkt);
}

int64_t
vt_lc_end_epoch(struct live *lv)
{
	int64_t next = lv->first_cell, vcell;
	int i;

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
	return next;
}

int64_t
vt_lc_last_cell(const char *dir)
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
