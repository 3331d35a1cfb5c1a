/* Shot-change detection after PySceneDetect's adaptive detector: a
 * frame's content change against its neighbours' changes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include "vt.h"
#include "decode.h"
#include "media.h"
#include "scene.h"

/* Neighbours each side whose changes a frame's change is measured
 * against. */
#define WINDOW 2
/* The change, in 8-bit levels, that scores 1 on its own, and the ratio to
 * the neighbours' average that scores 1: 0.4 asks for 16 levels and 3
 * times the neighbours, PySceneDetect's defaults. */
#define FULL_CHANGE 40.0
#define FULL_RATIO 6.0
/* A still picture's neighbours change by compression noise alone. */
#define QUIET 1.0
/* Longest flash, in seconds. */
#define FLASH 0.1

struct det {
	const struct vt_scene_opts *o;
	struct vt_scenes *out;
	struct SwsContext *sws;
	int w, h;		/* small size */
	int ring;		/* frames remembered */
	uint8_t **pic;		/* small yuv420p pictures, by frame % ring */
	double *change;		/* mean change from the previous frame */
	int64_t *pts;
	int64_t n;		/* frames seen */
	int64_t next;		/* next frame to judge */
	double last_cut;	/* time of the last cut, or of the first frame */
	int delay, flash;	/* frames */
	int64_t last_dur;
	int64_t first_pts;
};

static double
plane_diff(const uint8_t *a, const uint8_t *b, int n)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += abs(a[i] - b[i]);
	return (double)sum / n;
}

/* Mean absolute difference of two small pictures, luma and chroma weighed
 * alike, in 8-bit levels. */
static double
pic_diff(const struct det *d, int64_t i, int64_t j)
{
	const uint8_t *a = d->pic[i % d->ring], *b = d->pic[j % d->ring];
	int ys = d->w * d->h, cs = (d->w / 2) * (d->h / 2);

	return (plane_diff(a, b, ys) + plane_diff(a + ys, b + ys, cs) +
	    plane_diff(a + ys + cs, b + ys + cs, cs)) / 3;
}

static double
frame_time(const struct det *d, int64_t pts)
{
	return pts * av_q2d(d->out->time_base);
}

static double
score(const struct det *d, int64_t k)
{
	double c = d->change[k % d->ring], sum = 0, avg, s;
	int64_t j;
	int n = 0;

	for (j = k - WINDOW; j <= k + WINDOW; j++)
		if (j != k && j >= 1 && j < d->n) {
			sum += d->change[j % d->ring];
			n++;
		}
	avg = n ? sum / n : 0;
	s = fmin(c / FULL_CHANGE, (c / fmax(avg, QUIET) - 1) / (FULL_RATIO - 1));
	return fmax(0, fmin(1, s));
}

/* The change into frame k belongs to a flash if a picture from before it
 * comes back within the flash length: compare each frame a before k with
 * each frame b from k on. */
static int
flash(const struct det *d, int64_t k)
{
	double c = d->change[k % d->ring];
	int64_t a, b;

	for (a = k - 1; a >= 0 && a >= k - 1 - d->flash; a--)
		for (b = k; b < d->n && b - a <= d->flash + 1; b++)
			if (b - a >= 2 && pic_diff(d, a, b) < c / 2)
				return 1;
	return 0;
}

static void
judge(struct det *d, int64_t k)
{
	struct vt_scenes *out = d->out;
	struct vt_cut *cut;
	int64_t pts = d->pts[k % d->ring];
	double s;

	if (k == 0)
		return;
	s = score(d, k);
	if (s < d->o->threshold ||
	    frame_time(d, pts) - d->last_cut < d->o->min_scene)
		return;
	if (flash(d, k))
		return;
	out->cuts = vt_realloc(out->cuts, (out->ncuts + 1) * sizeof(*out->cuts));
	cut = &out->cuts[out->ncuts++];
	cut->frame = k;
	cut->pts = pts;
	cut->time = frame_time(d, pts);
	cut->score = s;
	d->last_cut = cut->time;
}

