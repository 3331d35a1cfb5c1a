/* Live HLS: the segment lines, the state that lets a restart go on, and
 * the recording. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt.h"
#include "livestate.h"


#define STATE ".vt-hls.json"
/* A recording's segments that have left the window, one JSON line each. */
#define RECORDED ".vt-hls-recorded.jsonl"

struct rend *
vt_lh_find(struct hls *h, const char *name)
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
	if ((r = vt_lh_find(h, name)))
		return r;
	h->r = vt_realloc(h->r, (h->nr + 1) * sizeof(*h->r));
	r = &h->r[h->nr++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	vt_lh_health_init(r);
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

/* The numbers of a rendition in a start line or the state; a start line
 * defaults to stereo and to no more than the bit rate. */
static void
rendition(struct rend *r, const json_t *j, int start)
{
	r->width = (int)vt_json_int_in(j, "width", 0, 0, 65535);
	r->height = (int)vt_json_int_in(j, "height", 0, 0, 65535);
	r->channels = (int)vt_json_int_in(j, "channels", start ? 2 : 0, 0, 255);
	r->frame_rate = vt_json_num_in(j, "frame_rate", 0, 0, 1000);
	r->bitrate = vt_json_int_in(j, "bitrate", 0, 0, MAX_RATE);
	r->maxrate = vt_json_int_in(j, "maxrate", start ? r->bitrate : 0, 0, MAX_RATE);
}

/* The numbers of a segment in the state or the recorded list. */
static void
seg_numbers(struct seg *s, const json_t *j)
{
	s->duration = vt_json_num_in(j, "duration", 0, 0, MAX_DURATION);
	s->wallclock = vt_json_num_in(j, "wallclock", 0, 0, MAX_TIME);
	s->disc = json_is_true(json_object_get(j, "discontinuity"));
	s->bytes = vt_json_int_in(j, "bytes", 0, 0, MAX_BYTES);
}

/* State. */

static json_t *
state_json(const struct hls *h)
{
	json_t *rs = json_array(), *gone = json_array();
	size_t i, k;

	for (i = 0; i < h->nr; i++) {
		const struct rend *r = &h->r[i];
		json_t *segs = json_array();

		for (k = 0; k < r->n; k++) {
			const struct seg *s = &r->segs[k];
			json_t *js = json_pack("{s:s,s:s?,s:f,s:f,s:b,s:I,s:f,s:f}",
			    "uri", s->uri, "init", s->init, "duration", s->duration,
			    "wallclock", s->wallclock, "discontinuity", s->disc,
			    "bytes", (json_int_t)s->bytes, "left", s->left, "keep", s->keep);

			/* Only for cleanup after a restart. */
			if (s->nparts) {
				json_t *ps = json_array();
				size_t j;

				for (j = 0; j < s->nparts; j++)
					json_array_append_new(ps, json_string(s->parts[j].uri));
				json_object_set_new(js, "parts", ps);
			}
			json_array_append_new(segs, js);
		}
		json_array_append_new(rs, json_pack("{s:s,s:b,s:i,s:i,s:i,s:f,s:I,s:I,s:f,s:f,"
		    "s:f,s:I,s:I,s:s,s:I,s:I,s:o}", "name", r->name, "video", r->video,
		    "width", r->width, "height", r->height, "channels", r->channels,
		    "frame_rate", r->frame_rate, "bitrate", (json_int_t)r->bitrate,
		    "maxrate", (json_int_t)r->maxrate, "peak", r->peak, "bits", r->bits,
		    "seconds", r->seconds, "bandwidth", (json_int_t)r->bandwidth,
		    "average", (json_int_t)r->average, "codecs", r->codecs,
		    "seq0", (json_int_t)r->seq0, "disc0", (json_int_t)r->disc0, "segments", segs));
	}
	for (i = 0; i < h->ngone; i++)
		json_array_append_new(gone, json_pack("{s:s,s:s,s:f}", "rendition",
		    h->gone[i].rendition, "uri", h->gone[i].uri, "until", h->gone[i].until));
	return json_pack("{s:i,s:i,s:b,s:b,s:o,s:o,s:o}", "target", h->target,
	    "record", h->o->record, "ended", h->ended, "known", h->known, "renditions", rs,
	    "health", vt_lh_health_json(h), "gone", gone);
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
	json_t *j, *jr, *js, *jp;
	size_t i, k, m;

	if (access(path, F_OK) < 0) {
		free(path);
		return;
	}
	j = vt_json_load_file(path);
	h->target = (int)vt_json_int_in(j, "target", 0, 0, (long long)MAX_DURATION);
	h->known = json_is_true(json_object_get(j, "known"));
	json_array_foreach(json_object_get(j, "renditions"), i, jr) {
		struct rend *r = add(h, vt_json_need_str(jr, "name"));

		r->video = json_is_true(json_object_get(jr, "video"));
		rendition(r, jr, 0);
		r->peak = vt_json_num_in(jr, "peak", 0, 0, MAX_RATE);
		r->seconds = vt_json_num_in(jr, "seconds", 0, 0, MAX_TIME);
		r->bits = vt_json_num_in(jr, "bits", 0, 0, MAX_RATE * MAX_TIME);
		r->bandwidth = vt_json_int_in(jr, "bandwidth", 0, 0, MAX_RATE);
		r->average = vt_json_int_in(jr, "average", 0, 0, MAX_RATE);
		snprintf(r->codecs, sizeof(r->codecs), "%s", vt_json_str(jr, "codecs", ""));
		r->seq0 = vt_json_int_in(jr, "seq0", 0, 0, MAX_COUNT);
		r->disc0 = vt_json_int_in(jr, "disc0", 0, 0, MAX_COUNT);
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
			seg_numbers(s, js);
			s->left = vt_json_num_in(js, "left", 0, 0, MAX_TIME);
			s->keep = vt_json_num_in(js, "keep", 0, 0, MAX_TIME);
			s->parts = NULL;
			s->nparts = 0;
			s->cell = -1;
			json_array_foreach(json_object_get(js, "parts"), m, jp) {
				const char *u = json_string_value(jp);

				if (!u || !vt_safe_name(u))
					vt_die(VT_EX_DATAERR, "'%s': bad part name", path);
				s->parts = vt_realloc(s->parts, (s->nparts + 1) * sizeof(*s->parts));
				s->parts[s->nparts++] = (struct vt_part){ vt_strdup(u), 0, 0 };
			}
		}
	}
	vt_lh_health_load(h, json_object_get(j, "health"));
	json_array_foreach(json_object_get(j, "gone"), i, jr) {
		const char *rn = vt_json_need_str(jr, "rendition"), *u = vt_json_need_str(jr, "uri");
		double until = vt_json_num(jr, "until", -1);

		if (!vt_safe_name(rn) || !vt_safe_name(u))
			vt_die(VT_EX_DATAERR, "'%s': bad part name", path);
		/* a Unix time before the year 10000 */
		if (!(until >= 0 && until < 253402300800.0))
			vt_die(VT_EX_DATAERR, "'%s': bad part 'until'", path);
		h->gone = vt_realloc(h->gone, (h->ngone + 1) * sizeof(*h->gone));
		h->gone[h->ngone++] = (struct gone){ vt_strdup(rn), vt_strdup(u), until };
	}
	vt_info("resuming %zu renditions from '%s'", h->nr, path);
	json_decref(j);
	free(path);
}

