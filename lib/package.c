/* Packaging encoded chunks into VOD HLS. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>

#include "vt.h"
#include "chunks.h"
#include "codecs.h"
#include "grid.h"
#include "lang.h"
#include "media.h"
#include "package.h"
#include "playlist.h"

/* A video rendition's I-frame playlist, beside its index.m3u8. */
#define IFRAMES "iframes.m3u8"

/* One rendition being cut into segments. */
struct rendition {
	const char *name;	/* folder name */
	const char *lang;	/* BCP 47, NULL: none */
	int is_video;
	int width, height;
	char codecs[32];
	struct vt_segment *segs;
	size_t nsegs;
	struct vt_segment *keys;	/* video: the I-frame playlist's ranges */
	size_t nkeys;
	int64_t frames, bytes;
	int64_t start, end;	/* output ticks */
	int channels, sample_rate;
};

struct cutter {
	struct rendition *r;
	struct vt_segwriter *w;
	enum vt_segfmt fmt;
	const struct vt_grid *grid;
	int64_t max_cell, cell;
	int64_t last_dts, max_pts, prev_max_pts, last_dur;
	int open, warned;
	size_t seg_keys;	/* r->keys before the open segment's */
	AVPacket *pending;	/* held until the next packet gives its duration */
};

static void
seg_begin(struct cutter *c, int64_t cell)
{
	char name[32];
	struct rendition *r = c->r;

	snprintf(name, sizeof(name), "seg_%05zu.%s", r->nsegs, vt_seg_ext(c->fmt));
	r->segs = vt_realloc(r->segs, (r->nsegs + 1) * sizeof(*r->segs));
	memset(&r->segs[r->nsegs], 0, sizeof(*r->segs));
	r->segs[r->nsegs].uri = vt_strdup(name);
	r->segs[r->nsegs].start = INT64_MAX;
	r->nsegs++;
	vt_seg_begin(c->w, name);
	c->seg_keys = r->nkeys;
	c->cell = cell;
	c->open = 1;
}

static void
seg_end(struct cutter *c)
{
	struct rendition *r = c->r;
	int64_t b = vt_seg_end(c->w);
	const struct vt_seg_range *kr;
	size_t i, n = vt_seg_key_ranges(c->w, &kr);

	if (r->is_video && n != r->nkeys - c->seg_keys)
		vt_die(VT_EX_SOFTWARE, "%s: %zu key frames in segment %zu, %zu ranges", r->name,
		    r->nkeys - c->seg_keys, r->nsegs - 1, n);
	for (i = 0; r->is_video && i < n; i++) {
		r->keys[c->seg_keys + i].offset = kr[i].offset;
		r->keys[c->seg_keys + i].bytes = kr[i].size;
	}
	r->segs[r->nsegs - 1].bytes = b;
	r->bytes += b;
	c->open = 0;
}

/* Write the held packet; a video key frame goes into the I-frame
 * playlist, its bytes known at the segment's end. */
static void
write_pending(struct cutter *c)
{
	struct rendition *r = c->r;

	if (r->is_video && (c->pending->flags & AV_PKT_FLAG_KEY)) {
		r->keys = vt_realloc(r->keys, (r->nkeys + 1) * sizeof(*r->keys));
		r->keys[r->nkeys++] = (struct vt_segment){ .uri = r->segs[r->nsegs - 1].uri,
		    .start = c->pending->pts };
	}
	vt_seg_write(c->w, c->pending);
	av_packet_free(&c->pending);
}

