/* LL-HLS: the playlists vt-hls --listen serves, with partial segments
 * and blocking reload (RFC 8216bis). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "livestate.h"

/* The latest segment and part of r: part -1 if the last
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

	vt_lh_media_playlist(h, r, vt_lh_window_start(h, r), 0, &pl);
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
int
vt_lh_serve(void *arg, const char *path, const char *query, double waited,
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
		r = vt_lh_find(h, name);
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
