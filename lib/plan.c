/* The ladder plan: planned once, written, read back and checked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "plan.h"

static const char *const profiles[] = { "baseline", "main", "high" };

void
vt_plan_make(struct vt_plan *pl, const struct vt_source *src, const json_t *audio,
    const struct vt_params *p)
{
	memset(pl, 0, sizeof(*pl));
	pl->skipped = json_array();
	pl->notes = json_array();
	pl->nwant = p->res ? vt_res_parse(p->res, pl->want) : -1;
	if (src) {
		pl->has_video = 1;
		pl->src = *src;
		pl->n = vt_ladder_plan(src, p, pl->rungs, pl->skipped, pl->notes);
	}
	pl->naudio = vt_audio_plan(audio, p->audio, p->audio_channels, p->audio_bitrate,
	    pl->audio);
	pl->p = *p;
	/* planned: the rungs hold them now */
	pl->p.res = NULL;
	pl->p.bitrates = NULL;
	memset(pl->p.who, 0, sizeof(pl->p.who));
}

static json_t *
source_json(const struct vt_source *s)
{
	return json_pack("{s:i,s:i,s:o,s:i,s:o,s:o,s:I}", "width", s->width, "height", s->height,
	    "sample_aspect_ratio", vt_json_rational_new(s->sar.num, s->sar.den),
	    "rotation", s->rotation, "frame_rate", vt_json_rational_new(s->fps.num, s->fps.den),
	    "time_base", vt_json_rational_new(s->tb.num, s->tb.den),
	    "start_pts", (json_int_t)s->start_pts);
}

json_t *
vt_plan_json(const struct vt_plan *pl)
{
	json_t *res = pl->nwant < 0 ? json_null() : json_array(), *jr = json_array();
	json_t *ja = json_array();
	int i;

	for (i = 0; i < pl->nwant; i++)
		json_array_append_new(res, json_sprintf("%dp", pl->want[i]));
	for (i = 0; i < pl->n; i++)
		json_array_append_new(jr, vt_rung_json(&pl->rungs[i]));
	for (i = 0; i < pl->naudio; i++)
		json_array_append_new(ja, vt_arend_json(&pl->audio[i]));
	return json_pack("{s:o,s:o,s:o,s:O,s:O,s:f,s:f,s:s,s:i,s:{s:I,s:i,s:o,s:o},s:o}",
	    "source", pl->has_video ? source_json(&pl->src) : json_null(),
	    "resolutions", res, "rungs", jr, "skipped", pl->skipped, "notes", pl->notes,
	    "seg", pl->p.seg, "offset", pl->p.offset, "preset", pl->p.preset,
	    "threads", pl->p.threads, "audio", "bitrate", (json_int_t)pl->p.audio_bitrate,
	    "channels", pl->p.audio_channels,
	    "streams", pl->p.audio ? json_string(pl->p.audio) : json_null(), "renditions", ja,
	    "watermark", vt_watermark_json(&pl->p.wm));
}

/* A field that must be there, then range-checked by the vt_json_*_in
 * helpers. */
static const json_t *
need(const json_t *o, const char *key, const char *what)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		vt_die(VT_EX_DATAERR, "%s: missing '%s'", what, key);
	return v;
}

static long long
need_int(const json_t *o, const char *key, long long min, long long max, const char *what)
{
	need(o, key, what);
	return vt_json_int_in(o, key, 0, min, max);
}

static double
need_num(const json_t *o, const char *key, double min, double max, const char *what)
{
	need(o, key, what);
	return vt_json_num_in(o, key, 0, min, max);
}

static void
load_rung(struct vt_plan *pl, const json_t *o, int *names, int *nnames, const char *what)
{
	struct vt_rung *r = &pl->rungs[pl->n++];
	const char *name;
	size_t i;

	if (!json_is_object(o))
		vt_die(VT_EX_DATAERR, "%s: a rung is not an object", what);
	need(o, "name", what);
	name = vt_json_str(o, "name", NULL);
	r->lines = vt_res_add(names, nnames, name, (int)strlen(name), VT_EX_DATAERR);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->width = (int)need_int(o, "width", 2, 16384, what);
	r->height = (int)need_int(o, "height", 2, 16384, what);
	if (r->width % 2 || r->height % 2)
		vt_die(VT_EX_DATAERR, "%s: rung %s is %dx%d, want even sizes", what, name, r->width,
		    r->height);
	r->bitrate = need_int(o, "bitrate", 1000, 1000000000, what);
	r->maxrate = need_int(o, "maxrate", 1000, 1500000000, what);
	r->bufsize = need_int(o, "bufsize", 1000, 2000000000, what);
	r->gop = (int)need_int(o, "gop", 1, VT_MAX_GOP, what);
	need(o, "profile", what);
	snprintf(r->profile, sizeof(r->profile), "%s", vt_json_str(o, "profile", NULL));
	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (!strcmp(r->profile, profiles[i]))
			return;
	vt_die(VT_EX_DATAERR, "%s: rung %s has profile '%s' (want baseline, main or high)", what,
	    name, vt_json_str(o, "profile", NULL));
}