static void
cut_packet(struct cutter *c, AVPacket *pkt)
{
	struct rendition *r = c->r;
	int64_t cell, dur;
	int key = pkt->flags & AV_PKT_FLAG_KEY;

	if (pkt->pts == AV_NOPTS_VALUE)
		vt_die(VT_EX_DATAERR, "%s: packet without timestamp", r->name);
	if (pkt->dts == AV_NOPTS_VALUE)
		pkt->dts = pkt->pts;
	/* Chunk joins: decode times must keep rising. */
	if (c->last_dts != AV_NOPTS_VALUE && pkt->dts <= c->last_dts) {
		pkt->dts = c->last_dts + 1;
		if (pkt->dts > pkt->pts)
			vt_die(VT_EX_DATAERR, "%s: timestamps go backwards at %.3f s", r->name,
			    pkt->pts / 90000.0);
	}
	c->last_dts = pkt->dts;
	cell = vt_grid_cell(c->grid, pkt->pts);
	if (cell > c->max_cell)
		cell = c->max_cell;
	/* The packet before this one ends where this one starts. */
	if (c->pending) {
		if (pkt->dts > c->pending->dts)
			c->pending->duration = pkt->dts - c->pending->dts;
		write_pending(c);
	}
	if (!c->open) {
		seg_begin(c, cell);
	} else if (cell > c->cell) {
		if (!r->is_video || key) {
			seg_end(c);
			seg_begin(c, cell);
		} else if (!c->warned) {
			vt_warn("%s: no keyframe at %.3f s; segment runs long", r->name,
			    pkt->pts / 90000.0);
			c->warned = 1;
		}
	}
	if (pkt->pts < r->segs[r->nsegs - 1].start)
		r->segs[r->nsegs - 1].start = pkt->pts;
	if (pkt->pts < r->start)
		r->start = pkt->pts;
	/* The last frame lasts as long as the interval before it: the same
	 * in every rung, unlike durations a demuxer guesses. Packets come in
	 * decode order, so keep the two latest presentation times. */
	if (pkt->pts > c->max_pts) {
		c->prev_max_pts = c->max_pts;
		c->max_pts = pkt->pts;
	} else if (pkt->pts > c->prev_max_pts && pkt->pts < c->max_pts) {
		c->prev_max_pts = pkt->pts;
	}
	dur = c->prev_max_pts != INT64_MIN ? c->max_pts - c->prev_max_pts :
	    pkt->duration > 0 ? pkt->duration : 0;
	c->last_dur = dur;
	r->frames++;
	c->pending = av_packet_clone(pkt);
}

static void
cut_stream(struct rendition *r, const char **paths, size_t npaths, const char *dir,
    enum vt_segfmt fmt, const struct vt_grid *grid, int64_t max_cell)
{
	struct cutter c = { .r = r, .fmt = fmt, .grid = grid,
	    .max_cell = max_cell, .last_dts = AV_NOPTS_VALUE, .max_pts = INT64_MIN,
	    .prev_max_pts = INT64_MIN };
	AVPacket *pkt = av_packet_alloc();
	size_t i;
	int err;

	r->start = INT64_MAX;
	for (i = 0; i < npaths; i++) {
		AVFormatContext *in = vt_open_input(paths[i]);
		AVStream *st = in->streams[0];

		if (st->codecpar->codec_type != (r->is_video ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO))
			vt_die(VT_EX_DATAERR, "'%s' is not a %s stream", paths[i],
			    r->is_video ? "video" : "audio");
		while ((err = av_read_frame(in, pkt)) >= 0) {
			if (pkt->stream_index != 0) {
				av_packet_unref(pkt);
				continue;
			}
			av_packet_rescale_ts(pkt, st->time_base, VT_TB);
			if (!c.w) {
				AVCodecParameters *par = avcodec_parameters_alloc();

				avcodec_parameters_copy(par, st->codecpar);
				if (vt_codec_first_packet(par, pkt->data, pkt->size, r->codecs,
				    sizeof(r->codecs)) < 0)
					vt_die(VT_EX_DATAERR, "%s: codec %s cannot go in HLS", r->name,
					    avcodec_get_name(par->codec_id));
				if (!r->is_video) {
					r->channels = par->ch_layout.nb_channels;
					r->sample_rate = par->sample_rate;
				}
				c.w = vt_seg_open_lang(dir, fmt, par, NULL, grid->origin, pkt,
				    vt_lang_iso639_2(r->lang));
				if (r->is_video)
					vt_seg_keys(c.w);
				avcodec_parameters_free(&par);
			}
			cut_packet(&c, pkt);
			av_packet_unref(pkt);
		}
		if (err != AVERROR_EOF)
			vt_die(VT_EX_DATAERR, "cannot read '%s': %s", paths[i], vt_averr(err));
		avformat_close_input(&in);
	}
	if (!c.open)
		vt_die(VT_EX_DATAERR, "%s: no packets", r->name);
	if (c.last_dur > 0)
		c.pending->duration = c.last_dur;
	write_pending(&c);
	seg_end(&c);
	r->end = c.max_pts + c.last_dur;
	for (i = 0; i < r->nsegs; i++)
		r->segs[i].duration = ((i + 1 < r->nsegs ? r->segs[i + 1].start : r->end) -
		    r->segs[i].start) / 90000.0;
	/* RFC 8216 4.3.3.6: an I-frame lasts until the next one. */
	for (i = 0; i < r->nkeys; i++)
		r->keys[i].duration = ((i + 1 < r->nkeys ? r->keys[i + 1].start : r->end) -
		    r->keys[i].start) / 90000.0;
	vt_seg_close(c.w);
	av_packet_free(&pkt);
}