static void
small_size(struct det *d, const AVFrame *f)
{
	d->w = VT_SCENE_WIDTH;
	d->h = (int)lround((double)VT_SCENE_WIDTH * f->height / f->width / 2) * 2;
	d->h = d->h < 2 ? 2 : d->h > 4 * VT_SCENE_WIDTH ? 4 * VT_SCENE_WIDTH : d->h;
}

static int64_t
frame_pts(const struct det *d, const AVFrame *f)
{
	int64_t prev;

	if (f->best_effort_timestamp != AV_NOPTS_VALUE)
		return f->best_effort_timestamp;
	if (!d->n)
		return 0;
	prev = d->pts[(d->n - 1) % d->ring];
	return prev + (d->last_dur > 0 ? d->last_dur : 1);
}

static void
onframe(void *arg, AVFrame *f)
{
	struct det *d = arg;
	uint8_t *dst[4];
	int lines[4];
	int64_t i = d->n;

	if (!d->w)
		small_size(d, f);
	d->sws = sws_getCachedContext(d->sws, f->width, f->height, f->format,
	    d->w, d->h, AV_PIX_FMT_YUV420P, SWS_AREA, NULL, NULL, NULL);
	if (!d->sws)
		vt_die(VT_EX_DATAERR, "cannot scale %dx%d %s frames", f->width, f->height,
		    av_get_pix_fmt_name(f->format) ? av_get_pix_fmt_name(f->format) : "unknown");
	av_image_fill_arrays(dst, lines, d->pic[i % d->ring], AV_PIX_FMT_YUV420P, d->w, d->h, 1);
	sws_scale(d->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, lines);
	d->pts[i % d->ring] = frame_pts(d, f);
	if (i > 0 && d->pts[i % d->ring] <= d->pts[(i - 1) % d->ring])
		d->pts[i % d->ring] = d->pts[(i - 1) % d->ring] + 1;
	d->change[i % d->ring] = i ? pic_diff(d, i - 1, i) : 0;
	if (!i) {
		d->first_pts = d->pts[0];
		d->last_cut = frame_time(d, d->first_pts);
	}
	if (f->pkt_duration > 0)
		d->last_dur = f->pkt_duration;
	else if (i)
		d->last_dur = d->pts[i % d->ring] - d->pts[(i - 1) % d->ring];
	d->n++;
	while (d->next + d->delay < d->n)
		judge(d, d->next++);
}

static void
det_init(struct det *d, const AVStream *st)
{
	AVRational fr = vt_frame_rate(st);
	int k;

	d->last_dur = av_rescale_q(1, av_inv_q(fr), st->time_base);
	d->flash = (int)lround(FLASH * av_q2d(fr));
	d->flash = d->flash < 2 ? 2 : d->flash > 30 ? 30 : d->flash;
	d->delay = d->flash > WINDOW ? d->flash : WINDOW;
	d->ring = 2 * d->delay + 2;
	d->pic = vt_calloc(d->ring, sizeof(*d->pic));
	d->change = vt_calloc(d->ring, sizeof(*d->change));
	d->pts = vt_calloc(d->ring, sizeof(*d->pts));
	for (k = 0; k < d->ring; k++)
		d->pic[k] = vt_malloc(4 * VT_SCENE_WIDTH * VT_SCENE_WIDTH * 3 / 2);
}

static void
det_free(struct det *d)
{
	int k;

	for (k = 0; k < d->ring; k++)
		free(d->pic[k]);
	free(d->pic);
	free(d->change);
	free(d->pts);
	sws_freeContext(d->sws);
}

/* A video that ends more than a second (and 5%) before want, its stated
 * end, has lost its tail. */
static void
check_end(const char *what, double start, double end, double want)
{
	if (end < want - fmax(1, (want - start) * 0.05))
		vt_die(VT_EX_DATAERR, "'%s' is truncated: its video stops at %.3f s of %.3f s",
		    what, end, want);
}

/* The stated end of stream st of fmt, or NAN: the container's counts only
 * when the video is its one stream. */
static double
stated_end(const AVFormatContext *fmt, const AVStream *st)
{
	if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
		return (st->duration + (st->start_time != AV_NOPTS_VALUE ? st->start_time : 0)) *
		    av_q2d(st->time_base);
	if (fmt->nb_streams == 1 && fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0)
		return (double)(fmt->duration + (fmt->start_time != AV_NOPTS_VALUE ?
		    fmt->start_time : 0)) / AV_TIME_BASE;
	return NAN;
}

