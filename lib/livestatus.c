/* Live HLS: the stream's status and Prometheus metrics, from what the
 * segment lines tell (vt-hls --status and --metrics). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "livestate.h"

#define MAX_SPEED 1e6
#define MAX_LAG 86400.0

void
vt_lh_health_init(struct rend *r)
{
	r->speed = r->lag = -1;
}

static void
name_in(char *to, size_t n, const json_t *j, const char *key)
{
	const char *s = vt_json_str(j, key, "");

	snprintf(to, n, "%s", vt_safe_name(s) ? s : "");
}

void
vt_lh_take_start(struct hls *h, const json_t *line)
{
	const json_t *in = json_object_get(line, "input");
	const json_t *v = json_object_get(in, "video");
	struct stream_health *t = &h->health;
	int num = 0, den = 1;

	t->end[0] = '\0';
	t->width = (int)vt_json_int_in(v, "width", 0, 0, 65535);
	t->height = (int)vt_json_int_in(v, "height", 0, 0, 65535);
	vt_json_rational(v, "frame_rate", &num, &den);
	t->frame_rate = num / (double)den <= 1000 ? num / (double)den : 0;
	name_in(t->video_codec, sizeof(t->video_codec), v, "codec_name");
	name_in(t->audio_codec, sizeof(t->audio_codec), json_object_get(in, "audio"), "codec_name");
}

void
vt_lh_take_segment(struct hls *h, struct rend *r, const json_t *line, const struct seg *s)
{
	const json_t *hj = json_object_get(line, "health");
	struct stream_health *t = &h->health;

	/* A speed only for video, and none for a segment its encoder did not
	 * work on: the last one stands. */
	if (r->video)
		r->speed = vt_json_num_in(hj, "speed", r->speed, 0, MAX_SPEED);
	r->lag = vt_json_num_in(hj, "lag", r->lag, 0, MAX_LAG);
	t->dropped = vt_json_int_in(hj, "dropped", t->dropped, 0, MAX_COUNT);
	t->bitrate = vt_json_int_in(hj, "input_bitrate", t->bitrate, 0, MAX_RATE);
	if (s->wallclock > 0)
		t->last = s->wallclock + s->duration;
}

void
vt_lh_take_end(struct hls *h, const json_t *line)
{
	name_in(h->health.end, sizeof(h->health.end), line, "reason");
}

json_t *
vt_lh_health_json(const struct hls *h)
{
	const struct stream_health *t = &h->health;
	json_t *rs = json_object();
	size_t i;

	for (i = 0; i < h->nr; i++)
		json_object_set_new(rs, h->r[i].name, json_pack("{s:f,s:f}", "speed", h->r[i].speed,
		    "lag", h->r[i].lag));
	return json_pack("{s:i,s:i,s:f,s:s,s:s,s:I,s:I,s:f,s:o}", "width", t->width,
	    "height", t->height, "frame_rate", t->frame_rate, "video_codec", t->video_codec,
	    "audio_codec", t->audio_codec, "bitrate", (json_int_t)t->bitrate,
	    "dropped", (json_int_t)t->dropped, "last", t->last, "renditions", rs);
}

void
vt_lh_health_load(struct hls *h, const json_t *j)
{
	struct stream_health *t = &h->health;
	size_t i;

	t->width = (int)vt_json_int_in(j, "width", 0, 0, 65535);
	t->height = (int)vt_json_int_in(j, "height", 0, 0, 65535);
	t->frame_rate = vt_json_num_in(j, "frame_rate", 0, 0, 1000);
	name_in(t->video_codec, sizeof(t->video_codec), j, "video_codec");
	name_in(t->audio_codec, sizeof(t->audio_codec), j, "audio_codec");
	t->bitrate = vt_json_int_in(j, "bitrate", -1, -1, MAX_RATE);
	t->dropped = vt_json_int_in(j, "dropped", -1, -1, MAX_COUNT);
	t->last = vt_json_num_in(j, "last", 0, 0, MAX_TIME);
	for (i = 0; i < h->nr; i++) {
		const json_t *r = json_object_get(json_object_get(j, "renditions"), h->r[i].name);

		h->r[i].speed = vt_json_num_in(r, "speed", -1, -1, MAX_SPEED);
		h->r[i].lag = vt_json_num_in(r, "lag", -1, -1, MAX_LAG);
	}
}