/* A recording moves the segments that are done with to the end of
 * RECORDED, so the state, saved at every line, stays the window's size
 * however long the stream. */
void
vt_lh_record(const struct hls *h, const struct rend *r, const struct seg *s, size_t n)
{
	char *path = vt_path_join(h->o->dir, RECORDED);
	FILE *f = fopen(path, "a");
	size_t k;

	if (!f)
		vt_die(VT_EX_CANTCREAT, "cannot open '%s': %s", path, strerror(errno));
	for (k = 0; k < n; k++) {
		json_t *j = json_pack("{s:s,s:s,s:s?,s:f,s:f,s:b,s:I}", "rendition", r->name,
		    "uri", s[k].uri, "init", s[k].init, "duration", s[k].duration,
		    "wallclock", s[k].wallclock, "discontinuity", s[k].disc,
		    "bytes", (json_int_t)s[k].bytes);

		if (json_dumpf(j, f, JSON_COMPACT) < 0 || fputc('\n', f) == EOF)
			vt_die(VT_EX_IOERR, "cannot write '%s': %s", path, strerror(errno));
		json_decref(j);
	}
	if (fclose(f) == EOF)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", path, strerror(errno));
	free(path);
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
		rendition(r, jr, 1);
		r->part_target = vt_json_num(jr, "part_target", 0);
		if (!(r->part_target >= 0 && r->part_target <= seg))
			vt_die(VT_EX_DATAERR, "input: start line: bad 'part_target'");
		/* A new publish: the parts of a segment it never finished go. */
		vt_lh_retire(h, r, &r->next);
	}
	vt_lh_take_start(h, line);
}

