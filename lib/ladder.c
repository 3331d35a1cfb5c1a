/* The ABR ladder: rung names, output sizes and bit rates. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "audio.h"
#include "ladder.h"

static const int default_ladder[] = { 2160, 1440, 1080, 720, 480, 360, 240 };

const char *const vt_wm_keys[6] = { "text", "image", "font", "position", "size", "opacity" };

void
vt_params_defaults(struct vt_params *p)
{
	memset(p, 0, sizeof(*p));
	p->seg = VT_SEG_DEFAULT;
	p->preset = "medium";
	p->audio_bitrate = 128000;
	p->audio_channels = 2;
	p->offset = 10;
	vt_watermark_defaults(&p->wm);
}

int64_t
vt_bitrate_json(const json_t *v, const char *what)
{
	int64_t b = -1;

	if (json_is_integer(v))
		b = json_integer_value(v);
	else if (json_is_string(v))
		b = vt_parse_bitrate(json_string_value(v));
	if (b < 1000 || b > 1000000000)
		vt_die(VT_EX_DATAERR, "bad bit rate for '%s'", what);
	return b;
}

void
vt_params_load(struct vt_params *p, json_t *o)
{
	static const char *const keys[VT_ASK_WM] = { "resolutions", "seg", "preset", "threads",
	    "bitrates", "audio_bitrate", "audio_channels", "audio" };
	json_t *v;
	size_t k;

	if (!json_is_object(o))
		vt_die(VT_EX_DATAERR, "params: not a JSON object");
	for (k = 0; k < VT_ASK_N; k++)
		if ((v = k < VT_ASK_WM ? json_object_get(o, keys[k]) : json_object_get(
		    json_object_get(o, "watermark"), vt_wm_keys[k - VT_ASK_WM])) && !json_is_null(v))
			p->who[k] = "the params file";
	if ((v = json_object_get(o, "resolutions")) && !json_is_null(v)) {
		size_t i, len = 0;
		json_t *r;

		if (!json_is_array(v))
			vt_die(VT_EX_DATAERR, "params: 'resolutions' must be an array");
		p->resbuf[0] = '\0';
		json_array_foreach(v, i, r) {
			if (!json_is_string(r))
				vt_die(VT_EX_DATAERR, "params: 'resolutions' must hold strings");
			len += snprintf(p->resbuf + len, sizeof(p->resbuf) - len, "%s%s",
			    i ? "," : "", json_string_value(r));
			if (len >= sizeof(p->resbuf))
				vt_die(VT_EX_DATAERR, "params: 'resolutions' is too long");
		}
		p->res = len ? p->resbuf : NULL;
	}
	if ((v = json_object_get(o, "seg")) && !json_is_null(v) && !json_is_number(v))
		vt_die(VT_EX_DATAERR, "params: 'seg' must be a number of seconds");
	p->seg = vt_json_num(o, "seg", p->seg);
	if (!(p->seg >= VT_SEG_MIN && p->seg <= VT_SEG_MAX))
		vt_die(VT_EX_DATAERR, "params: 'seg' must be %g..%g seconds", VT_SEG_MIN, VT_SEG_MAX);
	p->preset = vt_json_str(o, "preset", p->preset);
	vt_check_preset(p->preset);
	p->threads = (int)vt_json_int(o, "threads", p->threads);
	if (p->threads < 0 || p->threads > 64)
		vt_die(VT_EX_DATAERR, "params: 'threads' must be 0..64");
	if ((v = json_object_get(o, "bitrates")) && !json_is_null(v)) {
		const char *k;
		json_t *b;

		if (!json_is_object(v))
			vt_die(VT_EX_DATAERR, "params: 'bitrates' must be an object");
		json_object_foreach(v, k, b)
			vt_bitrate_json(b, k);
		p->bitrates = v;
	}
	if ((v = json_object_get(o, "audio_bitrate")) && !json_is_null(v))
		p->audio_bitrate = vt_bitrate_json(v, "audio");
	p->audio_channels = (int)vt_json_int(o, "audio_channels", p->audio_channels);
	if (p->audio_channels < 0 || p->audio_channels > 8)
		vt_die(VT_EX_DATAERR, "params: 'audio_channels' must be 0..8");
	if ((v = json_object_get(o, "audio")) && !json_is_null(v)) {
		if (!json_is_string(v))
			vt_die(VT_EX_DATAERR, "params: 'audio' must be a string such as \"eng,fra\"");
		vt_audio_select_check(p->audio = json_string_value(v), VT_EX_DATAERR);
	}
	vt_watermark_load(&p->wm, json_object_get(o, "watermark"));
}

int
vt_preset_known(const char *name)
{
	static const char *const presets[] = { "ultrafast", "superfast", "veryfast", "faster",
	    "fast", "medium", "slow", "slower", "veryslow", "placebo" };
	size_t i;

	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (!strcmp(name, presets[i]))
			return 1;
	return 0;
}

void
vt_check_preset(const char *name)
{
	if (!vt_preset_known(name))
		vt_die(VT_EX_USAGE, "unknown preset '%s' (want ultrafast..placebo)", name);
}

int
vt_source_from_json(struct vt_source *s, const json_t *v)
{
	if (!json_is_object(v))
		return 0;
	memset(s, 0, sizeof(*s));
	s->width = (int)vt_json_need_int(v, "width");
	s->height = (int)vt_json_need_int(v, "height");
	if (s->width <= 0 || s->height <= 0 || s->width > 16384 || s->height > 16384)
		vt_die(VT_EX_DATAERR, "manifest: bad video size %dx%d", s->width, s->height);
	s->rotation = (int)vt_json_int(v, "rotation", 0);
	if (s->rotation % 90 || s->rotation < 0 || s->rotation >= 360)
		vt_die(VT_EX_DATAERR, "manifest: bad rotation %d", s->rotation);
	if (!vt_json_rational(v, "sample_aspect_ratio", &s->sar.num, &s->sar.den) || !s->sar.num)
		s->sar = (AVRational){ 1, 1 };
	if (!vt_json_rational(v, "frame_rate", &s->fps.num, &s->fps.den) || !s->fps.num)
		s->fps = (AVRational){ 25, 1 };
	if (!vt_json_rational(v, "time_base", &s->tb.num, &s->tb.den) || !s->tb.num)
		vt_die(VT_EX_DATAERR, "manifest: missing video 'time_base'");
	/* within 2^53 ticks, so that moving it to another time base cannot
	 * overflow */
	s->start_pts = vt_json_int_in(v, "start_pts", 0, -(1LL << 53), 1LL << 53);
	return 1;
}