/* Remove segments an earlier run left in dir (another format, or more
 * segments): the playlist just written names every file that stays. */
static void
remove_stale(const struct rendition *r, const char *dir, enum vt_segfmt fmt)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t i, n;

	if (!d)
		return;
	while ((e = readdir(d))) {
		const char *name = e->d_name;
		int keep = 0;

		if (!strcmp(name, VT_SEG_INIT)) {
			keep = fmt == VT_SEG_FMP4;
		} else if (!strcmp(name, IFRAMES)) {
			keep = r->nkeys > 0;
		} else if (!strncmp(name, "seg_", 4) && (n = strlen(name)) > 4 &&
		    (!strcmp(name + n - 3, ".ts") || !strcmp(name + n - 4, ".m4s"))) {
			for (i = 0; i < r->nsegs && !keep; i++)
				keep = !strcmp(name, r->segs[i].uri);
		} else {
			continue;
		}
		if (!keep) {
			char *path = vt_path_join(dir, name);

			unlink(path);
			free(path);
		}
	}
	closedir(d);
}

/* A VOD playlist of the n segments segs in dir/name; iframes: their byte
 * ranges, EXT-X-I-FRAMES-ONLY. */
static void
vod_playlist(const char *dir, const char *name, struct vt_segment *segs, size_t n,
    enum vt_segfmt fmt, int iframes)
{
	struct vt_playlist pl = { 0 };
	char *path = vt_path_join(dir, name);

	pl.target = vt_playlist_target(segs, n);
	pl.map_uri = fmt == VT_SEG_FMP4 ? VT_SEG_INIT : NULL;
	pl.vod = pl.ended = 1;
	pl.iframes = iframes;
	pl.segs = segs;
	pl.nsegs = n;
	vt_playlist_write(path, &pl);
	free(path);
}

static void
write_playlist(const struct rendition *r, const char *dir, enum vt_segfmt fmt)
{
	vod_playlist(dir, "index.m3u8", r->segs, r->nsegs, fmt, 0);
	if (r->nkeys)
		vod_playlist(dir, IFRAMES, r->keys, r->nkeys, fmt, 1);
	remove_stale(r, dir, fmt);
	vt_info("%s: %zu segments, %lld frames", r->name, r->nsegs, (long long)r->frames);
}

/* The highest bit rate of any one of the n segments, and the average: the
 * segments' bytes over their durations, so that the average can never
 * pass the peak (an init segment is no media segment). */
static void
seg_rates(const struct vt_segment *segs, size_t n, double *peak, double *avg)
{
	double bytes = 0, dur = 0;
	size_t i;

	*peak = 0;
	for (i = 0; i < n; i++) {
		bytes += segs[i].bytes;
		dur += segs[i].duration;
		if (segs[i].duration > 0 && segs[i].bytes * 8.0 / segs[i].duration > *peak)
			*peak = segs[i].bytes * 8.0 / segs[i].duration;
	}
	*avg = dur > 0 ? bytes * 8.0 / dur : 0;
}

/* Peak and average bit rate of video v with audio a (NULL: none), each
 * the sum of the renditions' own, as RFC 8216 asks: a player may fetch
 * the audio segment with the peak next to any video segment. */
static void
bandwidth(const struct rendition *v, const struct rendition *a, int64_t *peak, int64_t *avg)
{
	double p, m, ap = 0, am = 0;

	seg_rates(v->segs, v->nsegs, &p, &m);
	if (a && a != v)
		seg_rates(a->segs, a->nsegs, &ap, &am);
	*peak = (int64_t)ceil(p + ap);
	*avg = (int64_t)ceil(m + am);
}