/* What a segment's line and its first part's line both say of it: its init
 * section, wall-clock time and discontinuity. */
static void
seg_begin(struct rend *r, struct seg *s, const json_t *line)
{
	const char *init = vt_json_str(line, "init", NULL);

	free(s->init);
	s->init = init ? vt_strdup(inside(r, init, "init")) : NULL;
	s->wallclock = vt_parse_iso8601(vt_json_str(line, "wallclock", NULL));
	if (s->wallclock < 0)
		s->wallclock = 0;
	s->disc = json_is_true(json_object_get(line, "discontinuity")) || r->resume;
}

/* A partial segment of the segment being written. */
static void
on_part(struct hls *h, const json_t *line)
{
	struct rend *r = vt_lh_find(h, vt_json_need_str(line, "rendition"));
	int64_t cell = vt_json_need_int(line, "seq"), k = vt_json_need_int(line, "part");
	double d = vt_json_num(line, "duration", -1);
	struct seg *n;

	if (!r)
		vt_die(VT_EX_DATAERR, "input: part of rendition '%s' before its start line",
		    vt_json_str(line, "rendition", ""));
	if (!(d >= 0 && d < 60))
		vt_die(VT_EX_DATAERR, "input: bad part 'duration'");
	vt_json_int_in(line, "seq", 0, 0, MAX_COUNT);
	vt_json_int_in(line, "part", 0, 0, MAX_COUNT);
	n = &r->next;
	if (n->nparts && (n->cell != cell || k != (int64_t)n->nparts)) {
		vt_warn("%s: part %lld of segment %lld does not follow part %zu of segment %lld; "
		    "starting again", r->name, (long long)k, (long long)cell, n->nparts - 1,
		    (long long)n->cell);
		vt_lh_retire(h, r, n);
	}
	if (!n->nparts) {
		seg_begin(r, n, line);
		n->cell = cell;
		n->duration = 0;
	}
	n->parts = vt_realloc(n->parts, (n->nparts + 1) * sizeof(*n->parts));
	n->parts[n->nparts++] = (struct vt_part){
	    vt_strdup(inside(r, vt_json_str(line, "path", NULL), "path")), d,
	    json_is_true(json_object_get(line, "independent")) };
	n->duration += d;
}

static void
on_segment(struct hls *h, const json_t *line, double now)
{
	struct rend *r = vt_lh_find(h, vt_json_need_str(line, "rendition"));
	const char *codecs;
	struct seg *s;
	double d = vt_json_num(line, "duration", -1);

	if (!r)
		vt_die(VT_EX_DATAERR, "input: segment of rendition '%s' before its start line",
		    vt_json_str(line, "rendition", ""));
	if (!(d >= 0 && d < MAX_DURATION))
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
	seg_begin(r, s, line);
	s->duration = d;
	s->bytes = vt_json_int_in(line, "bytes", 0, 0, MAX_BYTES);
	s->cell = vt_json_int_in(line, "seq", -1, 0, MAX_COUNT);
	/* The segment's parts, if they were all seen, are now its own. */
	if (r->next.nparts && r->next.cell == s->cell &&
	    (int64_t)r->next.nparts == vt_json_int_in(line, "parts", -1, 0, MAX_COUNT)) {
		s->parts = r->next.parts;
		s->nparts = r->next.nparts;
		r->next.parts = NULL;
		r->next.nparts = 0;
	}
	vt_lh_retire(h, r, &r->next);
	vt_lh_take_segment(h, r, line, s);
	r->n++;
	r->resume = 0;
	h->ended = 0;
	h->segments++;
	if ((codecs = vt_json_str(line, "codecs", NULL)) && *codecs &&
	    strlen(codecs) < sizeof(r->codecs) && !strpbrk(codecs, "\"\n\r"))
		snprintf(r->codecs, sizeof(r->codecs), "%s", codecs);
	vt_lh_measure(h, r);
	vt_lh_cleanup(h, r, now);
	vt_lh_write_media(h, r, vt_lh_window_start(h, r), "index.m3u8", 0);
	vt_lh_write_master(h, "master.m3u8", "index.m3u8");
}