/* skipped: [{"name", "reason"}], notes: [string]. */
static json_t *
remarks(const json_t *o, const char *key, int pairs, const char *what)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (!json_is_array(a))
		vt_die(VT_EX_DATAERR, "%s: '%s' must be an array", what, key);
	json_array_foreach(a, i, v)
		if (pairs ? !json_is_object(v) || !json_is_string(json_object_get(v, "name")) ||
		    !json_is_string(json_object_get(v, "reason")) : !json_is_string(v))
			vt_die(VT_EX_DATAERR, "%s: '%s' must hold %s", what, key,
			    pairs ? "{\"name\", \"reason\"} strings" : "strings");
	return json_incref(a);
}

void
vt_plan_load(struct vt_plan *pl, json_t *o, const char *what)
{
	int names[VT_MAX_RUNGS], nnames = 0;
	const json_t *a, *v;
	const char *preset;
	size_t i;

	if (!json_is_object(o))
		vt_die(VT_EX_DATAERR, "%s: not a JSON object", what);
	memset(pl, 0, sizeof(*pl));
	pl->json = json_incref(o);
	pl->has_video = vt_source_from_json(&pl->src, json_object_get(o, "source"));
	pl->nwant = -1;
	if ((a = json_object_get(o, "resolutions")) && !json_is_null(a)) {
		pl->nwant = 0;
		if (!json_is_array(a) || !json_array_size(a))
			vt_die(VT_EX_DATAERR, "%s: 'resolutions' must be null or rung names", what);
		json_array_foreach(a, i, v) {
			if (!json_is_string(v))
				vt_die(VT_EX_DATAERR, "%s: 'resolutions' must be null or rung names",
				    what);
			vt_res_add(pl->want, &pl->nwant, json_string_value(v),
			    (int)json_string_length(v), VT_EX_DATAERR);
		}
	}
	a = json_object_get(o, "rungs");
	if (!json_is_array(a) || json_array_size(a) > VT_MAX_RUNGS ||
	    !json_array_size(a) != !pl->has_video)
		vt_die(VT_EX_DATAERR, "%s: 'rungs' must hold 1 to %d rungs for a source with video, "
		    "none for one without", what, VT_MAX_RUNGS);
	json_array_foreach(a, i, v)
		load_rung(pl, v, names, &nnames, what);
	pl->skipped = remarks(o, "skipped", 1, what);
	pl->notes = remarks(o, "notes", 0, what);
	vt_params_defaults(&pl->p);
	pl->p.seg = need_num(o, "seg", VT_SEG_MIN, VT_SEG_MAX, what);
	pl->p.offset = need_num(o, "offset", 0, 86400, what);
	need(o, "preset", what);
	preset = vt_json_str(o, "preset", NULL);
	if (!vt_preset_known(preset))
		vt_die(VT_EX_DATAERR, "%s: unknown preset '%s'", what, preset);
	pl->p.preset = preset;
	pl->p.threads = (int)need_int(o, "threads", 0, 64, what);
	v = need(o, "audio", what);
	pl->p.audio_bitrate = need_int(v, "bitrate", 1000, 1000000000, what);
	pl->p.audio_channels = (int)need_int(v, "channels", 0, 8, what);
	if ((pl->p.audio = vt_json_str(v, "streams", NULL)))
		vt_audio_select_check(pl->p.audio, VT_EX_DATAERR);
	a = json_object_get(v, "renditions");
	if (!json_is_array(a) || json_array_size(a) > VT_MAX_AUDIO)
		vt_die(VT_EX_DATAERR, "%s: 'audio.renditions' must hold at most %d renditions", what,
		    VT_MAX_AUDIO);
	json_array_foreach(a, i, v)
		vt_arend_load(&pl->audio[pl->naudio++], v, what);
	vt_arend_check_set(pl->audio, pl->naudio, what);
	vt_watermark_load(&pl->p.wm, json_object_get(o, "watermark"));
}

static void
describe(char *buf, size_t n, const struct vt_source *s)
{
	if (!s)
		snprintf(buf, n, "no video");
	else
		snprintf(buf, n, "%dx%d video (pixel aspect %d:%d, rotation %d, %d/%d fps)",
		    s->width, s->height, s->sar.num, s->sar.den, s->rotation, s->fps.num, s->fps.den);
}

void
vt_plan_fits(const struct vt_plan *pl, const struct vt_source *src, double seg, const char *what)
{
	char a[128], b[128];

	if (pl->p.seg != seg)
		vt_die(VT_EX_DATAERR, "the plan is for a %g s segment grid, but %s is cut on a %g s "
		    "grid", pl->p.seg, what, seg);
	if (!pl->has_video != !src || (src && (src->width != pl->src.width ||
	    src->height != pl->src.height || av_cmp_q(src->sar, pl->src.sar) ||
	    src->rotation != pl->src.rotation || av_cmp_q(src->fps, pl->src.fps)))) {
		describe(a, sizeof(a), pl->has_video ? &pl->src : NULL);
		describe(b, sizeof(b), src);
		vt_die(VT_EX_DATAERR, "the plan is for a source with %s, but %s has %s", a, what, b);
	}
}

