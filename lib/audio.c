/* Audio renditions: chosen from the source's streams, named, and checked. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "lang.h"
#include "playlist.h"
#include "audio.h"

/* One item of a selection: a stream index, or a language's BCP 47 tag. */
struct item {
	int index;		/* -1 for a language */
	char lang[8];
	int hit;
};

static int
parse_select(const char *list, struct item *it, int status)
{
	const char *s = list, *e;
	int n = 0, k;
	size_t len;
	char code[8];

	for (;; s = e + 1) {
		e = s + strcspn(s, ",");
		len = (size_t)(e - s);
		if (n == VT_MAX_AUDIO)
			vt_die(status, "too many audio streams in '%s' (at most %d)", list, VT_MAX_AUDIO);
		it[n] = (struct item){ .index = -1 };
		if (len && len <= 5 && strspn(s, "0123456789") == len) {
			it[n].index = atoi(s);
		} else if (len < 2 || len > 3 || (snprintf(code, sizeof(code), "%.*s", (int)len, s),
		    !vt_lang_bcp47(code, it[n].lang, sizeof(it[n].lang)))) {
			vt_die(status, "invalid audio stream '%.*s' in '%s' (want languages such as "
			    "fra or eng, or stream indices)", (int)(len > 40 ? 40 : len), s, list);
		}
		for (k = 0; k < n; k++)
			if (it[k].index == it[n].index && !strcmp(it[k].lang, it[n].lang))
				vt_die(status, "audio stream '%.*s' given twice in '%s'", (int)len, s,
				    list);
		n++;
		if (!*e)
			return n;
	}
}

void
vt_audio_select_check(const char *list, int status)
{
	struct item it[VT_MAX_AUDIO];

	parse_select(list, it, status);
}

json_t *
vt_audio_streams(const json_t *m)
{
	const json_t *a = json_object_get(m, "streams"), *s;
	json_t *out = json_array();
	size_t i;

	if (!json_is_array(a)) {
		if (json_is_object(s = json_object_get(m, "audio")))
			json_array_append(out, (json_t *)s);
		return out;
	}
	json_array_foreach(a, i, s)
		if (!strcmp(vt_json_str(s, "codec_type", ""), "audio") &&
		    !json_is_true(json_object_get(s, "attached_pic")))
			json_array_append(out, (json_t *)s);
	return out;
}

static int
flag(const json_t *s, const char *key)
{
	return vt_json_int(json_object_get(s, "disposition"), key, 0) > 0;
}

static const char *
tag(const json_t *s, const char *key)
{
	const char *v = vt_json_str(json_object_get(s, "tags"), key, NULL);

	return v && *v ? v : NULL;
}

/* "stream 1 (en), stream 2 (fr)": what the source has, for a message. */
static char *
have(const json_t *streams)
{
	char *s = vt_strdup(""), *t, bcp[36];
	const json_t *st;
	size_t i;

	json_array_foreach(streams, i, st) {
		vt_lang_bcp47(tag(st, "language"), bcp, sizeof(bcp));
		t = vt_asprintf("%s%sstream %lld (%s)", s, i ? ", " : "",
		    vt_json_int(st, "index", -1), *bcp ? bcp : "no language");
		free(s);
		s = t;
	}
	return s;
}

/* A 5.1 rendition of s, which the stereo one r leaves out. */
static int
surround(struct vt_arend *r5, const struct vt_arend *r, const json_t *s, int maxch)
{
	const char *l = vt_json_str(s, "channel_layout", "");

	if (maxch <= 0 || maxch >= 6 || vt_json_int(s, "channels", 0) < 6 ||
	    (strncmp(l, "5.1", 3) && strncmp(l, "6.1", 3) && strncmp(l, "7.1", 3)))
		return 0;
	*r5 = *r;
	r5->channels = 6;
	r5->bitrate = r->bitrate * 3;
	r5->dflt = 0;
	return 1;
}