static json_t *
rendition_json(const struct rendition *r, int64_t peak, int64_t avg, double fps,
    const char *playlist)
{
	double dur = (r->end - r->start) / 90000.0;
	json_t *j = json_pack("{s:s,s:s,s:I,s:I,s:I,s:f,s:I,s:s}", "name", r->name,
	    "codecs", r->codecs, "bandwidth", (json_int_t)peak,
	    "average_bandwidth", (json_int_t)avg, "segments", (json_int_t)r->nsegs,
	    "duration", dur, "bytes", (json_int_t)r->bytes, "playlist", playlist);

	if (r->is_video) {
		json_object_set_new(j, "width", json_integer(r->width));
		json_object_set_new(j, "height", json_integer(r->height));
		json_object_set_new(j, "frames", json_integer(r->frames));
		json_object_set_new(j, "frame_rate", json_real(fps));
	} else {
		json_object_set_new(j, "channels", json_integer(r->channels));
		json_object_set_new(j, "sample_rate", json_integer(r->sample_rate));
	}
	return j;
}

/* The source's nominal rate when the output kept it (constant frame rate),
 * else the measured average. */
static double
frame_rate(const json_t *chunk, const struct rendition *r)
{
	double measured = r->end > r->start ? r->frames * 90000.0 / (r->end - r->start) : 0;
	int num, den;

	if (vt_json_rational(chunk, "frame_rate", &num, &den) && num > 0 &&
	    fabs(measured - (double)num / den) < 0.01 * num / den)
		return (double)num / den;
	return measured;
}

/* Video r's I-frame playlist as the master names it, with the peak and
 * average rates of its ranges over their durations, and its summary; NULL
 * if r has none. */
static json_t *
iframe_stream(const struct rendition *r, struct vt_iframe_stream *f)
{
	double peak, avg;

	if (!r->nkeys)
		return NULL;
	seg_rates(r->keys, r->nkeys, &peak, &avg);
	*f = (struct vt_iframe_stream){ vt_asprintf("%s/%s", r->name, IFRAMES), r->codecs,
	    (int64_t)ceil(peak), (int64_t)ceil(avg) };
	return json_pack("{s:s,s:I,s:I,s:I}", "playlist", f->uri,
	    "bandwidth", (json_int_t)f->bandwidth, "average_bandwidth",
	    (json_int_t)f->average_bandwidth, "frames", (json_int_t)r->nkeys);
}

static void
free_rendition(struct rendition *r)
{
	size_t i;

	for (i = 0; i < r->nsegs; i++)
		free(r->segs[i].uri);
	free(r->segs);
	free(r->keys);
}

/* A name vt-hls gives a file in a rendition's folder: the playlist, the
 * init section, a segment, or one of their temp names. */
static int
hls_file(const char *name)
{
	size_t n = strlen(name);
	char *s;
	int ok;

	if (name[0] == '.' && n > 8 && name[n - 7] == '.') {
		s = vt_asprintf("%.*s", (int)(n - 8), name + 1);
		ok = hls_file(s);
		free(s);
		return ok;
	}
	if (!strcmp(name, "index.m3u8") || !strcmp(name, IFRAMES) || !strcmp(name, VT_SEG_INIT))
		return 1;
	if (strncmp(name, "seg_", 4) || (n = strspn(name + 4, "0123456789")) < 5)
		return 0;
	return !strcmp(name + 4 + n, ".ts") || !strcmp(name + 4 + n, ".m4s");
}

/* Remove folder name in dfd if it holds files vt-hls writes and nothing
 * else; else leave it whole. */
static void
remove_rendition(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	struct stat st;
	int pass;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (pass = 0; pass < 2; pass++) {
		rewinddir(d);
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (!pass && (!hls_file(e->d_name) ||
			    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISREG(st.st_mode))) {
				vt_warn("%s: old rendition kept: '%s' is not vt-hls's", name, e->d_name);
				closedir(d);
				return;
			}
			if (pass && unlinkat(fd, e->d_name, 0) < 0 && errno != ENOENT)
				vt_warn("cannot remove '%s/%s': %s", name, e->d_name, strerror(errno));
		}
	}
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		vt_warn("cannot remove old rendition '%s': %s", name, strerror(errno));
}

/* A folder name vt-encode gives a rung ("720p") or an audio rendition. */
static int
rendition_dir(const char *name)
{
	size_t n = strspn(name, "0123456789");

	return n ? !strcmp(name + n, "p") : vt_arend_name_ok(name);
}