/* Is uri that of one of s[0..n)? */
static int
listed_in(const struct seg *s, size_t n, const char *uri)
{
	while (n-- > 0)
		if (!strcmp(s[n].uri, uri))
			return 1;
	return 0;
}

/* The recording of r: the segments in RECORDED, then those in the state.
 * A segment recorded twice, as by a crash between the two writes, is
 * listed once. */
static void
write_recording(const struct hls *h, struct rend *r)
{
	char *path = vt_path_join(h->o->dir, RECORDED), *line = NULL;
	struct rend all = *r;
	struct seg *segs = NULL;
	size_t n = 0, cap = 0, k;
	FILE *f = fopen(path, "r");

	while (f && getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL);
		const char *uri = vt_json_str(j, "uri", NULL), *init = vt_json_str(j, "init", NULL);

		if (!j || !uri || !vt_safe_name(uri) || (init && !vt_safe_name(init)))
			vt_die(VT_EX_DATAERR, "'%s': a bad line", path);
		if (!strcmp(vt_json_str(j, "rendition", ""), r->name) &&
		    !listed_in(segs + (n > 64 ? n - 64 : 0), n > 64 ? 64 : n, uri) &&
		    !listed_in(r->segs, r->n, uri)) {
			segs = vt_realloc(segs, (n + 1) * sizeof(*segs));
			segs[n++] = (struct seg){ .uri = vt_strdup(uri),
			    .init = init ? vt_strdup(init) : NULL };
			seg_numbers(&segs[n - 1], j);
		}
		json_decref(j);
	}
	if (f)
		fclose(f);
	free(line);
	free(path);
	segs = vt_realloc(segs, (n + r->n + 1) * sizeof(*segs));
	memcpy(segs + n, r->segs, r->n * sizeof(*segs));
	all.segs = segs;
	all.n = n + r->n;
	all.seq0 = 0;
	all.disc0 = 0;
	if (all.n)
		vt_lh_write_media(h, &all, 0, "recording.m3u8", 1);
	for (k = 0; k < n; k++) {
		free(segs[k].uri);
		free(segs[k].init);
	}
	free(segs);
}

static void
finish(struct hls *h)
{
	size_t i;

	h->ended = 1;
	for (i = 0; i < h->nr; i++) {
		/* Ended playlists list no partial segments: theirs go. */
		for (size_t k = 0; k < h->r[i].n; k++)
			vt_lh_retire(h, &h->r[i], &h->r[i].segs[k]);
		vt_lh_write_media(h, &h->r[i], vt_lh_window_start(h, &h->r[i]), "index.m3u8", 0);
		if (h->o->record)
			write_recording(h, &h->r[i]);
	}
	vt_lh_write_master(h, "master.m3u8", "index.m3u8");
	if (h->o->record)
		vt_lh_write_master(h, "recording.m3u8", "recording.m3u8");
}

static void
on_line(struct hls *h, const char *buf, size_t len, int64_t lineno)
{
	json_error_t e;
	json_t *line;
	const char *type;
	size_t i;

	if (!(line = json_loadb(buf, len, 0, &e)) || !json_is_object(line))
		vt_die(VT_EX_DATAERR, "standard input: line %lld: %s", (long long)lineno,
		    line ? "not a JSON object" : e.text);
	type = vt_json_str(line, "type", "");
	vt_lh_sweep(h, vt_wallclock());
	if (!strcmp(type, "start"))
		on_start(h, line);
	else if (!strcmp(type, "segment"))
		on_segment(h, line, vt_wallclock());
	else if (!strcmp(type, "part"))
		on_part(h, line);
	else if (!strcmp(type, "end")) {
		for (i = 0; i < h->nr; i++)
			vt_lh_retire(h, &h->r[i], &h->r[i].next);
		vt_lh_take_end(h, line);
	} else
		vt_die(VT_EX_DATAERR, "standard input: line %lld: unknown type '%s'",
		    (long long)lineno, type);
	/* Partial segments come and go too often to be worth the state. */
	if (strcmp(type, "start") && strcmp(type, "part"))
		save(h);
	if (strcmp(type, "part"))
		vt_lh_status_write(h);
	json_decref(line);
}