static void
describe(struct vt_arend *r, const json_t *s, int maxch)
{
	const char *name;
	size_t len = 0;
	int describes = flag(s, "visual_impaired") || flag(s, "descriptions");

	r->stream = (int)vt_json_int(s, "index", 0);
	r->channels = (int)vt_json_int(s, "channels", 2);
	if (r->channels < 1 || r->channels > 8)
		r->channels = 2;
	if (maxch > 0 && r->channels > maxch)
		r->channels = maxch;
	vt_lang_bcp47(tag(s, "language"), r->lang, sizeof(r->lang));
	r->autoselect = !flag(s, "comment");
	if (describes)
		len += snprintf(r->characteristics, sizeof(r->characteristics),
		    "public.accessibility.describes-video");
	if (flag(s, "hearing_impaired"))
		len += snprintf(r->characteristics + len, sizeof(r->characteristics) - len, "%s%s",
		    len ? "," : "", "public.accessibility.enhances-speech-intelligibility");
	if (flag(s, "comment"))
		snprintf(r->characteristics + len, sizeof(r->characteristics) - len, "%s%s",
		    len ? "," : "", "public.auxiliary-content");
	if ((name = tag(s, "title")) && strlen(name) < sizeof(r->label) &&
	    vt_playlist_text_ok(name))
		snprintf(r->label, sizeof(r->label), "%s", name);
	else if ((name = vt_lang_name(r->lang)))
		snprintf(r->label, sizeof(r->label), "%s%s", name, flag(s, "comment") ?
		    " (commentary)" : describes ? " (audio description)" : "");
}

int
vt_audio_plan(const json_t *streams, const char *select, int maxch, int64_t bitrate,
    struct vt_arend *r)
{
	struct item it[VT_MAX_AUDIO];
	const json_t *s;
	char *h;
	size_t i;
	int n = 0, ni = select ? parse_select(select, it, VT_EX_DATAERR) : 0, k, d = -1, take;
	int nstreams = 0, is51[VT_MAX_AUDIO] = { 0 };

	json_array_foreach(streams, i, s) {
		char bcp[36];

		vt_lang_bcp47(tag(s, "language"), bcp, sizeof(bcp));
		take = !select;
		for (k = 0; k < ni; k++)
			if (it[k].index >= 0 ? it[k].index == vt_json_int(s, "index", -1) :
			    *bcp && !strncmp(bcp, it[k].lang, strlen(it[k].lang)) &&
			    (!bcp[strlen(it[k].lang)] || bcp[strlen(it[k].lang)] == '-'))
				take = it[k].hit = 1;
		if (!take)
			continue;
		if (n >= VT_MAX_AUDIO - 1)
			vt_die(VT_EX_DATAERR, "more than %d audio renditions: choose some streams "
			    "(AUDIO)", VT_MAX_AUDIO);
		memset(&r[n], 0, sizeof(r[n]));
		describe(&r[n], s, maxch);
		r[n].bitrate = bitrate;
		if (d < 0 && flag(s, "default"))
			d = n;
		n++;
		nstreams++;
		if (surround(&r[n], &r[n - 1], s, maxch))
			is51[n++] = 1;
	}
	for (k = 0; k < ni; k++)
		if (!it[k].hit) {
			h = have(streams);
			vt_die(VT_EX_DATAERR, "no audio stream %s%s in the source (it has %s)",
			    it[k].index >= 0 ? "" : "in language ", it[k].index >= 0 ?
			    vt_asprintf("%d", it[k].index) : it[k].lang, *h ? h : "none");
		}
	for (k = 0; k < n; k++) {
		if (nstreams == 1)
			snprintf(r[k].name, sizeof(r[k].name), "audio%s", is51[k] ? "_51" : "");
		else
			snprintf(r[k].name, sizeof(r[k].name), "audio_%d%s", r[k].stream,
			    is51[k] ? "_51" : "");
		if (!*r[k].label)
			snprintf(r[k].label, sizeof(r[k].label), nstreams == 1 ? "default" :
			    "Audio %d", r[k].stream);
		if (is51[k] && strlen(r[k].label) > 50)
			r[k].label[50] = '\0';
		if (is51[k])
			strcat(r[k].label, " (5.1)");
		for (i = 0; i < (size_t)k; i++)
			if (!strcmp(r[i].label, r[k].label)) {
				size_t off = strlen(r[k].label) > 50 ? 50 : strlen(r[k].label);

				snprintf(r[k].label + off, sizeof(r[k].label) - off, " (%d)",
				    r[k].stream);
				break;
			}
	}
	if (n) {
		r[d < 0 ? 0 : d].dflt = 1;
		r[d < 0 ? 0 : d].autoselect = 1;
	}
	return n;
}

