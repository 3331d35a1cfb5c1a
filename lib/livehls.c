/* Live HLS: sliding-window playlists, segment cleanup, restarts and
 * recording. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt.h"
#include "livehls.h"
#include "playlist.h"

#define STATE ".vt-hls.json"

struct seg {
	char *uri, *init;	/* relative to the rendition's folder */
	double duration, wallclock;
	int disc;
	int64_t bytes;
	double left;		/* Unix time it left the window; 0: in it */
	double keep;		/* then available this many seconds more */
};

struct rend {
	char name[65];
	int video, width, height, channels;
	double frame_rate;
	int64_t bitrate, maxrate;
	double peak;		/* highest segment bit rate seen */
	char codecs[64];
	struct seg *segs;	/* on disk, oldest first */
	size_t n;
	int64_t seq0;		/* media sequence number of segs[0] */
	int64_t disc0;		/* discontinuities before segs[0] */
	int resume;		/* the next segment follows a restart */
};

struct hls {
	const struct vt_livehls_opts *o;
	struct rend *r;
	size_t nr;
	int target;		/* EXT-X-TARGETDURATION, fixed for the stream */
	int ended;
	char *master;		/* the text last written */
	int64_t segments;
};

static struct rend *
find(struct hls *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nr; i++)
		if (!strcmp(h->r[i].name, name))
			return &h->r[i];
	return NULL;
}

