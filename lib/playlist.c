/* HLS playlists (RFC 8216): media playlists and the master playlist. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vt.h"
#include "playlist.h"

struct buf {
	char *s;
	size_t len, cap;
};

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = vt_realloc(b->s, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

int
vt_playlist_text_ok(const char *s)
{
	for (; *s; s++)
		if (*s == '"' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* A URI or quoted value must not break the line or the quotes. */
static const char *
checked(const char *s)
{
	if (!vt_playlist_text_ok(s))
		vt_die(VT_EX_SOFTWARE, "refusing playlist text '%s'", s);
	return s;
}

int
vt_playlist_target(const struct vt_segment *segs, size_t n)
{
	size_t i;
	int t = 1;

	for (i = 0; i < n; i++)
		if ((int)lround(segs[i].duration) > t)
			t = (int)lround(segs[i].duration);
	return t;
}

static void
datetime(struct buf *b, double t)
{
	char d[32];

	vt_iso8601(d, sizeof(d), t);
	bprintf(b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", d);
}

char *
vt_playlist_text(const struct vt_playlist *pl)
{
	struct buf b = { 0 };
	const char *map = NULL;
	size_t i, k;
	int v = pl->map_uri ? 6 : 3;

	for (i = 0; i < pl->nsegs; i++)
		if (pl->segs[i].map)
			v = 6;
	if (pl->iframes && v < 4)
		v = 4;
	bprintf(&b, "#EXTM3U\n#EXT-X-VERSION:%d\n", v);
	bprintf(&b, "#EXT-X-TARGETDURATION:%d\n", pl->target);
	bprintf(&b, "#EXT-X-MEDIA-SEQUENCE:%lld\n", (long long)pl->media_sequence);
	if (pl->discontinuity_sequence)
		bprintf(&b, "#EXT-X-DISCONTINUITY-SEQUENCE:%lld\n",
		    (long long)pl->discontinuity_sequence);
	if (pl->vod)
		bprintf(&b, "#EXT-X-PLAYLIST-TYPE:VOD\n");
	if (pl->can_block || pl->hold_back > 0) {
		const char *sep = "";

		bprintf(&b, "#EXT-X-SERVER-CONTROL:");
		if (pl->can_block)
			bprintf(&b, "CAN-BLOCK-RELOAD=YES"), sep = ",";
		if (pl->part_target > 0)
			bprintf(&b, "%sPART-HOLD-BACK=%.3f", sep, pl->part_hold_back), sep = ",";
		if (pl->hold_back > 0)
			bprintf(&b, "%sHOLD-BACK=%.3f", sep, pl->hold_back);
		bprintf(&b, "\n");
	}
	if (pl->part_target > 0)
		bprintf(&b, "#EXT-X-PART-INF:PART-TARGET=%.5f\n", pl->part_target);
	bprintf(&b, "#EXT-X-INDEPENDENT-SEGMENTS\n");
	if (pl->iframes)
		bprintf(&b, "#EXT-X-I-FRAMES-ONLY\n");
	for (i = 0; i < pl->nsegs; i++) {
		const struct vt_segment *s = &pl->segs[i];
		const char *m = s->map ? s->map : pl->map_uri;

		if (s->discontinuity)
			bprintf(&b, "#EXT-X-DISCONTINUITY\n");
		if (m && (!map || strcmp(m, map)))
			bprintf(&b, "#EXT-X-MAP:URI=\"%s\"\n", checked(m));
		map = m;
		if (s->wallclock > 0)
			datetime(&b, s->wallclock);
		for (k = 0; k < s->nparts; k++)
			bprintf(&b, "#EXT-X-PART:DURATION=%.5f,URI=\"%s\"%s\n", s->parts[k].duration,
			    checked(s->parts[k].uri), s->parts[k].independent ? ",INDEPENDENT=YES" : "");
		if (!s->incomplete && pl->iframes)
			bprintf(&b, "#EXTINF:%.6f,\n#EXT-X-BYTERANGE:%lld@%lld\n%s\n", s->duration,
			    (long long)s->bytes, (long long)s->offset, checked(s->uri));
		else if (!s->incomplete)
			bprintf(&b, "#EXTINF:%.6f,\n%s\n", s->duration, checked(s->uri));
	}
	for (i = 0; i < pl->nreports; i++) {
		bprintf(&b, "#EXT-X-RENDITION-REPORT:URI=\"%s\",LAST-MSN=%lld",
		    checked(pl->reports[i].uri), (long long)pl->reports[i].msn);
		if (pl->reports[i].part >= 0)
			bprintf(&b, ",LAST-PART=%lld", (long long)pl->reports[i].part);
		bprintf(&b, "\n");
	}
	if (pl->ended)
		bprintf(&b, "#EXT-X-ENDLIST\n");
	return b.s;
}

void
vt_playlist_write(const char *path, const struct vt_playlist *pl)
{
	char *s = vt_playlist_text(pl);

	vt_write_file(path, s, strlen(s));
	free(s);
}

static void
media_line(struct buf *b, const struct vt_audio_rendition *a)
{
	bprintf(b, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"%s\"", checked(a->group));
	if (a->language)
		bprintf(b, ",LANGUAGE=\"%s\"", checked(a->language));
	bprintf(b, ",NAME=\"%s\",DEFAULT=%s,AUTOSELECT=%s", checked(a->name),
	    a->not_default ? "NO" : "YES", a->no_autoselect ? "NO" : "YES");
	if (a->characteristics)
		bprintf(b, ",CHARACTERISTICS=\"%s\"", checked(a->characteristics));
	bprintf(b, ",CHANNELS=\"%d\",URI=\"%s\"\n", a->channels, checked(a->uri));
}

static char *
master_text(const struct vt_variant *v, size_t n, const struct vt_audio_rendition *a,
    size_t na, const struct vt_session_data *sd, size_t nsd)
{
	struct buf b = { 0 };
	size_t i;

	bprintf(&b, "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n");
	for (i = 0; i < nsd; i++)
		bprintf(&b, "#EXT-X-SESSION-DATA:DATA-ID=\"%s\",URI=\"%s\"\n", checked(sd[i].id),
		    checked(sd[i].uri));
	for (i = 0; i < na; i++)
		media_line(&b, &a[i]);
	for (i = 0; i < n; i++) {
		bprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%lld,AVERAGE-BANDWIDTH=%lld,CODECS=\"%s\"",
		    (long long)v[i].bandwidth, (long long)v[i].average_bandwidth,
		    checked(v[i].codecs));
		if (v[i].width > 0)
			bprintf(&b, ",RESOLUTION=%dx%d,FRAME-RATE=%.3f", v[i].width, v[i].height,
			    v[i].frame_rate);
		if (v[i].audio_group)
			bprintf(&b, ",AUDIO=\"%s\"", checked(v[i].audio_group));
		bprintf(&b, "\n%s\n", checked(v[i].uri));
	}
	for (i = 0; i < n; i++) {
		const struct vt_iframe_stream *f = v[i].iframes;

		if (f)
			bprintf(&b, "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=%lld,AVERAGE-BANDWIDTH=%lld,"
			    "CODECS=\"%s\",RESOLUTION=%dx%d,URI=\"%s\"\n", (long long)f->bandwidth,
			    (long long)f->average_bandwidth, checked(f->codecs), v[i].width, v[i].height,
			    checked(f->uri));
	}
	return b.s;
}

char *
vt_master_text(const struct vt_variant *v, size_t n, const struct vt_audio_rendition *a)
{
	return master_text(v, n, a, a ? 1 : 0, NULL, 0);
}

void
vt_master_write(const char *path, const struct vt_variant *v, size_t n,
    const struct vt_audio_rendition *a, size_t na, const struct vt_session_data *sd,
    size_t nsd)
{
	char *s = master_text(v, n, a, na, sd, nsd);

	vt_write_file(path, s, strlen(s));
	free(s);
}