static int
among(const char *name, const struct rendition *rs, size_t n)
{
	size_t k;

	for (k = 0; k < n && strcmp(rs[k].name, name); k++)
		;
	return k < n;
}

/* Remove from out the renditions not among the nr in rs and the na in
 * auds, left by an earlier run: folders named as vt-encode names rungs
 * and audio renditions, never a symbolic link. */
static void
remove_old_rungs(const char *out, const struct rendition *rs, size_t nr,
    const struct rendition *auds, size_t na)
{
	DIR *d = opendir(out);
	struct dirent *e;
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!rendition_dir(e->d_name) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (!among(e->d_name, rs, nr) && !among(e->d_name, auds, na))
			remove_rendition(dirfd(d), e->d_name);
	}
	closedir(d);
}

/* Cut the audio renditions of ch into out/<name>/, each with its playlist
 * and its master line in ars. Returns the one with the highest peak rate,
 * which every variant's BANDWIDTH counts, or NULL without audio. */
static struct rendition *
cut_audio(const struct vt_chunks *ch, const char *out, enum vt_segfmt fmt, int64_t max_cell,
    struct rendition *auds, struct vt_audio_rendition *ars)
{
	struct rendition *top = NULL;
	double peak, avg, best = -1;
	size_t a;
	char *dir;

	for (a = 0; a < ch->naudio; a++) {
		const struct vt_arend *ar = &ch->arend[a];
		const char *p = vt_json_need_str(ch->audio[a], "path");

		auds[a].name = ar->name;
		auds[a].lang = *ar->lang ? ar->lang : NULL;
		dir = vt_path_join(out, ar->name);
		cut_stream(&auds[a], &p, 1, dir, fmt, &ch->grid, max_cell);
		write_playlist(&auds[a], dir, fmt);
		free(dir);
		ars[a] = (struct vt_audio_rendition){ "audio", ar->label,
		    vt_asprintf("%s/index.m3u8", ar->name), auds[a].channels,
		    *ar->lang ? ar->lang : NULL, *ar->characteristics ? ar->characteristics : NULL,
		    !ar->dflt, !ar->autoselect };
		seg_rates(auds[a].segs, auds[a].nsegs, &peak, &avg);
		if (peak > best) {
			best = peak;
			top = &auds[a];
		}
	}
	return top;
}

static json_t *
audio_json(const struct rendition *r, const struct vt_audio_rendition *ar)
{
	int64_t peak, avg;
	json_t *j;

	bandwidth(r, NULL, &peak, &avg);
	j = rendition_json(r, peak, avg, 0, ar->uri);
	json_object_set_new(j, "label", json_string(ar->name));
	json_object_set_new(j, "language", ar->language ? json_string(ar->language) : json_null());
	json_object_set_new(j, "default", json_boolean(!ar->not_default));
	json_object_set_new(j, "autoselect", json_boolean(!ar->no_autoselect));
	json_object_set_new(j, "characteristics", ar->characteristics ?
	    json_string(ar->characteristics) : json_null());
	return j;
}

