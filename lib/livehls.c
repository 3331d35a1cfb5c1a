/* Live HLS: sliding-window playlists, segment cleanup, restarts and
 * recording. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt.h"
#include "httpd.h"
#include "livehls.h"
#include "playlist.h"

#define STATE ".vt-hls.json"
/* A recording's segments that have left the window, one JSON line each. */
#define RECORDED ".vt-hls-recorded.jsonl"

/* Bounds on the numbers in lines and the state: far past any real stream,
 * yet no sum or product of them overflows. Counters stay below 2^53, which
 * players that read numbers as doubles hold exactly. */
#define MAX_COUNT (1LL << 53)
#define MAX_BYTES (1LL << 40)		/* a segment */
#define MAX_RATE 100000000000000LL	/* bits per second */
#define MAX_TIME 253402300799.0		/* 9999-12-31T23:59:59Z */
#define MAX_DURATION 3600.0		/* a segment */

/* The master's BANDWIDTH is the measured peak this much higher (see
 * declare), once every rendition has KNOWN seconds measured. */
#define MARGIN 1.1
#define KNOWN 30.0

struct seg {
	char *uri, *init;	/* relative to the rendition's folder */
	double duration, wallclock;
	int disc;
	int64_t bytes;
	double left;		/* Unix time it left the window; 0: in it */
	double keep;		/* then available this many seconds more */
	struct vt_part *parts;	/* its partial segments (LL-HLS) */
	size_t nparts;
	int64_t cell;		/* vt-livesegment's number for it */
};

struct rend {
	char name[65];
	int video, width, height, channels;
	double frame_rate;
	int64_t bitrate, maxrate;
	double peak;		/* highest segment bit rate seen (RFC 8216 4.3.4.2) */
	double bits, seconds;	/* of every segment seen: the average */
	int64_t bandwidth;	/* what the master declares for the variant */
	int64_t average;	/* this rendition leads (with the audio) */
	char codecs[64];
	struct seg *segs;	/* on disk, oldest first */
	size_t n;
	int64_t seq0;		/* media sequence number of segs[0] */
	int64_t disc0;		/* discontinuities before segs[0] */
	int resume;		/* the next segment follows a restart */
	double part_target;	/* LL-HLS; 0: no partial segments */
	struct seg next;	/* the segment being written: its parts so far */
};

/* A partial segment no playlist lists any more, kept until a viewer that
 * read the last playlist listing it has had the time to fetch it. */
struct gone {
	char *rendition, *uri;
	double until;		/* Unix time */
};

struct hls {
	const struct vt_livehls_opts *o;
	struct rend *r;
	size_t nr;
	struct gone *gone;	/* saved with the state: a restart removes them */
	size_t ngone;
	int target;		/* EXT-X-TARGETDURATION, fixed for the stream */
	int ended;
	int known;		/* every rendition has KNOWN seconds measured */
	char *master;		/* the text last written */
	char *base;		/* the last component of the folder's path */
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
	return json_pack("{s:i,s:i,s:b,s:b,s:o,s:o}", "target", h->target, "record", h->o->record,
	    "ended", h->ended, "known", h->known, "renditions", rs, "gone", gone);
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

/* Playlists. */

/* The playlist of r's segments from from on, in pl; its segment array is
 * malloc'ed. */
static void
media_playlist(const struct hls *h, const struct rend *r, size_t from, int vod,
    struct vt_playlist *pl)
{
	struct vt_segment *v = vt_calloc(r->n - from + 1, sizeof(*v));
	size_t k;