int
vt_source_from_manifest(struct vt_source *s, const json_t *m)
{
	const json_t *st;
	size_t i;

	if (json_object_get(m, "chunks"))
		return vt_source_from_json(s, json_object_get(m, "video"));
	json_array_foreach(json_object_get(m, "streams"), i, st)
		if (!strcmp(vt_json_str(st, "codec_type", ""), "video") &&
		    !json_is_true(json_object_get(st, "attached_pic")))
			return vt_source_from_json(s, st);
	return 0;
}

/* Round to the nearest even number, never above limit rounded down. */
static int
even(double x, double limit)
{
	int e = 2 * (int)lround(x / 2);

	while (e > limit + 1e-6 && e > 2)
		e -= 2;
	return e < 2 ? 2 : e;
}

/* Bits per second for a w x h rung: 3 Mb/s at 720p30, scaled by pixel
 * count to the 0.75 power (rates grow slower than area), and by frame
 * rate to the 0.6 power above 30 fps. */
static int64_t
default_bitrate(int w, int h, AVRational fps)
{
	double f = av_q2d(fps), b;

	b = 3e6 * pow((double)w * h / (1280.0 * 720.0), 0.75);
	if (f > 31)
		b *= pow(f / 30, 0.6);
	return (int64_t)(llround(b / 10000) * 10000);
}