/* Read lines from fd until its end, serving playlists meanwhile if h has
 * a server. */
static void
read_lines(struct hls *h, int fd, struct vt_httpd *srv)
{
	struct pollfd pfd[1 + VT_HTTPD_FDS];
	char *buf = NULL, *nl;
	size_t len = 0, cap = 0, n;
	int64_t lines = 0;
	ssize_t got;

	for (;;) {
		pfd[0] = (struct pollfd){ fd, POLLIN, 0 };
		n = 1 + (srv ? vt_httpd_fds(srv, pfd + 1) : 0);
		if (poll(pfd, n, srv ? vt_httpd_timeout(srv) : -1) < 0) {
			if (errno == EINTR)
				continue;
			vt_die(VT_EX_IOERR, "poll: %s", strerror(errno));
		}
		if (pfd[0].revents) {
			if (cap - len < 65536)
				buf = vt_realloc(buf, cap = cap * 2 + 65536);
			if ((got = read(fd, buf + len, cap - len)) < 0 && errno != EINTR &&
			    errno != EAGAIN)
				vt_die(VT_EX_IOERR, "cannot read standard input: %s", strerror(errno));
			if (got == 0)
				break;
			len += got > 0 ? got : 0;
			while ((nl = memchr(buf, '\n', len))) {
				on_line(h, buf, nl - buf + 1, ++lines);
				len -= nl - buf + 1;
				memmove(buf, nl + 1, len);
			}
		}
		/* which also asks held requests again, after the new lines */
		if (srv)
			vt_httpd_serve(srv, pfd + 1, n - 1);
	}
	if (len)	/* a last line without its newline */
		on_line(h, buf, len, ++lines);
	free(buf);
}

int
vt_livehls_run(const struct vt_livehls_opts *o, FILE *in)
{
	struct hls h = { .o = o, .health = { .bitrate = -1, .dropped = -1 } };
	struct vt_httpd *srv = NULL;
	size_t i, k;

	vt_mkdirs(o->dir);
	load(&h);
	vt_lh_status_write(&h);
	if (o->listen || o->stream_master) {
		char *d = vt_strdup(o->dir), *e = d + strlen(d);

		while (e > d + 1 && e[-1] == '/')
			*--e = '\0';
		h.base = vt_strdup(strrchr(d, '/') ? strrchr(d, '/') + 1 : d);
		free(d);
		if (o->stream_master && !vt_safe_name(h.base))
			vt_die(VT_EX_USAGE, "--stream-master: the folder's name '%s' is not one "
			    "a URI can hold (want letters, digits, . _ and -)", h.base);
	}
	if (o->listen)
		srv = vt_httpd_open(o->listen, vt_lh_serve, &h);
	read_lines(&h, fileno(in), srv);
	if (h.nr && !o->open)
		finish(&h);
	save(&h);
	vt_lh_status_write(&h);
	/* Held requests get the last playlist. */
	vt_httpd_close(srv);
	vt_json_print(json_pack("{s:s,s:I,s:I,s:b}", "master", "master.m3u8",
	    "segments", (json_int_t)h.segments, "renditions", (json_int_t)h.nr,
	    "recording", o->record));
	for (i = 0; i < h.nr; i++) {
		for (k = 0; k < h.r[i].n; k++) {
			vt_lh_free_parts(&h.r[i].segs[k], NULL, NULL);
			free(h.r[i].segs[k].uri);
			free(h.r[i].segs[k].init);
		}
		vt_lh_free_parts(&h.r[i].next, NULL, NULL);
		free(h.r[i].next.init);
		free(h.r[i].segs);
	}
	for (i = 0; i < h.ngone; i++) {
		free(h.gone[i].rendition);
		free(h.gone[i].uri);
	}
	free(h.gone);
	free(h.r);
	free(h.master);
	free(h.base);
	return 0;
}