	memset(pl, 0, sizeof(*pl));
	pl->target = h->target;
	pl->media_sequence = r->seq0 + from;
	pl->discontinuity_sequence = r->disc0;
	for (k = 0; k < from; k++)
		pl->discontinuity_sequence += r->segs[k].disc;
	for (k = from; k < r->n; k++) {
		const struct seg *s = &r->segs[k];

		v[k - from] = (struct vt_segment){ .uri = s->uri, .duration = s->duration,
		    .bytes = s->bytes, .discontinuity = s->disc,
		    .wallclock = s->wallclock, .map = s->init };
	}
	pl->segs = v;
	pl->nsegs = r->n - from;
	pl->vod = vod;
	pl->ended = h->ended || vod;
	pl->hold_back = vod ? 0 : h->o->hold_back;
}

static void
write_media(const struct hls *h, const struct rend *r, size_t from, const char *file,
    int vod)
{
	struct vt_playlist pl;
	char *dir = vt_path_join(h->o->dir, r->name), *path = vt_path_join(dir, file);

	media_playlist(h, r, from, vod, &pl);
	vt_playlist_write(path, &pl);
	free(pl.segs);
	free(path);
	free(dir);
}

/* LL-HLS. The latest segment and part of r: part -1 if the last
 * segment's parts are unknown. */
static void
latest(const struct rend *r, int64_t *msn, int64_t *part)
{
	if (r->next.nparts) {
		*msn = r->seq0 + r->n;
		*part = r->next.nparts - 1;
	} else {
		*msn = r->seq0 + r->n - 1;
		*part = r->n ? (int64_t)r->segs[r->n - 1].nparts - 1 : -1;
	}
}

/* The playlist vt-hls --listen serves: the one on disk, and the partial
 * segments of the last three target durations, blocking reload, and where
 * the other renditions are. */
static char *
ll_text(const struct hls *h, const struct rend *r)
{
	struct vt_playlist pl;
	struct vt_report *rep = vt_calloc(h->nr, sizeof(*rep));
	double tail = r->next.duration;
	size_t k;
	char *text;

	media_playlist(h, r, window_start(h, r), 0, &pl);
	pl.can_block = !h->ended;
	if (r->part_target > 0 && !h->ended) {
		pl.part_target = r->part_target;
		pl.part_hold_back = 3 * r->part_target;
		for (k = pl.nsegs; k-- > 0 && tail < 3 * h->target;) {
			pl.segs[k].parts = r->segs[r->n - pl.nsegs + k].parts;
			pl.segs[k].nparts = r->segs[r->n - pl.nsegs + k].nparts;
			tail += pl.segs[k].duration;
		}
		if (r->next.nparts)
			pl.segs[pl.nsegs++] = (struct vt_segment){ .incomplete = 1,
			    .discontinuity = r->next.disc, .wallclock = r->next.wallclock,
			    .map = r->next.init, .parts = r->next.parts,
			    .nparts = r->next.nparts };
	}
	for (k = 0; k < h->nr && !h->ended; k++) {
		if (&h->r[k] == r || !h->r[k].n)
			continue;
		rep[pl.nreports].uri = vt_asprintf("../%s/index.m3u8", h->r[k].name);
		latest(&h->r[k], &rep[pl.nreports].msn, &rep[pl.nreports].part);
		pl.nreports++;
	}
	pl.reports = rep;
	text = vt_playlist_text(&pl);
	for (k = 0; k < pl.nreports; k++)
		free((char *)rep[k].uri);
	free(rep);
	free(pl.segs);
	return text;
}

/* "_HLS_msn=N&_HLS_part=M": -1 for what is not there; 0 if malformed. */
static int
directives(const char *query, int64_t *msn, int64_t *part)
{
	char *q = vt_strdup(query), *save = NULL, *kv;
	int ok = 1;

	*msn = *part = -1;
	for (kv = strtok_r(q, "&", &save); kv && ok; kv = strtok_r(NULL, "&", &save)) {
		int64_t *to = !strncmp(kv, "_HLS_msn=", 9) ? msn :
		    !strncmp(kv, "_HLS_part=", 10) ? part : NULL;
		char *v = strchr(kv, '=') + 1, *end;
		long long n;

		if (!to)
			continue;	/* _HLS_skip, or another's */
		errno = 0;
		n = strtoll(v, &end, 10);
		ok = *v >= '0' && *v <= '9' && !*end && !errno && n < INT64_MAX / 2;
		*to = n;
	}
	free(q);
	return ok && !(*part >= 0 && *msn < 0);
}

static int
reply_text(struct vt_httpd_reply *rep, int status, char *text)
{
	rep->status = status;
	rep->type = status == 200 ? "application/vnd.apple.mpegurl" : "text/plain";
	/* as nginx serves the files: a playlist may be a second old */
	rep->cache = status == 200 ? "max-age=1" : NULL;
	rep->body = text;
	rep->len = strlen(text);
	return 1;
}

/* GET [/BROADCAST]/RENDITION/index.m3u8[?_HLS_msn=N[&_HLS_part=M]], where
 * BROADCAST is the name of the output folder: hold the request until the
 * playlist has segment N (part M of it), as RFC 8216bis 6.2.5.2 asks. */
static int
serve(void *arg, const char *path, const char *query, double waited,
    struct vt_httpd_reply *rep)
{
	struct hls *h = arg;
	const char *p = path + 1, *slash = strchr(p, '/');
	char name[sizeof(h->r[0].name)];
	struct rend *r = NULL;
	int64_t msn, part, lm, lp;
	size_t n, bn = strlen(h->base);