/* The settings' values as text, for the message. */
static void
differ(const char *who, const char *what, const char *asked, const char *planned)
{
	vt_die(VT_EX_DATAERR, "%s asks for %s %s, but the manifest's plan has %s", who, what, asked,
	    planned);
}

static int
bylines(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void
ladder_text(char *buf, size_t n, const int *want, int nwant)
{
	size_t len = 0;
	int i;

	if (nwant < 0)
		snprintf(buf, n, "the default ladder");
	for (i = 0; i < nwant && len < n; i++)
		len += snprintf(buf + len, n - len, "%s%dp", i ? "," : "", want[i]);
}

static void
agree_res(const struct vt_plan *pl, const struct vt_params *p)
{
	int want[VT_MAX_RUNGS] = { 0 }, a[VT_MAX_RUNGS], b[VT_MAX_RUNGS];
	int n = p->res ? vt_res_parse(p->res, want) : -1;
	char x[256], y[256];

	memcpy(a, want, sizeof(a));
	memcpy(b, pl->want, sizeof(b));
	if (n >= 0)
		qsort(a, n, sizeof(int), bylines);
	if (pl->nwant >= 0)
		qsort(b, pl->nwant, sizeof(int), bylines);
	if (n == pl->nwant && (n < 0 || !memcmp(a, b, n * sizeof(int))))
		return;
	ladder_text(x, sizeof(x), want, n);
	ladder_text(y, sizeof(y), pl->want, pl->nwant);
	differ(p->who[VT_ASK_RES], "rungs", x, y);
}

static void
agree_int(const char *who, const char *what, long long asked, long long planned)
{
	char x[32], y[32];

	if (!who || asked == planned)
		return;
	snprintf(x, sizeof(x), "%lld", asked);
	snprintf(y, sizeof(y), "%lld", planned);
	differ(who, what, x, y);
}

static void
agree_str(const char *who, const char *what, const char *asked, const char *planned)
{
	char x[256], y[256];

	if (!who || (asked && planned ? !strcmp(asked, planned) : asked == planned))
		return;
	snprintf(x, sizeof(x), asked ? "'%s'" : "none", asked);
	snprintf(y, sizeof(y), planned ? "'%s'" : "none", planned);
	differ(who, what, x, y);
}

static void
agree_num(const char *who, const char *what, double asked, double planned)
{
	char x[32], y[32];

	if (!who || asked == planned)
		return;
	snprintf(x, sizeof(x), "%g", asked);
	snprintf(y, sizeof(y), "%g", planned);
	differ(who, what, x, y);
}

void
vt_plan_agree(const struct vt_plan *pl, const struct vt_params *p)
{
	const struct vt_watermark *a = &p->wm, *b = &pl->p.wm;
	const char *const *who = p->who + VT_ASK_WM;
	const char *k;
	json_t *v;
	int i;

	if (p->who[VT_ASK_RES])
		agree_res(pl, p);
	agree_num(p->who[VT_ASK_SEG], "a segment length of", p->seg, pl->p.seg);
	agree_str(p->who[VT_ASK_PRESET], "preset", p->preset, pl->p.preset);
	agree_int(p->who[VT_ASK_THREADS], "threads", p->threads, pl->p.threads);
	if (p->who[VT_ASK_BITRATES])
		json_object_foreach(p->bitrates, k, v)
			for (i = 0; i < pl->n; i++)
				if (!strcmp(k, pl->rungs[i].name))
					agree_int(p->who[VT_ASK_BITRATES], pl->rungs[i].name,
					    vt_bitrate_json(v, k), pl->rungs[i].bitrate);
	agree_int(p->who[VT_ASK_AUDIO_BITRATE], "an audio bit rate of", p->audio_bitrate,
	    pl->p.audio_bitrate);
	agree_int(p->who[VT_ASK_AUDIO_CHANNELS], "audio channels", p->audio_channels,
	    pl->p.audio_channels);
	agree_str(p->who[VT_ASK_AUDIO], "audio streams", p->audio, pl->p.audio);
	agree_str(who[0], "watermark text", a->text, b->text);
	agree_str(who[1], "watermark image", a->image, b->image);
	agree_str(who[2], "watermark font", a->font, b->font);
	agree_str(who[3] && a->position != b->position ? who[3] : NULL, "watermark position",
	    vt_watermark_position(a->position), vt_watermark_position(b->position));
	agree_num(who[4], "watermark size", a->size, b->size);
	agree_num(who[5], "watermark opacity", a->opacity, b->opacity);
}

void
vt_plan_free(struct vt_plan *pl)
{
	json_decref(pl->skipped);
	json_decref(pl->notes);
	json_decref(pl->json);
	vt_watermark_close(&pl->p.wm);
}
