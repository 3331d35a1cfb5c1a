/* Choosing a thumbnail frame and writing it, with the sprite sheet. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "image.h"
#include "media.h"
#include "thumb.h"

/* Candidates: WINDOWS runs of PER frames spread over the span, so about
 * as many frames as FFmpeg's thumbnail filter looks at (100), but from the
 * whole video. A short span is decoded whole instead. */
#define WINDOWS 20
#define PER 5
#define NCAND (WINDOWS * PER)
#define NBINS (3 * 256)
#define ANALYSIS_W 480
#define SPARSE_BUDGET (4.0 * NCAND * 1920 * 1080)

/* Levels on full-range luma, 0..255. */
#define DARK_MEAN 24	/* black */
#define FLAT_DEV 8	/* one colour */
#define DEV_SHARE 0.6	/* of the video's usual contrast: fading */
#define SHARP_SHARE 0.35	/* of the video's usual sharpness: blurred or faded */
#define REF_PCT 0.8	/* "usual": this percentile of the frames that are not dark */
#define FADE_STEP 0.4	/* mean luma change per frame, all one way, in a window... */
#define FADE_SHARE 0.04	/* ...adding up to this share of it: a fade */

enum { R_DARK = 1, R_FADE = 2, R_DULL = 4, R_BLUR = 8 };

struct cand {
	int64_t pts;
	int window, reject;
	double mean, dev, sharp;
	unsigned hist[NBINS];
};

struct pool {
	struct cand *c;
	size_t n, cap;
	int aw, ah;
	uint8_t *luma;
};

static const char *const modes[] = { "auto", "timestamp", "scene" };

int
vt_thumb_mode(const char *name)
{
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(name, modes[i]))
			return i;
	return -1;
}

static double
cut_time(const json_t *item, const char *what)
{
	const json_t *t = item;

	if (json_is_object(item) && !(t = json_object_get(item, "time")))
		t = json_object_get(item, "start");
	if (!json_is_number(t) || !isfinite(json_number_value(t)) || json_number_value(t) < 0)
		vt_die(VT_EX_DATAERR, "%s: each scene needs a 'time' of seconds >= 0", what);
	return json_number_value(t);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double *
vt_scene_cuts(const json_t *doc, const char *what, size_t *n)
{
	static const char *const keys[] = { "scenes", "cuts", "shots" };
	const json_t *list = doc, *v = NULL;
	double *cuts, start = 0;
	size_t i, k;

	if (!json_array_size(doc))
		vt_die(VT_EX_DATAERR, "%s: no JSON", what);
	/* one document: the list itself, or an object holding it */
	if (json_array_size(doc) == 1 && !json_is_number(json_array_get(doc, 0)))
		list = json_array_get(doc, 0);
	if (json_is_object(list)) {
		start = vt_json_num(list, "start_time", 0);
		for (k = 0; k < 3 && !v; k++)
			v = json_object_get(list, keys[k]);
		if (!v && json_object_get(list, "time"))
			v = doc;
		list = v;
	}
	if (!json_is_array(list))
		vt_die(VT_EX_DATAERR, "%s: no 'cuts' or 'scenes' array", what);
	*n = json_array_size(list);
	cuts = vt_calloc(*n, sizeof(*cuts));
	json_array_foreach(list, i, v)
		cuts[i] = cut_time(v, what) - start;
	qsort(cuts, *n, sizeof(*cuts), cmp_double);
	return cuts;
}

static void
measure(struct pool *p, const AVFrame *f, int window)
{
	AVFrame *rgb = vt_image_rgb(f, 0, p->aw, p->ah, 1);
	double sum = 0, sum2 = 0, lap, lsum = 0, lsum2 = 0, m;
	struct cand *c;
	int x, y, w = p->aw, h = p->ah;

	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : NCAND;
		p->c = vt_realloc(p->c, p->cap * sizeof(*p->c));
	}
	c = &p->c[p->n++];
	memset(c, 0, sizeof(*c));
	c->pts = f->pts;
	c->window = window;
	for (y = 0; y < h; y++) {
		const uint8_t *px = rgb->data[0] + (size_t)y * rgb->linesize[0];

		for (x = 0; x < w; x++, px += 3) {
			int l = (77 * px[0] + 150 * px[1] + 29 * px[2] + 128) >> 8;

			c->hist[px[0]]++;
			c->hist[256 + px[1]]++;
			c->hist[512 + px[2]]++;
			p->luma[y * w + x] = l;
			sum += l;
			sum2 += l * l;
		}
	}
	m = (double)w * h;
	c->mean = sum / m;
	c->dev = sqrt(fmax(0, sum2 / m - c->mean * c->mean));
	/* sharpness: variance of the Laplacian of luma */
	for (y = 1; y < h - 1; y++)
		for (x = 1; x < w - 1; x++) {
			const uint8_t *l = p->luma + y * w + x;

			lap = 4.0 * l[0] - l[-1] - l[1] - l[-w] - l[w];
			lsum += lap;
			lsum2 += lap * lap;
		}
	m = (double)(w - 2) * (h - 2);
	c->sharp = m > 0 ? lsum2 / m - (lsum / m) * (lsum / m) : 0;
	av_frame_free(&rgb);
}