json_t *
vt_package_vod(const json_t *lines, const char *out, enum vt_segfmt fmt,
    const struct vt_session_data *sd, size_t nsd)
{
	struct rendition *rs, *auds, *amax;
	struct vt_audio_rendition *ars;
	struct vt_variant *vars;
	struct vt_iframe_stream *ifs;
	struct vt_chunks ch;
	size_t nr, na, i, k, dflt = 0;
	int64_t end = INT64_MIN, max_cell, peak = 0, avg = 0;
	const char **paths;
	json_t *jr = json_array(), *ja = json_null(), *jas = json_array(), *sum, *j, *ji;
	char *dir, *master;

	vt_chunks_read(lines, &ch);
	nr = ch.nrungs;
	na = ch.naudio;
	rs = vt_calloc(nr ? nr : 1, sizeof(*rs));
	auds = vt_calloc(na ? na : 1, sizeof(*auds));
	ars = vt_calloc(na ? na : 1, sizeof(*ars));
	for (k = 0; k < nr; k++) {
		rs[k].name = ch.rungs[k].name;
		rs[k].width = ch.rungs[k].width;
		rs[k].height = ch.rungs[k].height;
		rs[k].is_video = 1;
	}
	/* The last cell is dropped into the one before when it would hold a
	 * sliver under half a second: a tiny segment inflates peak rates. */
	for (k = 0; k < nr; k++)
		for (i = 0; i < ch.n; i++) {
			double e = vt_json_num(vt_chunks_rung(&ch, i, k), "end", 0);
			if (llround(e * 90000) > end)
				end = llround(e * 90000);
		}
	for (k = 0; !nr && k < na; k++)
		if (llround(vt_json_num(ch.audio[k], "end", 0) * 90000) > end)
			end = llround(vt_json_num(ch.audio[k], "end", 0) * 90000);
	max_cell = vt_grid_cell(&ch.grid, end);
	if (max_cell > 0 && end - (ch.grid.origin + max_cell * ch.grid.seg) < 45000)
		max_cell--;

	vt_mkdirs(out);
	amax = cut_audio(&ch, out, fmt, max_cell, auds, ars);
	for (k = 0; k < na; k++)
		if (ch.arend[k].dflt)
			dflt = k;
	paths = vt_calloc(ch.n ? ch.n : 1, sizeof(*paths));
	vars = vt_calloc(nr ? nr : 1, sizeof(*vars));
	ifs = vt_calloc(nr ? nr : 1, sizeof(*ifs));
	for (k = 0; k < nr; k++) {
		char *pl = vt_asprintf("%s/index.m3u8", rs[k].name), *codecs;

		for (i = 0; i < ch.n; i++)
			paths[i] = vt_chunks_path(&ch, i, k);
		dir = vt_path_join(out, rs[k].name);
		cut_stream(&rs[k], paths, ch.n, dir, fmt, &ch.grid, max_cell);
		write_playlist(&rs[k], dir, fmt);
		free(dir);
		bandwidth(&rs[k], amax, &peak, &avg);
		codecs = amax ? vt_asprintf("%s,%s", rs[k].codecs, amax->codecs) :
		    vt_strdup(rs[k].codecs);
		vars[k] = (struct vt_variant){ pl, peak, avg, codecs, rs[k].width, rs[k].height,
		    frame_rate(ch.video[0], &rs[k]), amax ? "audio" : NULL, NULL };
		j = rendition_json(&rs[k], peak, avg, vars[k].frame_rate, pl);
		if ((ji = iframe_stream(&rs[k], &ifs[k]))) {
			vars[k].iframes = &ifs[k];
			json_object_set_new(j, "iframes", ji);
		}
		json_array_append_new(jr, j);
	}
	master = vt_path_join(out, "master.m3u8");
	for (k = 0; k < na; k++)
		json_array_append_new(jas, audio_json(&auds[k], &ars[k]));
	if (na)
		ja = json_incref(json_array_get(jas, dflt));
	if (nr) {
		vt_master_write(master, vars, nr, ars, na, sd, nsd);
	} else {
		/* audio alone: the default rendition is the variant, and a choice
		 * of several is its group */
		struct vt_variant v = { ars[dflt].uri, 0, 0, auds[dflt].codecs, 0, 0, 0,
		    na > 1 ? "audio" : NULL, NULL };

		bandwidth(na > 1 ? amax : &auds[0], NULL, &v.bandwidth, &v.average_bandwidth);
		vt_master_write(master, &v, 1, ars, na > 1 ? na : 0, sd, nsd);
	}
	remove_old_rungs(out, rs, nr, auds, na);
	sum = json_pack("{s:s,s:s,s:f,s:o,s:o,s:o}", "master", "master.m3u8",
	    "format", fmt == VT_SEG_TS ? "ts" : "fmp4", "seg", ch.grid.seg / 90000.0,
	    "renditions", jr, "audio", ja, "audio_renditions", jas);
	if (nsd) {
		json_t *js = json_array();

		for (i = 0; i < nsd; i++)
			json_array_append_new(js, json_pack("{s:s,s:s}", "data_id", sd[i].id,
			    "uri", sd[i].uri));
		json_object_set_new(sum, "session_data", js);
	}
	for (k = 0; k < nr; k++) {
		free((char *)vars[k].uri);
		free((char *)vars[k].codecs);
		free((char *)ifs[k].uri);
		free_rendition(&rs[k]);
	}
	for (k = 0; k < na; k++) {
		free((char *)ars[k].uri);
		free_rendition(&auds[k]);
	}
	free(auds);
	free(ars);
	free(vars);
	free(ifs);
	free(paths);
	free(rs);
	vt_chunks_free(&ch);
	free(master);
	return sum;
}