	if (slash && bn && (size_t)(slash - p) == bn && !strncmp(p, h->base, bn) &&
	    strchr(slash + 1, '/'))
		p = slash + 1;
	if ((slash = strchr(p, '/')) && !strcmp(slash, "/index.m3u8") &&
	    (n = slash - p) < sizeof(name)) {
		memcpy(name, p, n);
		name[n] = '\0';
		r = find(h, name);
	}
	if (!r)
		return reply_text(rep, 404, vt_strdup("no such playlist\n"));
	if (!directives(query, &msn, &part))
		return reply_text(rep, 400, vt_strdup("bad _HLS_msn or _HLS_part\n"));
	if (!r->n && !r->next.nparts && (h->ended || msn < 0))
		return reply_text(rep, 404, vt_strdup("no segments yet\n"));
	latest(r, &lm, &lp);
	if (msn > (int64_t)(r->seq0 + r->n) - 1 + 2 && !h->ended)
		return reply_text(rep, 400, vt_strdup("_HLS_msn is too far ahead\n"));
	if (h->ended || msn < 0 || (part < 0 && msn <= (int64_t)(r->seq0 + r->n) - 1) ||
	    (part >= 0 && (msn < lm || (msn == lm && part <= lp))))
		return reply_text(rep, 200, ll_text(h, r));
	if (waited >= 3 * h->target)
		return reply_text(rep, 503, vt_strdup("the playlist did not get there in time\n"));
	return 0;
}

/* A rate for the master: whole bits per second, no more than MAX_RATE. */
static int64_t
rate(double bps)
{
	return bps < MAX_RATE ? (int64_t)ceil(bps) : MAX_RATE;
}

static double
average(const struct rend *r)
{
	return r->seconds > 0 ? r->bits / r->seconds : 0;
}

/* Before the peak is known, what a rendition may reach: its encoder's
 * maximum rate, plus the packaging overhead, which is what its segments
 * have averaged over their target rate. */
static double
nominal(const struct rend *r)
{
	double max = r->maxrate > r->bitrate ? r->maxrate : r->bitrate;

	return max + fmax(0, average(r) - r->bitrate);
}

/* Set v->bandwidth and v->average for the variant v leads, with audio a
 * (NULL: none). Each rendition's own peak adds up (RFC 8216 4.3.4.2).
 * Until the peak is known the master declares the larger of the nominal
 * rate and the measured peak times MARGIN, then the measured peak times
 * MARGIN. After that, BANDWIDTH is raised when a peak goes past it, and
 * AVERAGE-BANDWIDTH follows the average when it moves more than MARGIN:
 * so the master changes seldom, as players read it seldom. */
static void
declare(const struct hls *h, struct rend *v, const struct rend *a)
{
	double peak = v->peak + (a ? a->peak : 0), avg = average(v) + (a ? average(a) : 0);

	if (!h->known)
		avg = fmax(avg, v->bitrate + (a ? a->bitrate : 0));
	if (!v->bandwidth || peak > v->bandwidth) {
		v->bandwidth = rate(peak * MARGIN);
		if (!h->known)
			v->bandwidth = rate(fmax(peak * MARGIN, nominal(v) + (a ? nominal(a) : 0)));
		v->average = rate(avg);
	} else if (h->known && (avg > v->average * MARGIN || avg * MARGIN < v->average)) {
		v->average = rate(avg);
	}
}

/* The master, once every rendition has a segment, written only when it
 * changes. The recording's, of a stream that is over, declares the peak
 * and the average as they are. */
static void
write_master(struct hls *h, const char *file, const char *media)
{
	struct vt_variant *v = vt_calloc(h->nr, sizeof(*v));
	struct vt_audio_rendition ar, *a = NULL;
	struct rend *audio = NULL;
	int live = !strcmp(file, "master.m3u8");
	char *text, *path;
	size_t i, n = 0, videos = 0;

	for (i = 0; i < h->nr; i++) {
		if (!h->r[i].codecs[0])
			goto out;
		if (!h->r[i].video)
			audio = &h->r[i];
		videos += h->r[i].video;
	}
	if (audio && videos) {
		ar = (struct vt_audio_rendition){ "audio", "audio", NULL, audio->channels };
		ar.uri = vt_asprintf("%s/%s", audio->name, media);
		a = &ar;
	}
	for (i = 0; i < h->nr; i++) {
		struct rend *r = &h->r[i];
		const struct rend *ra = r->video ? audio : NULL;

		if (!r->video && (videos || r != audio))
			continue;	/* but the audio alone is a variant */
		if (live)
			declare(h, r, ra);
		v[n] = (struct vt_variant){ vt_asprintf("%s/%s", r->name, media),
		    live ? r->bandwidth : rate(r->peak + (ra ? ra->peak : 0)),
		    live ? r->average : rate(average(r) + (ra ? average(ra) : 0)),
		    ra ? vt_asprintf("%s,%s", r->codecs, ra->codecs) : vt_strdup(r->codecs),
		    r->width, r->height, r->frame_rate, ra ? "audio" : NULL };
		/* as RFC 8216 asks, even if no run of segments makes a peak */
		if (v[n].average_bandwidth > v[n].bandwidth)
			v[n].bandwidth = v[n].average_bandwidth;
		n++;
	}
	text = vt_master_text(v, n, a);
	if (!live || !h->master || strcmp(text, h->master)) {
		path = vt_path_join(h->o->dir, file);
		vt_write_file(path, text, strlen(text));
		free(path);
	}
	if (live) {
		free(h->master);
		h->master = text;
	} else {
		free(text);
	}
	for (i = 0; i < n; i++) {
		free((char *)v[i].uri);
		free((char *)v[i].codecs);
	}
	if (a)
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
free_parts(struct seg *s, const struct hls *h, const struct rend *r)
{
	size_t k;

	for (k = 0; k < s->nparts; k++) {
		if (h)
			unlink_in(h, r, s->parts[k].uri);
		free(s->parts[k].uri);
	}
	free(s->parts);
	s->parts = NULL;
	s->nparts = 0;
}

/* Parts leave the playlist served (a new publish, the end, parts that did
 * not make up their segment): a viewer that has just read it may still
 * fetch them. Like a segment (RFC 8216, 6.2.2), each stays for its own
 * duration plus that of the playlist that listed it. */
static void
retire(struct hls *h, const struct rend *r, struct seg *s)
{
	double listed = r->next.duration + r->part_target;
	size_t k;

	if (!s->nparts)
		return;
	for (k = window_start(h, r); k < r->n; k++)
		listed += r->segs[k].duration;
	h->gone = vt_realloc(h->gone, (h->ngone + s->nparts) * sizeof(*h->gone));
	for (k = 0; k < s->nparts; k++)
		h->gone[h->ngone++] = (struct gone){ vt_strdup(r->name), s->parts[k].uri,
		    vt_wallclock() + listed };
	free(s->parts);
	s->parts = NULL;
	s->nparts = 0;
}

/* Remove the retired parts whose time is up. */
static void
sweep(struct hls *h, double now)
{
	size_t i, n = 0;

	for (i = 0; i < h->ngone; i++) {
		struct gone *g = &h->gone[i];
		char *dir, *path;

		if (now < g->until) {
			h->gone[n++] = *g;
			continue;
		}
		dir = vt_path_join(h->o->dir, g->rendition);
		path = vt_path_join(dir, g->uri);
		if (unlink(path) < 0 && errno != ENOENT)
			vt_warn("cannot remove '%s': %s", path, strerror(errno));
		free(path);
		free(dir);
		free(g->rendition);
		free(g->uri);
	}
	h->ngone = n;
}

/* A recording moves the segments that are done with to the end of
 * RECORDED, so the state, saved at every line, stays the window's size
 * however long the stream. */
static void
record(const struct hls *h, const struct rend *r, const struct seg *s, size_t n)
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
	while (gone < from && now >= r->segs[gone].left + r->segs[gone].keep)
		gone++;
	if (!gone)
		return;
	old = vt_calloc(gone, sizeof(*old));
	memcpy(old, r->segs, gone * sizeof(*old));
	memmove(r->segs, r->segs + gone, (r->n - gone) * sizeof(*r->segs));
	r->n -= gone;
	if (h->o->record)
		record(h, r, old, gone);
	for (k = 0; k < gone; k++) {
		/* A recording keeps its segments; partial segments go all the same. */
		free_parts(&old[k], h, r);
		if (!h->o->record) {
			unlink_in(h, r, old[k].uri);
			if (old[k].init && !init_used(r, old[k].init) && (k + 1 == gone ||
			    !old[k + 1].init || strcmp(old[k].init, old[k + 1].init)))
				unlink_in(h, r, old[k].init);
		}
		r->seq0++;
		r->disc0 += old[k].disc;
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
		rendition(r, jr, 1);
		r->part_target = vt_json_num(jr, "part_target", 0);
		if (!(r->part_target >= 0 && r->part_target <= seg))
			vt_die(VT_EX_DATAERR, "input: start line: bad 'part_target'");
		/* A new publish: the parts of a segment it never finished go. */
		retire(h, r, &r->next);
	}
}

/* A partial segment of the segment being written. */
static void
on_part(struct hls *h, const json_t *line)
{
	struct rend *r = find(h, vt_json_need_str(line, "rendition"));
	int64_t cell = vt_json_need_int(line, "seq"), k = vt_json_need_int(line, "part");
	double d = vt_json_num(line, "duration", -1);
	const char *init = vt_json_str(line, "init", NULL);
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
		retire(h, r, n);
	}
	if (!n->nparts) {
		free(n->init);
		n->init = init ? vt_strdup(inside(r, init, "init")) : NULL;
		n->cell = cell;
		n->wallclock = vt_parse_iso8601(vt_json_str(line, "wallclock", NULL));
		if (n->wallclock < 0)
			n->wallclock = 0;
		n->disc = json_is_true(json_object_get(line, "discontinuity")) || r->resume;
		n->duration = 0;
	}
	n->parts = vt_realloc(n->parts, (n->nparts + 1) * sizeof(*n->parts));
	n->parts[n->nparts++] = (struct vt_part){
	    vt_strdup(inside(r, vt_json_str(line, "path", NULL), "path")), d,
	    json_is_true(json_object_get(line, "independent")) };
	n->duration += d;
}