static int
parse_rung(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	if (n < 2 || n > 5 || s[n - 1] != 'p')
		return -1;
	for (i = 0; i < n - 1; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 16 && v <= 4320 ? (int)v : -1;
}

/* Fit the display size into the rung's box; 0 if that would upscale. */
static int
fit(const struct vt_source *s, int lines, struct vt_rung *r)
{
	double dw = s->width * av_q2d(s->sar), dh = s->height, t, bw, bh, k;

	if (s->rotation % 180) {
		t = dw;
		dw = dh;
		dh = t;
	}
	bw = dw >= dh ? even(lines * 16.0 / 9.0, 1e9) : lines;
	bh = dw >= dh ? lines : even(lines * 16.0 / 9.0, 1e9);
	k = fmin(bw / dw, bh / dh);
	if (k > 1.0 + 1e-9)
		return 0;
	r->lines = lines;
	snprintf(r->name, sizeof(r->name), "%dp", lines);
	r->width = even(dw * k, floor(dw));
	r->height = even(dh * k, floor(dh));
	return 1;
}

static void
set_bitrate(struct vt_rung *r, const struct vt_source *s, const struct vt_params *p)
{
	json_t *b = p->bitrates ? json_object_get(p->bitrates, r->name) : NULL;

	r->bitrate = b ? vt_bitrate_json(b, r->name) : default_bitrate(r->width, r->height, s->fps);
	r->maxrate = r->bitrate * 3 / 2;
	r->bufsize = r->bitrate * 2;
	r->gop = (int)fmin(fmax(p->seg * av_q2d(s->fps) + 0.999, 1), VT_MAX_GOP);
	snprintf(r->profile, sizeof(r->profile), "high");
}

static int
bylines(const void *a, const void *b)
{
	return ((const struct vt_rung *)b)->lines - ((const struct vt_rung *)a)->lines;
}

int
vt_res_add(int *want, int *nwant, const char *name, int len, int status)
{
	int j, lines = parse_rung(name, len);

	if (lines < 0)
		vt_die(status, "unknown rung '%.*s' (want NNNp, 16..4320)", len, name);
	for (j = 0; j < *nwant; j++)
		if (want[j] == lines)
			vt_die(status, "rung '%dp' given twice", lines);
	if (*nwant == VT_MAX_RUNGS)
		vt_die(status, "at most %d rungs", VT_MAX_RUNGS);
	want[(*nwant)++] = lines;
	return lines;
}

int
vt_res_parse(const char *res, int *want)
{
	const char *q, *e;
	int n = 0;

	for (q = res; ; q = e + 1) {
		if (!(e = strchr(q, ',')))
			e = q + strlen(q);
		vt_res_add(want, &n, q, (int)(e - q), VT_EX_USAGE);
		if (!*e)
			return n;
	}
}

int
vt_ladder_plan(const struct vt_source *s, const struct vt_params *p,
    struct vt_rung *rungs, json_t *skipped, json_t *notes)
{
	int want[VT_MAX_RUNGS], nwant = 0, n = 0, i, lines;
	struct vt_rung r;

	if (p->res)
		nwant = vt_res_parse(p->res, want);
	for (i = 0; i < (p->res ? nwant : (int)(sizeof(default_ladder) / sizeof(int))); i++) {
		lines = p->res ? want[i] : default_ladder[i];
		memset(&r, 0, sizeof(r));
		if (!fit(s, lines, &r)) {
			if (p->res) {
				char name[16], why[96];

				snprintf(name, sizeof(name), "%dp", lines);
				snprintf(why, sizeof(why), "would upscale the %dx%d source",
				    s->width, s->height);
				json_array_append_new(skipped, json_pack("{s:s,s:s}",
				    "name", name, "reason", why));
			}
			continue;
		}
		rungs[n++] = r;
	}
	if (n == 0) {
		double dw = s->width * av_q2d(s->sar), dh = s->height;
		int shortside = (int)fmin(dw, dh);

		lines = shortside & ~1;
		if (!fit(s, lines < 16 ? 16 : lines, &rungs[0]))
			vt_die(VT_EX_DATAERR, "source %dx%d is too small", s->width, s->height);
		n = 1;
		json_array_append_new(notes, json_sprintf("no requested rung fits the "
		    "%dx%d source: encoded %s at its own size", s->width, s->height, rungs[0].name));
	}
	for (i = 0; i < n; i++)
		set_bitrate(&rungs[i], s, p);
	qsort(rungs, n, sizeof(*rungs), bylines);
	return n;
}

json_t *
vt_rung_json(const struct vt_rung *r)
{
	return json_pack("{s:s,s:i,s:i,s:I,s:I,s:I,s:i,s:s}", "name", r->name, "width", r->width,
	    "height", r->height, "bitrate", (json_int_t)r->bitrate,
	    "maxrate", (json_int_t)r->maxrate, "bufsize", (json_int_t)r->bufsize,
	    "gop", r->gop, "profile", r->profile);
}
