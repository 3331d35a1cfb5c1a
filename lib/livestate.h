/* The state of vt-hls --live, shared by the files that keep it:
 * livehls.c (the lines, the state file and the recording), livewindow.c
 * (the sliding window, the playlists, cleanup), llhls.c (the LL-HLS
 * server) and livestatus.c (the stream's status and metrics). Private to
 * them; see livehls.h for the API. */
#ifndef VT_LIVESTATE_H
#define VT_LIVESTATE_H

#include <stdint.h>
#include <jansson.h>

#include "httpd.h"
#include "livehls.h"
#include "playlist.h"

/* Bounds on the numbers in lines and the state: far past any real stream,
 * yet no sum or product of them overflows. Counters stay below 2^53, which
 * players that read numbers as doubles hold exactly. */
#define MAX_COUNT (1LL << 53)
#define MAX_BYTES (1LL << 40)		/* a segment */
#define MAX_RATE 100000000000000LL	/* bits per second */
#define MAX_TIME 253402300799.0		/* 9999-12-31T23:59:59Z */
#define MAX_DURATION 3600.0		/* a segment */

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
	double speed, lag;	/* of its newest segment's health; -1: unknown */
};

/* What the lines tell of the stream, for its status (livestatus.c). */
struct stream_health {
	int width, height;	/* of the input; 0: unknown */
	double frame_rate;
	char video_codec[65], audio_codec[65];
	int64_t bitrate;	/* read from the input; -1: unknown */
	int64_t dropped;	/* frames, in this publish; -1: unknown */
	double last;		/* Unix time the newest segment's last frame came in */
	char end[65];		/* why the input ended, in this run; "": it has not */
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
	int known;		/* every rendition has enough seconds measured */
	char *master;		/* the text last written */
	char *base;		/* the last component of the folder's path */
	int64_t segments;
	struct stream_health health;
};

/* The rendition called name, or NULL. */
struct rend *vt_lh_find(struct hls *h, const char *name);

/* livewindow.c. Where r's window starts in r->segs. */
size_t vt_lh_window_start(const struct hls *h, const struct rend *r);
/* The playlist of r's segments from from on, in pl; its segment array is
 * malloc'ed. */
void vt_lh_media_playlist(const struct hls *h, const struct rend *r, size_t from, int vod,
    struct vt_playlist *pl);
/* r's segments from from on into the rendition's file. */
void vt_lh_write_media(const struct hls *h, const struct rend *r, size_t from,
    const char *file, int vod);
/* The master file listing each rendition's media, once every rendition
 * has a segment; master.m3u8 declares the live rates, only when they change. */
void vt_lh_write_master(struct hls *h, const char *file, const char *media);
/* r's newest segment into its peak and average rates; the average. */
double vt_lh_average(const struct rend *r);
void vt_lh_measure(struct hls *h, struct rend *r);
/* Segments that left r's window long enough ago go, at time now. */
void vt_lh_cleanup(struct hls *h, struct rend *r, double now);
/* Free s's parts, and remove their files if h is given. */
void vt_lh_free_parts(struct seg *s, const struct hls *h, const struct rend *r);
/* s's parts of r leave the playlist served: into h->gone, to be removed
 * when a viewer that read it can no longer want them. */
void vt_lh_retire(struct hls *h, const struct rend *r, struct seg *s);
/* Remove the retired parts whose time is up at now. */
void vt_lh_sweep(struct hls *h, double now);

/* livestatus.c. A new rendition's health is unknown; the start, segment
 * and end lines add to it. */
void vt_lh_health_init(struct rend *r);
void vt_lh_take_start(struct hls *h, const json_t *line);
void vt_lh_take_segment(struct hls *h, struct rend *r, const json_t *line, const struct seg *s);
void vt_lh_take_end(struct hls *h, const json_t *line);
/* The health in the state file, and back (after the renditions). */
json_t *vt_lh_health_json(const struct hls *h);
void vt_lh_health_load(struct hls *h, const json_t *j);
/* The status and metrics files, if asked for. */
void vt_lh_status_write(const struct hls *h);

/* livehls.c. The n segments s of r that left the window, to the recording. */
void vt_lh_record(const struct hls *h, const struct rend *r, const struct seg *s, size_t n);

/* llhls.c. The vt_httpd handler for h's playlists. */
int vt_lh_serve(void *arg, const char *path, const char *query, double waited,
    struct vt_httpd_reply *rep);

#endif