/* The last segment of r into its peak, the bit rate of the contiguous
 * segments lasting from half to one and a half target durations (RFC 8216
 * 4.3.4.2; a longer segment alone counts too), and its average. */
static void
measure(struct hls *h, struct rend *r)
{
	double dur = 0, bytes = 0;
	size_t k, i;

	for (k = r->n; k-- > 0 && (k + 1 == r->n || dur + r->segs[k].duration <= 1.5 * h->target);) {
		dur += r->segs[k].duration;
		bytes += r->segs[k].bytes;
		if (dur > 0 && dur >= 0.5 * h->target && bytes * 8 / dur > r->peak)
			r->peak = fmin(bytes * 8 / dur, MAX_RATE);
	}
	r->bits += r->segs[r->n - 1].bytes * 8.0;
	r->seconds += r->segs[r->n - 1].duration;
	if (h->known)
		return;
	for (i = 0; i < h->nr && h->r[i].seconds >= KNOWN; i++)
		;
	/* The master's rates are declared again from what is measured. */
	if ((h->known = i == h->nr))
		for (i = 0; i < h->nr; i++)
			h->r[i].bandwidth = 0;
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
	s->init = init ? vt_strdup(inside(r, init, "init")) : NULL;
	s->duration = d;
	s->wallclock = vt_parse_iso8601(vt_json_str(line, "wallclock", NULL));
	if (s->wallclock < 0)
		s->wallclock = 0;
	s->disc = json_is_true(json_object_get(line, "discontinuity")) || r->resume;
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
	retire(h, r, &r->next);
	r->n++;
	r->resume = 0;
	h->ended = 0;
	h->segments++;
	if ((codecs = vt_json_str(line, "codecs", NULL)) && *codecs &&
	    strlen(codecs) < sizeof(r->codecs) && !strpbrk(codecs, "\"\n\r"))
		snprintf(r->codecs, sizeof(r->codecs), "%s", codecs);
	measure(h, r);
	cleanup(h, r, now);
	write_media(h, r, window_start(h, r), "index.m3u8", 0);
	write_master(h, "master.m3u8", "index.m3u8");
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
		write_media(h, &all, 0, "recording.m3u8", 1);
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
			retire(h, &h->r[i], &h->r[i].segs[k]);
		write_media(h, &h->r[i], window_start(h, &h->r[i]), "index.m3u8", 0);
		if (h->o->record)
			write_recording(h, &h->r[i]);
	}
	write_master(h, "master.m3u8", "index.m3u8");
	if (h->o->record)
		write_master(h, "recording.m3u8", "recording.m3u8");
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
	sweep(h, vt_wallclock());
	if (!strcmp(type, "start"))
		on_start(h, line);
	else if (!strcmp(type, "segment"))
		on_segment(h, line, vt_wallclock());
	else if (!strcmp(type, "part"))
		on_part(h, line);
	else if (!strcmp(type, "end"))
		for (i = 0; i < h->nr; i++)
			retire(h, &h->r[i], &h->r[i].next);
	else
		vt_die(VT_EX_DATAERR, "standard input: line %lld: unknown type '%s'",
		    (long long)lineno, type);
	/* Partial segments come and go too often to be worth the state. */
	if (strcmp(type, "start") && strcmp(type, "part"))
		save(h);
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
	struct hls h = { .o = o };
	struct vt_httpd *srv = NULL;
	size_t i, k;

	vt_mkdirs(o->dir);
	load(&h);
	if (o->listen) {
		char *d = vt_strdup(o->dir), *e = d + strlen(d);

		while (e > d + 1 && e[-1] == '/')
			*--e = '\0';
		h.base = vt_strdup(strrchr(d, '/') ? strrchr(d, '/') + 1 : d);
		free(d);
		srv = vt_httpd_open(o->listen, serve, &h);
	}
	read_lines(&h, fileno(in), srv);
	if (h.nr && !o->open)
		finish(&h);
	save(&h);
	/* Held requests get the last playlist. */
	vt_httpd_close(srv);
	vt_json_print(json_pack("{s:s,s:I,s:I,s:b}", "master", "master.m3u8",
	    "segments", (json_int_t)h.segments, "renditions", (json_int_t)h.nr,
	    "recording", o->record));
	for (i = 0; i < h.nr; i++) {
		for (k = 0; k < h.r[i].n; k++) {
			free_parts(&h.r[i].segs[k], NULL, NULL);
			free(h.r[i].segs[k].uri);
			free(h.r[i].segs[k].init);
		}
		free_parts(&h.r[i].next, NULL, NULL);
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