/* Windows of PER frames, starting at the keyframe before each of WINDOWS
 * points spread over lo..hi. A point whose keyframe is one already
 * visited goes on from the frames measured last instead of decoding them
 * again. */
static void
sample_windows(struct vt_seeker *s, struct pool *p, int64_t lo, int64_t hi)
{
	int64_t at, seen = INT64_MIN;
	const AVFrame *f;
	int w, got;

	for (w = 0; w < WINDOWS; w++) {
		at = lo + (int64_t)((double)(hi - lo) * (2 * w + 1) / (2 * WINDOWS));
		if (at > seen && vt_seeker_must_seek(s, at))
			vt_seeker_seek(s, at);
		for (got = 0; got < PER && (f = vt_seeker_next(s)); ) {
			if (f->pts < lo || f->pts <= seen)
				continue;
			if (f->pts > hi)
				break;
			measure(p, f, w);
			seen = f->pts;
			got++;
		}
	}
}

/* Every k-th frame of lo..hi, in windows of PER candidates. */
static void
sample_all(struct vt_seeker *s, struct pool *p, int64_t lo, int64_t hi, int k)
{
	const AVFrame *f;
	int i = 0;

	vt_seeker_seek(s, lo);
	while ((f = vt_seeker_next(s)) && f->pts <= hi && p->n < 4 * NCAND) {
		if (f->pts < lo || i++ % k)
			continue;
		measure(p, f, (int)(p->n / PER));
	}
}

/* The REF_PCT percentile of v[0..m), which it sorts. */
static double
percentile(double *v, size_t m)
{
	qsort(v, m, sizeof(*v), cmp_double);
	return m ? v[(size_t)(REF_PCT * (m - 1))] : 0;
}

/* A window whose mean luma moves one way, frame after frame, is fading. */
static void
mark_fades(struct cand *c, size_t n)
{
	size_t a, b, i;
	double d, top;
	int sign, steady;

	for (a = 0; a < n; a = b) {
		for (b = a + 1; b < n && c[b].window == c[a].window; b++)
			;
		if (b - a < 3)
			continue;
		sign = c[a + 1].mean > c[a].mean ? 1 : -1;
		steady = 1;
		top = 0;
		for (i = a; i < b; i++) {
			top = fmax(top, c[i].mean);
			if (i > a && ((d = (c[i].mean - c[i - 1].mean) * sign) < FADE_STEP))
				steady = 0;
		}
		if (steady && fabs(c[b - 1].mean - c[a].mean) >= FADE_SHARE * top)
			for (i = a; i < b; i++)
				c[i].reject |= R_FADE;
	}
}

/* The candidate to show: of those that pass, the one closest to their
 * average histogram (sum of squared differences); if none passes, the
 * sharpest that is not dark, else the one with most contrast (then light). */
