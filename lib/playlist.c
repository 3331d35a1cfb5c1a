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

/* A URI or quoted value must not break the line or the quotes. */
static const char *
checked(const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (*p == '"' || *p == '\n' || *p == '\r' || (unsigned char)*p < 0x20)
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
	time_t s = (time_t)t;
	struct tm tm;
	char d[32];

	gmtime_r(&s, &tm);
	strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
	bprintf(b, "#EXT-X-PROGRAM-DATE-TIME:%s.%03dZ\n", d, (int)((t - s) * 1000));
}

void
vt_playlist_write(const char *path, const struct vt_playlist *pl)
{
	struct buf b = { 0 };
	size_t i;

	bprintf(&b, "#EXTM3U\n#EXT-X-VERSION:%d\n", pl->map_uri ? 6 : 3);
	bprintf(&b, "#EXT-X-TARGETDURATION:%d\n", pl->target);
	bprintf(&b, "#EXT-X-MEDIA-SEQUENCE:%lld\n", (long long)pl->media_sequence);
	if (pl->discontinuity_sequence)
		bprintf(&b, "#EXT-X-DISCONTINUITY-SEQUENCE:%lld\n",
		    (long long)pl->discontinuity_sequence);
	if (pl->vod)
		bprintf(&b, "#EXT-X-PLAYLIST-TYPE:VOD\n");
	bprintf(&b, "#EXT-X-INDEPENDENT-SEGMENTS\n");
	if (pl->map_uri)
		bprintf(&b, "#EXT-X-MAP:URI=\"%s\"\n", checked(pl->map_uri));
	for (i = 0; i < pl->nsegs; i++) {
		const struct vt_segment *s = &pl->segs[i];

		if (s->discontinuity)
			bprintf(&b, "#EXT-X-DISCONTINUITY\n");
		if (s->wallclock > 0)
			datetime(&b, s->wallclock);
		bprintf(&b, "#EXTINF:%.6f,\n%s\n", s->duration, checked(s->uri));
	}
	if (pl->ended)
		bprintf(&b, "#EXT-X-ENDLIST\n");
	vt_write_file(path, b.s, b.len);
	free(b.s);
}

void
vt_master_write(const char *path, const struct vt_variant *v, size_t n,
    const struct vt_audio_rendition *a)
{
	struct buf b = { 0 };
	size_t i;

	bprintf(&b, "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n");
	if (a)
		bprintf(&b, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"%s\",NAME=\"%s\",DEFAULT=YES,"
		    "AUTOSELECT=YES,CHANNELS=\"%d\",URI=\"%s\"\n", checked(a->group),
		    checked(a->name), a->channels, checked(a->uri));
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
	vt_write_file(path, b.s, b.len);
	free(b.s);
}