int
vt_arend_name_ok(const char *name)
{
	size_t k;

	if (strncmp(name, "audio", 5))
		return 0;
	name += 5;
	if (*name == '_' && (k = strspn(name + 1, "0123456789")))
		name += 1 + k;
	return !*name || !strcmp(name, "_51");
}

json_t *
vt_arend_json(const struct vt_arend *r)
{
	return json_pack("{s:i,s:s,s:s,s:o,s:i,s:I,s:b,s:b,s:o}", "stream", r->stream,
	    "name", r->name, "label", r->label,
	    "language", *r->lang ? json_string(r->lang) : json_null(), "channels", r->channels,
	    "bitrate", (json_int_t)r->bitrate,
	    "default", r->dflt, "autoselect", r->autoselect, "characteristics",
	    *r->characteristics ? json_string(r->characteristics) : json_null());
}

/* A string field that fits buf and can go between a playlist's quotes;
 * null gives "" where may_null. */
static void
text(char *buf, size_t n, const json_t *o, const char *key, int may_null, const char *what)
{
	const json_t *v = json_object_get(o, key);
	const char *s;

	if (may_null && (!v || json_is_null(v))) {
		buf[0] = '\0';
		return;
	}
	if (!json_is_string(v) || !*(s = json_string_value(v)) || strlen(s) >= n ||
	    !vt_playlist_text_ok(s))
		vt_die(VT_EX_DATAERR, "%s: an audio rendition's '%s' must be %stext of 1 to %zu "
		    "characters", what, key, may_null ? "null or " : "", n - 1);
	memcpy(buf, s, strlen(s) + 1);
}

static int
boolean(const json_t *o, const char *key, const char *what)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		vt_die(VT_EX_DATAERR, "%s: an audio rendition's '%s' must be true or false", what,
		    key);
	return json_is_true(v);
}

void
vt_arend_load(struct vt_arend *r, const json_t *o, const char *what)
{
	char bcp[36];

	if (!json_is_object(o))
		vt_die(VT_EX_DATAERR, "%s: an audio rendition is not an object", what);
	memset(r, 0, sizeof(*r));
	r->stream = (int)vt_json_int_in(o, "stream", -1, 0, 65535);
	r->channels = (int)vt_json_int_in(o, "channels", -1, 1, 8);
	if (r->stream < 0 || r->channels < 1)
		vt_die(VT_EX_DATAERR, "%s: an audio rendition needs 'stream' and 'channels'", what);
	text(r->name, sizeof(r->name), o, "name", 0, what);
	if (!vt_arend_name_ok(r->name))
		vt_die(VT_EX_DATAERR, "%s: bad audio rendition name '%s' (want audio or "
		    "audio_<stream>, with _51 after it for 5.1)", what, r->name);
	r->bitrate = vt_json_int_in(o, "bitrate", -1, 1000, 1000000000);
	if (r->bitrate < 0)
		vt_die(VT_EX_DATAERR, "%s: an audio rendition needs 'bitrate'", what);
	text(r->label, sizeof(r->label), o, "label", 0, what);
	text(r->lang, sizeof(r->lang), o, "language", 1, what);
	if (*r->lang && (!vt_lang_bcp47(r->lang, bcp, sizeof(bcp)) || strcmp(bcp, r->lang)))
		vt_die(VT_EX_DATAERR, "%s: audio language '%s' is not a BCP 47 tag from ISO 639",
		    what, r->lang);
	text(r->characteristics, sizeof(r->characteristics), o, "characteristics", 1, what);
	r->dflt = boolean(o, "default", what);
	r->autoselect = boolean(o, "autoselect", what);
}

void
vt_arend_check_set(const struct vt_arend *r, int n, const char *what)
{
	int i, k, d = 0;

	for (i = 0; i < n; i++) {
		d += r[i].dflt;
		if (r[i].dflt && !r[i].autoselect)
			vt_die(VT_EX_DATAERR, "%s: the default audio rendition must be autoselect",
			    what);
		for (k = 0; k < i; k++)
			if (!strcmp(r[k].name, r[i].name) || !strcmp(r[k].label, r[i].label))
				vt_die(VT_EX_DATAERR, "%s: audio renditions '%s' and '%s' share a name "
				    "or label", what, r[k].name, r[i].name);
	}
	if (n && d != 1)
		vt_die(VT_EX_DATAERR, "%s: %d default audio renditions (want exactly one)", what, d);
}