/* The main video stream of fmt, the others discarded. */
static int
video_stream(AVFormatContext *fmt)
{
	unsigned i;
	int idx;

	if ((idx = vt_best_stream(fmt, AVMEDIA_TYPE_VIDEO)) < 0)
		vt_die(VT_EX_DATAERR, "'%s' has no video stream", fmt->url);
	for (i = 0; i < fmt->nb_streams; i++)
		fmt->streams[i]->discard = (int)i == idx ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
	return idx;
}

/* Decode stream idx of fmt into d, the first input setting it up. */
static void
feed(struct det *d, AVFormatContext *fmt, int idx)
{
	AVStream *st = fmt->streams[idx];
	AVCodecContext *dec;

	if (!d->ring) {
		d->out->stream = idx;
		d->out->time_base = st->time_base;
		det_init(d, st);
	} else if (av_cmp_q(st->time_base, d->out->time_base)) {
		vt_die(VT_EX_DATAERR, "'%s': time base %d/%d, not %d/%d as the files before",
		    fmt->url, st->time_base.num, st->time_base.den, d->out->time_base.num,
		    d->out->time_base.den);
	}
	dec = vt_open_decoder(st, fmt->url, d->o->threads);
	/* Small pictures hide what the deblocking filter would smooth. */
	dec->skip_loop_filter = AVDISCARD_ALL;
	vt_decode_all(fmt, idx, dec, onframe, d);
	avcodec_free_context(&dec);
}

/* Judge the last frames and fill in the totals; what names the input. */
static void
finish(struct det *d, const char *what)
{
	while (d->next < d->n)
		judge(d, d->next++);
	if (!d->n)
		vt_die(VT_EX_DATAERR, "'%s': no video frame could be decoded", what);
	d->out->frames = d->n;
	d->out->start = frame_time(d, d->first_pts);
	d->out->end = frame_time(d, d->pts[(d->n - 1) % d->ring] +
	    (d->last_dur > 0 ? d->last_dur : 0));
}

void
vt_scenes_detect(AVFormatContext *fmt, const struct vt_scene_opts *o, struct vt_scenes *out)
{
	struct det d = { .o = o, .out = out };
	int idx;
	double want;

	memset(out, 0, sizeof(*out));
	idx = video_stream(fmt);
	feed(&d, fmt, idx);
	finish(&d, fmt->url);
	if (!isnan(want = stated_end(fmt, fmt->streams[idx])))
		check_end(fmt->url, out->start, out->end, want);
	det_free(&d);
}

void
vt_scenes_detect_files(const char *const *paths, size_t n, double end, const char *what,
    const struct vt_scene_opts *o, struct vt_scenes *out)
{
	struct det d = { .o = o, .out = out };
	AVFormatContext *fmt;
	size_t k;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < n; k++) {
		fmt = vt_open_input(paths[k]);
		feed(&d, fmt, video_stream(fmt));
		avformat_close_input(&fmt);
	}
	finish(&d, what);
	check_end(what, out->start, out->end, end);
	det_free(&d);
}

json_t *
vt_scenes_json(const struct vt_scenes *s, const char *input, double threshold)
{
	json_t *cuts = json_array();
	size_t i;

	for (i = 0; i < s->ncuts; i++)
		json_array_append_new(cuts, json_pack("{s:I,s:I,s:f,s:f}",
		    "frame", (json_int_t)s->cuts[i].frame, "pts", (json_int_t)s->cuts[i].pts,
		    "time", s->cuts[i].time, "score", round(s->cuts[i].score * 1000) / 1000));
	return json_pack("{s:s,s:i,s:o,s:I,s:f,s:f,s:f,s:o}",
	    "input", input, "stream", s->stream,
	    "time_base", vt_json_rational_new(s->time_base.num, s->time_base.den),
	    "frames", (json_int_t)s->frames, "start_time", s->start,
	    "duration", s->end - s->start, "threshold", threshold, "cuts", cuts);
}

void
vt_scenes_free(struct vt_scenes *s)
{
	free(s->cuts);
	s->cuts = NULL;
	s->ncuts = 0;
}