/* The stream's figures: the slowest rung's speed and the longest lag, of
 * each rendition's newest segment. */
static double
slowest(const struct hls *h)
{
	double v = -1;
	size_t i;

	for (i = 0; i < h->nr; i++)
		if (h->r[i].speed >= 0 && (v < 0 || h->r[i].speed < v))
			v = h->r[i].speed;
	return v;
}

static double
longest(const struct hls *h)
{
	double v = -1;
	size_t i;

	for (i = 0; i < h->nr; i++)
		if (h->r[i].lag > v)
			v = h->r[i].lag;
	return v;
}

/* What is unknown is null. */
static json_t *
num(double v, int known)
{
	return known ? json_real(v) : json_null();
}

static json_t *
whole(int64_t v, int known)
{
	return known ? json_integer((json_int_t)v) : json_null();
}

static json_t *
text(const char *s)
{
	return *s ? json_string(s) : json_null();
}

static int64_t
discontinuities(const struct rend *r)
{
	int64_t d = r->disc0;
	size_t k;

	for (k = 0; k < r->n; k++)
		d += r->segs[k].disc;
	return d;
}

static json_t *
status_json(const struct hls *h)
{
	const struct stream_health *t = &h->health;
	json_t *rs = json_array();
	char last[32];
	size_t i;

	for (i = 0; i < h->nr; i++) {
		const struct rend *r = &h->r[i];

		json_array_append_new(rs, json_pack("{s:s,s:s,s:I,s:I,s:f,s:I,s:I,s:o,s:o}",
		    "name", r->name, "type", r->video ? "video" : "audio",
		    "segments", (json_int_t)(r->seq0 + r->n),
		    "discontinuities", (json_int_t)discontinuities(r), "seconds", r->seconds,
		    "bitrate", (json_int_t)(vt_lh_average(r) + 0.5), "peak", (json_int_t)(r->peak + 0.5),
		    "speed", num(r->speed, r->speed >= 0), "lag", num(r->lag, r->lag >= 0)));
	}
	/* to the nearest millisecond */
	vt_iso8601(last, sizeof(last), t->last + 0.0005);
	return json_pack("{s:b,s:o,s:o,s:o,s:{s:o,s:o,s:o,s:o,s:o,s:o},s:{s:o,s:o,s:o},s:o}",
	    "ended", h->ended, "end", text(t->end),
	    "recording", text(h->ended && h->o->record ? "recording.m3u8" : ""), "last_segment_at",
	    t->last > 0 ? json_string(last) : json_null(),
	    "input", "width", whole(t->width, t->width > 0), "height", whole(t->height, t->height > 0),
	    "frame_rate", num(t->frame_rate, t->frame_rate > 0), "bitrate",
	    whole(t->bitrate, t->bitrate >= 0), "video_codec", text(t->video_codec),
	    "audio_codec", text(t->audio_codec),
	    "health", "speed", num(slowest(h), slowest(h) >= 0),
	    "dropped", whole(t->dropped, t->dropped >= 0), "lag", num(longest(h), longest(h) >= 0),
	    "renditions", rs);
}

/* Prometheus' text format (exposition format 0.0.4): a family's HELP and
 * TYPE, then a sample per known value, with the --label labels. */
struct prom {
	char *text, *labels;
	size_t len;
};

static void
put(struct prom *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct prom *p, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vt_vasprintf(fmt, ap);
	va_end(ap);
	p->text = vt_realloc(p->text, p->len + strlen(s) + 1);
	memcpy(p->text + p->len, s, strlen(s) + 1);
	p->len += strlen(s);
	free(s);
}