static struct rend *
add(struct hls *h, const char *name)
{
	struct rend *r;

	if (!vt_safe_name(name))
		vt_die(VT_EX_DATAERR, "input: bad rendition name");
	if ((r = find(h, name)))
		return r;
	h->r = vt_realloc(h->r, (h->nr + 1) * sizeof(*h->r));
	r = &h->r[h->nr++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

/* "rendition/file" from a line, checked to stay inside the rendition's
 * folder; returns the file part. */
static const char *
inside(const struct rend *r, const char *path, const char *what)
{
	size_t n = strlen(r->name);

	if (!path || strncmp(path, r->name, n) || path[n] != '/' || !vt_safe_name(path + n + 1))
		vt_die(VT_EX_DATAERR, "input: %s '%s' is not a file of rendition %s", what,
		    path ? path : "", r->name);
	return path + n + 1;
}

static size_t
window_start(const struct hls *h, const struct rend *r)
{
	return r->n > (size_t)h->o->window ? r->n - h->o->window : 0;
}

/* State. */

static json_t *
state_json(const struct hls *h)
{
	json_t *rs = json_array();
	size_t i, k;

	for (i = 0; i < h->nr; i++) {
		const struct rend *r = &h->r[i];
		json_t *segs = json_array();

		for (k = 0; k < r->n; k++) {
			const struct seg *s = &r->segs[k];

			json_array_append_new(segs, json_pack("{s:s,s:s?,s:f,s:f,s:b,s:I,s:f,s:f}",
			    "uri", s->uri, "init", s->init, "duration", s->duration,
			    "wallclock", s->wallclock, "discontinuity", s->disc,
			    "bytes", (json_int_t)s->bytes, "left", s->left, "keep", s->keep));
		}
		json_array_append_new(rs, json_pack("{s:s,s:b,s:i,s:i,s:i,s:f,s:I,s:I,s:f,s:s,"
		    "s:I,s:I,s:o}", "name", r->name, "video", r->video, "width", r->width,
		    "height", r->height, "channels", r->channels, "frame_rate", r->frame_rate,
		    "bitrate", (json_int_t)r->bitrate, "maxrate", (json_int_t)r->maxrate,
		    "peak", r->peak, "codecs", r->codecs, "seq0", (json_int_t)r->seq0,
		    "disc0", (json_int_t)r->disc0, "segments", segs));
	}
	return json_pack("{s:i,s:i,s:b,s:o}", "target", h->target, "record", h->o->record,
	    "ended", h->ended, "renditions", rs);
}

static void
save(const struct hls *h)
{
	json_t *j = state_json(h);
	char *path = vt_path_join(h->o->dir, STATE), *s = json_dumps(j, JSON_COMPACT);

	vt_write_file(path, s, strlen(s));
	free(s);
	free(path);
	json_decref(j);
}

static void
load(struct hls *h)
{
	char *path = vt_path_join(h->o->dir, STATE);
	json_t *j, *jr, *js;
	size_t i, k;

	if (access(path, F_OK) < 0) {
		free(path);
		return;
	}
	j = vt_json_load_file(path);
	h->target = (int)vt_json_int(j, "target", 0);
	json_array_foreach(json_object_get(j, "renditions"), i, jr) {
		struct rend *r = add(h, vt_json_need_str(jr, "name"));

		r->video = json_is_true(json_object_get(jr, "video"));
		r->width = (int)vt_json_int(jr, "width", 0);
		r->height = (int)vt_json_int(jr, "height", 0);
		r->channels = (int)vt_json_int(jr, "channels", 0);
		r->frame_rate = vt_json_num(jr, "frame_rate", 0);
		r->bitrate = vt_json_int(jr, "bitrate", 0);
		r->maxrate = vt_json_int(jr, "maxrate", 0);
		r->peak = vt_json_num(jr, "peak", 0);
		snprintf(r->codecs, sizeof(r->codecs), "%s", vt_json_str(jr, "codecs", ""));
		r->seq0 = vt_json_int(jr, "seq0", 0);
		r->disc0 = vt_json_int(jr, "disc0", 0);
		r->resume = 1;
		json_array_foreach(json_object_get(jr, "segments"), k, js) {
			struct seg *s;
			const char *init = vt_json_str(js, "init", NULL);

			r->segs = vt_realloc(r->segs, (r->n + 1) * sizeof(*r->segs));
			s = &r->segs[r->n++];
			s->uri = vt_strdup(vt_json_need_str(js, "uri"));
			s->init = init ? vt_strdup(init) : NULL;
			if (!vt_safe_name(s->uri) || (init && !vt_safe_name(init)))
				vt_die(VT_EX_DATAERR, "'%s': bad segment name", path);
			s->duration = vt_json_num(js, "duration", 0);
			s->wallclock = vt_json_num(js, "wallclock", 0);
			s->disc = json_is_true(json_object_get(js, "discontinuity"));
			s->bytes = vt_json_int(js, "bytes", 0);
			s->left = vt_json_num(js, "left", 0);
			s->keep = vt_json_num(js, "keep", 0);
		}
	}
	vt_info("resuming %zu renditions from '%s'", h->nr, path);
	json_decref(j);
	free(path);
}

/* Playlists. */

static void
write_media(const struct hls *h, const struct rend *r, size_t from, const char *file,
    int vod)
{
	struct vt_playlist pl = { 0 };
	struct vt_segment *v = vt_calloc(r->n - from + 1, sizeof(*v));
	char *dir = vt_path_join(h->o->dir, r->name), *path = vt_path_join(dir, file);
	size_t k;

	pl.target = h->target;
	pl.media_sequence = r->seq0 + from;
	pl.discontinuity_sequence = r->disc0;
	for (k = 0; k < from; k++)
		pl.discontinuity_sequence += r->segs[k].disc;
	for (k = from; k < r->n; k++) {
		const struct seg *s = &r->segs[k];

		v[k - from] = (struct vt_segment){ .uri = s->uri, .duration = s->duration,
		    .bytes = s->bytes, .discontinuity = s->disc,
		    .wallclock = s->wallclock, .map = s->init };
	}
	pl.segs = v;
	pl.nsegs = r->n - from;
	pl.vod = vod;
	pl.ended = h->ended || vod;
	pl.hold_back = vod ? 0 : h->o->hold_back;
	vt_playlist_write(path, &pl);
	free(v);
	free(path);
	free(dir);
}

/* The master, once every rendition has a segment; rewritten only when it
 * changes (a new codec string, or a peak well above the declared one). */
static void
write_master(struct hls *h, const char *file, const char *media)
{
	struct vt_variant *v = vt_calloc(h->nr, sizeof(*v));
	struct vt_audio_rendition ar, *a = NULL;
	const struct rend *audio = NULL;
	char *text, *path;
	size_t i, n = 0;
	int64_t abw = 0;

	for (i = 0; i < h->nr; i++) {
		if (!h->r[i].codecs[0])
			goto out;
		if (!h->r[i].video)
			audio = &h->r[i];
	}
	if (audio) {
		abw = audio->bitrate;
		if (audio->peak > abw)
			abw = (int64_t)ceil(audio->peak);
		ar = (struct vt_audio_rendition){ "audio", "audio", NULL, audio->channels };
		ar.uri = vt_asprintf("%s/%s", audio->name, media);
		a = &ar;
	}
	for (i = 0; i < h->nr; i++) {
		const struct rend *r = &h->r[i];
		int64_t peak = r->maxrate > r->bitrate ? r->maxrate : r->bitrate;

		if (!r->video)
			continue;
		if (r->peak > peak * 1.1)
			peak = (int64_t)ceil(r->peak);
		v[n] = (struct vt_variant){ vt_asprintf("%s/%s", r->name, media), peak + abw,
		    r->bitrate + (audio ? audio->bitrate : 0),
		    audio ? vt_asprintf("%s,%s", r->codecs, audio->codecs) : vt_strdup(r->codecs),
		    r->width, r->height, r->frame_rate, audio ? "audio" : NULL };
		n++;
	}
	if (!n && audio) {
		v[n++] = (struct vt_variant){ vt_strdup(ar.uri), abw, audio->bitrate,
		    vt_strdup(audio->codecs), 0, 0, 0, NULL };
		a = NULL;
	}
	text = vt_master_text(v, n, a);
	if (strcmp(file, "master.m3u8") || !h->master || strcmp(text, h->master)) {
		path = vt_path_join(h->o->dir, file);
		vt_write_file(path, text, strlen(text));
		free(path);
	}
	if (!strcmp(file, "master.m3u8")) {
		free(h->master);
		h->master = text;
	} else {
		free(text);
	}
	for (i = 0; i < n; i++) {
		free((char *)v[i].uri);
		free((char *)v[i].codecs);
	}
	if (audio)
		free((char *)ar.uri);
out:
	free(v);
}

/* Cleanup: a segment that left the window stays for its own duration plus
 * the playlist's (RFC 8216, 6.2.2), then goes, with an init segment no
 * kept segment needs. */
static void
unlink_in(const struct hls *h, const struct rend *r, const char *file)
{
	char *dir = vt_path_join(h->o->dir, r->name), *path = vt_path_join(dir, file);

	if (unlink(path) < 0 && errno != ENOENT)
		vt_warn("cannot remove '%s': %s", path, strerror(errno));
	free(path);
	free(dir);
}

static int
init_used(const struct rend *r, const char *init)
{
	size_t k;

	for (k = 0; k < r->n; k++)
		if (r->segs[k].init && !strcmp(r->segs[k].init, init))
			return 1;
	return 0;
}

static void
cleanup(struct hls *h, struct rend *r, double now)
{
	size_t from = window_start(h, r), k, gone = 0;
	struct seg *old;
	double listed = 0;

	for (k = from; k < r->n; k++)
		listed += r->segs[k].duration;
	for (k = 0; k < from; k++)
		if (!r->segs[k].left) {
			r->segs[k].left = now;
			r->segs[k].keep = r->segs[k].duration + listed;
		}
	if (h->o->record)
		return;
	while (gone < from && now >= r->segs[gone].left + r->segs[gone].keep)
		gone++;
	if (!gone)
		return;
	old = vt_calloc(gone, sizeof(*old));
	memcpy(old, r->segs, gone * sizeof(*old));
	memmove(r->segs, r->segs + gone, (r->n - gone) * sizeof(*r->segs));
	r->n -= gone;
	for (k = 0; k < gone; k++) {
		unlink_in(h, r, old[k].uri);
		r->seq0++;
		r->disc0 += old[k].disc;
		if (old[k].init && !init_used(r, old[k].init) &&
		    (k + 1 == gone || !old[k + 1].init || strcmp(old[k].init, old[k + 1].init)))
			unlink_in(h, r, old[k].init);
		free(old[k].uri);
		free(old[k].init);
	}
	free(old);
}

/* Lines. */

static void
on_start(struct hls *h, const json_t *line)
{
	const json_t *jr;
	size_t i;
	double seg = vt_json_num(line, "seg", 0);

	if (!(seg > 0 && seg <= 60))
		vt_die(VT_EX_DATAERR, "input: start line: bad 'seg'");
	if (!h->target)
		h->target = (int)ceil(seg - 1e-9);
	else if ((int)ceil(seg - 1e-9) > h->target)
		vt_warn("segments of %g s are longer than the stream's target duration %d s",
		    seg, h->target);
	json_array_foreach(json_object_get(line, "renditions"), i, jr) {
		struct rend *r = add(h, vt_json_need_str(jr, "name"));

		r->video = !strcmp(vt_json_str(jr, "type", "video"), "video");
		r->width = (int)vt_json_int(jr, "width", 0);
		r->height = (int)vt_json_int(jr, "height", 0);
		r->channels = (int)vt_json_int(jr, "channels", 2);
		r->frame_rate = vt_json_num(jr, "frame_rate", 0);
		r->bitrate = vt_json_int(jr, "bitrate", 0);
		r->maxrate = vt_json_int(jr, "maxrate", r->bitrate);
	}
}

static void
on_segment(struct hls *h, const json_t *line, double now)
{
	struct rend *r = find(h, vt_json_need_str(line, "rendition"));
	const char *init = vt_json_str(line, "init", NULL), *codecs;
	struct seg *s;
	double d = vt_json_num(line, "duration", -1);

	if (!r)
		vt_die(VT_EX_DATAERR, "input: segment of rendition '%s' before its start line",
		    vt_json_str(line, "rendition", ""));
	if (!(d >= 0 && d < 3600))
		vt_die(VT_EX_DATAERR, "input: bad segment 'duration'");
	if (!h->target)
		h->target = (int)ceil(d);
	if (lround(d) > h->target)
		vt_warn("%s: a %.3f s segment is over the target duration %d s", r->name, d,
		    h->target);
	r->segs = vt_realloc(r->segs, (r->n + 1) * sizeof(*r->segs));
	s = &r->segs[r->n];
	memset(s, 0, sizeof(*s));
	s->uri = vt_strdup(inside(r, vt_json_str(line, "path", NULL), "path"));
	s->init = init ? vt_strdup(inside(r, init, "init")) : NULL;
	s->duration = d;
	s->wallclock = vt_parse_iso8601(vt_json_str(line, "wallclock", NULL));
	if (s->wallclock < 0)
		s->wallclock = 0;
	s->disc = json_is_true(json_object_get(line, "discontinuity")) || r->resume;
	s->bytes = vt_json_int(line, "bytes", 0);
	r->n++;
	r->resume = 0;
	h->ended = 0;
	h->segments++;
	if ((codecs = vt_json_str(line, "codecs", NULL)) && *codecs &&
	    strlen(codecs) < sizeof(r->codecs) && !strpbrk(codecs, "\"\n\r"))
		snprintf(r->codecs, sizeof(r->codecs), "%s", codecs);
	if (d > 0.5 && s->bytes * 8 / d > r->peak)
		r->peak = s->bytes * 8 / d;
	cleanup(h, r, now);
	write_media(h, r, window_start(h, r), "index.m3u8", 0);
	write_master(h, "master.m3u8", "index.m3u8");
}

static void
finish(struct hls *h)
{
	size_t i;

	h->ended = 1;
	for (i = 0; i < h->nr; i++) {
		write_media(h, &h->r[i], window_start(h, &h->r[i]), "index.m3u8", 0);
		if (h->o->record && h->r[i].n)
			write_media(h, &h->r[i], 0, "recording.m3u8", 1);
	}
	write_master(h, "master.m3u8", "index.m3u8");
	if (h->o->record)
		write_master(h, "recording.m3u8", "recording.m3u8");
}

int
vt_livehls_run(const struct vt_livehls_opts *o, FILE *in)
{
	struct hls h = { .o = o };
	char *buf = NULL;
	size_t cap = 0, i, k;
	ssize_t len;
	int64_t lines = 0;

	vt_mkdirs(o->dir);
	load(&h);
	while ((len = getline(&buf, &cap, in)) > 0) {
		json_error_t e;
		json_t *line;
		const char *type;

		lines++;
		if (!(line = json_loadb(buf, len, 0, &e)) || !json_is_object(line))
			vt_die(VT_EX_DATAERR, "standard input: line %lld: %s", (long long)lines,
			    line ? "not a JSON object" : e.text);
		type = vt_json_str(line, "type", "");
		if (!strcmp(type, "start"))
			on_start(&h, line);
		else if (!strcmp(type, "segment"))
			on_segment(&h, line, vt_wallclock());
		else if (strcmp(type, "end"))
			vt_die(VT_EX_DATAERR, "standard input: line %lld: unknown type '%s'",
			    (long long)lines, type);
		if (strcmp(type, "start"))
			save(&h);
		json_decref(line);
	}
	if (ferror(in))
		vt_die(VT_EX_IOERR, "cannot read standard input: %s", strerror(errno));
	free(buf);
	if (h.nr && !o->open)
		finish(&h);
	save(&h);
	vt_json_print(json_pack("{s:s,s:I,s:I,s:b}", "master", "master.m3u8",
	    "segments", (json_int_t)h.segments, "renditions", (json_int_t)h.nr,
	    "recording", o->record));
	for (i = 0; i < h.nr; i++) {
		for (k = 0; k < h.r[i].n; k++) {
			free(h.r[i].segs[k].uri);
			free(h.r[i].segs[k].init);
		}
		free(h.r[i].segs);
	}
	free(h.r);
	free(h.master);
	return 0;
}