static size_t
choose(struct cand *c, size_t n, size_t *rejected, int *fallback)
{
	double avg[NBINS] = { 0 }, ref_dev, ref_sharp, best = 0, e, d;
	double *devs = vt_calloc(n, sizeof(double)), *sharps = vt_calloc(n, sizeof(double));
	size_t i, j, m = 0, pick = 0, ok = 0;
	int have = 0;

	for (i = 0; i < n; i++)
		if (c[i].mean < DARK_MEAN || c[i].dev < FLAT_DEV)
			c[i].reject |= R_DARK;
		else {
			devs[m] = c[i].dev;
			sharps[m++] = c[i].sharp;
		}
	ref_dev = percentile(devs, m);
	ref_sharp = percentile(sharps, m);
	free(devs);
	free(sharps);
	mark_fades(c, n);
	for (i = 0; i < n; i++) {
		if (c[i].dev < DEV_SHARE * ref_dev)
			c[i].reject |= R_DULL;
		if (c[i].sharp < SHARP_SHARE * ref_sharp)
			c[i].reject |= R_BLUR;
		if (c[i].reject)
			continue;
		ok++;
		for (j = 0; j < NBINS; j++)
			avg[j] += c[i].hist[j];
	}
	vt_info("auto: usual contrast %.1f, sharpness %.1f", ref_dev, ref_sharp);
	*rejected = n - ok;
	*fallback = !ok;
	for (i = 0; i < n; i++) {
		if (ok && c[i].reject)
			continue;
		if (ok) {
			for (e = 0, j = 0; j < NBINS; j++) {
				d = avg[j] / ok - c[i].hist[j];
				e -= d * d;
			}
		} else {
			e = c[i].reject & R_DARK ? c[i].dev + c[i].mean * 1e-3 : 1e6 + c[i].sharp;
		}
		if (!have || e > best) {
			have = 1;
			best = e;
			pick = i;
		}
	}
	return pick;
}

static void
explain(struct vt_seeker *s, const struct pool *p, size_t pick)
{
	const struct cand *c;
	size_t i;

	for (i = 0, c = p->c; i < p->n; i++, c++)
		vt_info("auto: %.3f s: mean %.1f, contrast %.1f, sharpness %.1f%s%s%s%s%s",
		    vt_seeker_sec(s, c->pts), c->mean, c->dev, c->sharp,
		    c->reject & R_DARK ? ", dark" : "", c->reject & R_FADE ? ", fading" : "",
		    c->reject & R_DULL ? ", dull" : "", c->reject & R_BLUR ? ", blurred" : "",
		    i == pick ? ": chosen" : "");
}

static double
pixels(const struct vt_seeker *s)
{
	return (double)s->st->codecpar->width * s->st->codecpar->height;
}

/* The pts of the auto choice within lo..hi: from windows, or from frames
 * spread over all of it when that costs little (a short span, or few
 * keyframes for windows to start at and at most SPARSE_BUDGET pixels to
 * decode) or seeking cannot be done. */
static int64_t
pick(struct vt_seeker *s, int64_t lo, int64_t hi, json_t *out)
{
	AVRational fr = vt_frame_rate(s->st);
	struct pool p = { 0 };
	double span = vt_seeker_sec(s, hi) - vt_seeker_sec(s, lo), frames;
	size_t i, rejected;
	int fallback;
	int64_t pts;

	p.aw = FFMIN(ANALYSIS_W, s->st->codecpar->width);
	p.ah = FFMAX(2, (int)lround((double)p.aw * s->st->codecpar->height /
	    s->st->codecpar->width));
	p.luma = vt_malloc((size_t)p.aw * p.ah);
	frames = s->duration >= 0 ? span * av_q2d(fr) : -1;
	if (s->noseek || frames < 0 || frames <= 2 * NCAND || (frames * pixels(s) <= SPARSE_BUDGET &&
	    vt_seeker_keyframes(s, lo, hi) >= 0 && vt_seeker_keyframes(s, lo, hi) < WINDOWS / 2))
		sample_all(s, &p, lo, hi, frames > NCAND ? (int)ceil(frames / NCAND) : 1);
	else
		sample_windows(s, &p, lo, hi);
	if (!p.n)
		vt_die(VT_EX_DATAERR, "'%s': no video frame could be decoded", s->fmt->url);
	i = choose(p.c, p.n, &rejected, &fallback);
	explain(s, &p, i);
	pts = p.c[i].pts;
	json_object_set_new(out, "candidates", json_integer(p.n));
	json_object_set_new(out, "rejected", json_integer(rejected));
	json_object_set_new(out, "fallback", json_boolean(fallback));
	free(p.c);
	free(p.luma);
	return pts;
}

/* The auto choice within the longest shot, kept clear of its cuts. */
static int64_t
pick_scene(struct vt_seeker *s, const struct vt_thumb_opts *o, json_t *out)
{
	double a = 0, b, best_a = 0, best_b = -1, margin;
	size_t i, best = 0, shot = 0;

	vt_seeker_duration(s);
	for (i = 0; i <= o->ncuts; i++) {
		b = i < o->ncuts ? fmin(o->cuts[i], s->duration) : s->duration;
		if (b <= a)
			continue;
		if (b - a > best_b - best_a) {
			best_a = a;
			best_b = b;
			best = shot;
		}
		shot++;
		a = b;
	}
	if (best_b < 0)
		best_b = s->duration;
	json_object_set_new(out, "shot", json_pack("{s:I,s:f,s:f}", "index", (json_int_t)best,
	    "start", best_a, "end", best_b));
	margin = fmin(0.5, (best_b - best_a) * 0.1);
	return pick(s, vt_seeker_ts(s, best_a + margin), vt_seeker_ts(s, best_b - margin), out);
}