static void
family(struct prom *p, const char *name, const char *type, const char *help)
{
	put(p, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
sample(struct prom *p, const char *name, const char *rendition, double v)
{
	char *r = rendition ? vt_asprintf("%srendition=\"%s\"", *p->labels ? "," : "",
	    rendition) : vt_strdup("");

	if (*p->labels || *r)
		put(p, "%s{%s%s} %.15g\n", name, p->labels, r, v);
	else
		put(p, "%s %.15g\n", name, v);
	free(r);
}

static void
gauge(struct prom *p, const char *name, const char *help, double v, int known)
{
	family(p, name, "gauge", help);
	if (known)
		sample(p, name, NULL, v);
}

static char *
metrics_text(const struct hls *h)
{
	const struct stream_health *t = &h->health;
	struct prom p = { vt_strdup(""), vt_strdup(""), 0 };
	double sp = slowest(h), lag = longest(h);
	size_t i;

	for (i = 0; i < h->o->nlabels; i++) {
		const char *l = h->o->labels[i], *eq = strchr(l, '=');
		char *v = vt_malloc(2 * strlen(eq) + 1), *o = v;
		char *all;

		for (eq++; *eq; eq++) {
			if (*eq == '\\' || *eq == '"' || *eq == '\n')
				*o++ = '\\';
			*o++ = *eq == '\n' ? 'n' : *eq;
		}
		*o = '\0';
		all = vt_asprintf("%s%s%.*s=\"%s\"", p.labels, i ? "," : "",
		    (int)(strchr(l, '=') - l), l, v);
		free(p.labels);
		free(v);
		p.labels = all;
	}
	gauge(&p, "vt_live_stream_last_segment_timestamp_seconds",
	    "When the newest segment's last frame came in (Unix time).", t->last, t->last > 0);
	gauge(&p, "vt_live_input_width_pixels", "Width of the published video.", t->width,
	    t->width > 0);
	gauge(&p, "vt_live_input_height_pixels", "Height of the published video.", t->height,
	    t->height > 0);
	gauge(&p, "vt_live_input_frame_rate", "Frame rate of the published video.", t->frame_rate,
	    t->frame_rate > 0);
	gauge(&p, "vt_live_input_bitrate_bits_per_second", "Bit rate read from the publisher.",
	    (double)t->bitrate, t->bitrate >= 0);
	gauge(&p, "vt_live_encoder_speed", "Media seconds encoded per second of encoder time, "
	    "slowest rung (above 1 keeps up).", sp, sp >= 0);
	family(&p, "vt_live_dropped_frames_total", "counter",
	    "Frames dropped by encoders that fell behind, in this publish.");
	if (t->dropped >= 0)
		sample(&p, "vt_live_dropped_frames_total", NULL, (double)t->dropped);
	gauge(&p, "vt_live_lag_seconds", "Seconds from a segment's last frame in to the segment out.",
	    lag, lag >= 0);
	family(&p, "vt_live_rendition_segments_total", "counter", "Segments listed, per rendition.");
	for (i = 0; i < h->nr; i++)
		sample(&p, "vt_live_rendition_segments_total", h->r[i].name,
		    (double)(h->r[i].seq0 + h->r[i].n));
	family(&p, "vt_live_rendition_bitrate_bits_per_second", "gauge",
	    "Average bit rate of a rendition's segments.");
	for (i = 0; i < h->nr; i++)
		if (h->r[i].seconds > 0)
			sample(&p, "vt_live_rendition_bitrate_bits_per_second", h->r[i].name,
			    (double)(int64_t)(vt_lh_average(&h->r[i]) + 0.5));
	family(&p, "vt_live_rendition_peak_bitrate_bits_per_second", "gauge",
	    "Peak bit rate of a rendition's segments (RFC 8216 4.3.4.2).");
	for (i = 0; i < h->nr; i++)
		if (h->r[i].peak > 0)
			sample(&p, "vt_live_rendition_peak_bitrate_bits_per_second", h->r[i].name,
			    (double)(int64_t)(h->r[i].peak + 0.5));
	free(p.labels);
	return p.text;
}

void
vt_lh_status_write(const struct hls *h)
{
	if (h->o->status) {
		json_t *j = status_json(h);
		char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10));
		char *line = vt_asprintf("%s\n", s);

		vt_write_file(h->o->status, line, strlen(line));
		free(line);
		free(s);
		json_decref(j);
	}
	if (h->o->metrics) {
		char *s = metrics_text(h);

		vt_write_file(h->o->metrics, s, strlen(s));
		free(s);
	}
}
