/* Live HLS: the sliding window, its playlists and the master's rates,
 * and the cleanup of the segments that left it. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt.h"
#include "livestate.h"

/* The master's BANDWIDTH is the measured peak this much higher (see
 * declare), once every rendition has KNOWN seconds measured. */
#define MARGIN 1.1
#define KNOWN 30.0

size_t
vt_lh_window_start(const struct hls *h, const struct rend *r)
{
	return r->n > (size_t)h->o->window ? r->n - h->o->window : 0;
}

void
vt_lh_media_playlist(const struct hls *h, const struct rend *r, size_t from, int vod,
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

void
vt_lh_write_media(const struct hls *h, const struct rend *r, size_t from, const char *file,
    int vod)
{
	struct vt_playlist pl;
	char *dir = vt_path_join(h->o->dir, r->name), *path = vt_path_join(dir, file);

	vt_lh_media_playlist(h, r, from, vod, &pl);
	vt_playlist_write(path, &pl);
	free(pl.segs);
	free(path);
	free(dir);
}

/* A rate for the master: whole bits per second, no more than MAX_RATE. */
static int64_t
rate(double bps)
{
	return bps < MAX_RATE ? (int64_t)ceil(bps) : MAX_RATE;
}

double
vt_lh_average(const struct rend *r)
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

	return max + fmax(0, vt_lh_average(r) - r->bitrate);
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
	double peak = v->peak + (a ? a->peak : 0), avg = vt_lh_average(v) + (a ? vt_lh_average(a) : 0);

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

/* The stream's master (--stream-master): the master one folder up, its
 * URIs into the broadcast's folder. */
static void
write_stream_master(const struct hls *h, const struct vt_variant *v, size_t n,
    const struct vt_audio_rendition *a)
{
	struct vt_variant *up = vt_calloc(n, sizeof(*up));
	struct vt_audio_rendition ua;
	char *text, *path;
	size_t i;

	for (i = 0; i < n; i++) {
		up[i] = v[i];
		up[i].uri = vt_asprintf("%s/%s", h->base, v[i].uri);
	}
	if (a) {
		ua = *a;
		ua.uri = vt_asprintf("%s/%s", h->base, a->uri);
	}
	text = vt_master_text(up, n, a ? &ua : NULL);
	path = vt_path_join(h->o->dir, "../master.m3u8");
	vt_write_file(path, text, strlen(text));
	free(path);
	free(text);
	for (i = 0; i < n; i++)
		free((char *)up[i].uri);
	if (a)
		free((char *)ua.uri);
	free(up);
}

/* The master, once every rendition has a segment, written only when it
 * changes. The recording's, of a stream that is over, declares the peak
 * and the average as they are. */
void
vt_lh_write_master(struct hls *h, const char *file, const char *media)
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
		ar = (struct vt_audio_rendition){ "audio", "audio", NULL, audio->channels,
		    NULL, NULL, 0, 0 };
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
		    live ? r->average : rate(vt_lh_average(r) + (ra ? vt_lh_average(ra) : 0)),
		    ra ? vt_asprintf("%s,%s", r->codecs, ra->codecs) : vt_strdup(r->codecs),
		    r->width, r->height, r->frame_rate, ra ? "audio" : NULL, NULL };
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
		if (live && h->o->stream_master)
			write_stream_master(h, v, n, a);
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

void
vt_lh_free_parts(struct seg *s, const struct hls *h, const struct rend *r)
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
void
vt_lh_retire(struct hls *h, const struct rend *r, struct seg *s)
{
	double listed = r->next.duration + r->part_target;
	size_t k;

	if (!s->nparts)
		return;
	for (k = vt_lh_window_start(h, r); k < r->n; k++)
		listed += r->segs[k].duration;
	h->gone = vt_realloc(h->gone, (h->ngone + s->nparts) * sizeof(*h->gone));
	for (k = 0; k < s->nparts; k++)
		h->gone[h->ngone++] = (struct gone){ vt_strdup(r->name), s->parts[k].uri,
		    vt_wallclock() + listed };
	free(s->parts);
	s->parts = NULL;
	s->nparts = 0;
}

void
vt_lh_sweep(struct hls *h, double now)
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

void
vt_lh_cleanup(struct hls *h, struct rend *r, double now)
{
	size_t from = vt_lh_window_start(h, r), k, gone = 0;
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
		vt_lh_record(h, r, old, gone);
	for (k = 0; k < gone; k++) {
		/* A recording keeps its segments; partial segments go all the same. */
		vt_lh_free_parts(&old[k], h, r);
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

/* The last segment of r into its peak, the bit rate of the contiguous
 * segments lasting from half to one and a half target durations (RFC 8216
 * 4.3.4.2; a longer segment alone counts too), and its average. */
void
vt_lh_measure(struct hls *h, struct rend *r)
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