json_t *
vt_thumb_settings(const struct vt_thumb_opts *o, const struct vt_sprite_opts *sp)
{
	json_t *doc = json_object();
	int w = o->width, h = o->height;

	if (!w && !h)
		w = VT_THUMB_WIDTH;
	json_object_set_new(doc, "mode", json_string(modes[o->mode]));
	if (o->mode == VT_THUMB_TIMESTAMP)
		json_object_set_new(doc, "time", json_real(o->time));
	json_object_set_new(doc, "width", w ? json_integer(w) : json_null());
	json_object_set_new(doc, "height", h ? json_integer(h) : json_null());
	json_object_set_new(doc, "quality", json_integer(o->quality));
	json_object_set_new(doc, "sprite_interval", json_real(sp->interval));
	json_object_set_new(doc, "tile_width", json_integer(sp->tile_width));
	json_object_set_new(doc, "columns", json_integer(sp->columns));
	json_object_set_new(doc, "rows", json_integer(sp->rows));
	return doc;
}

json_t *
vt_thumb(struct vt_seeker *s, const char *dir, const struct vt_thumb_opts *o)
{
	json_t *out = json_object();
	const AVFrame *f;
	AVFrame *rgb;
	unsigned char *jpeg;
	size_t len;
	int64_t ts;
	char *path;
	int w, h;

	switch (o->mode) {
	case VT_THUMB_TIMESTAMP:
		ts = vt_seeker_ts(s, fmax(0, o->time));
		json_object_set_new(out, "requested_time", json_real(o->time));
		break;
	case VT_THUMB_SCENE:
		ts = pick_scene(s, o, out);
		break;
	default:
		ts = pick(s, s->start, s->duration >= 0 ? vt_seeker_ts(s, s->duration) : INT64_MAX, out);
	}
	f = vt_seeker_frame_at(s, ts);
	ts = f->pts;
	vt_image_fit(s->display_w, s->display_h, o->width, o->height, VT_THUMB_WIDTH, &w, &h);
	rgb = vt_image_rgb(f, s->rotation, w, h, 0);
	jpeg = vt_image_jpeg(rgb, o->quality, &len);
	av_frame_free(&rgb);
	path = vt_path_join(dir, "thumbnail.jpg");
	vt_stage_file(path, jpeg, len);
	json_object_set_new(out, "path", json_string(path));
	json_object_set_new(out, "mode", json_string(modes[o->mode]));
	json_object_set_new(out, "time", json_real(vt_seeker_sec(s, ts)));
	json_object_set_new(out, "pts", json_integer(ts));
	json_object_set_new(out, "time_base",
	    vt_json_rational_new(s->st->time_base.num, s->st->time_base.den));
	json_object_set_new(out, "width", json_integer(w));
	json_object_set_new(out, "height", json_integer(h));
	free(path);
	return out;
}

json_t *
vt_thumb_run(const char *path, const char *dir, const struct vt_thumb_opts *o,
    const struct vt_sprite_opts *sp)
{
	struct vt_seeker s;
	json_t *doc, *thumb, *sprite;

	vt_seeker_open(&s, path);
	vt_seeker_check_tail(&s);
	vt_mkdirs(dir);
	thumb = vt_thumb(&s, dir, o);
	sprite = sp->interval > 0 ? vt_sprite(&s, dir, sp) : json_null();
	vt_stage_commit();
	doc = json_object();
	json_object_set_new(doc, "input", json_string(path));
	json_object_set_new(doc, "dir", json_string(dir));
	json_object_set_new(doc, "duration", s.duration >= 0 ? json_real(s.duration) : json_null());
	json_object_set_new(doc, "display_width", json_integer(s.display_w));
	json_object_set_new(doc, "display_height", json_integer(s.display_h));
	json_object_set_new(doc, "rotation", json_integer(s.rotation));
	json_object_set_new(doc, "thumbnail", thumb);
	json_object_set_new(doc, "sprite", sprite);
	json_object_set_new(doc, "decoded_frames", json_integer(s.decoded));
	json_object_set_new(doc, "seeks", json_integer(s.seeks));
	vt_seeker_close(&s);
	return doc;
}
