/* The state of vt-livesegment, shared by its two halves: live.c (the
 * input session: open and read the input, wait for a publisher, decode,
 * keep the timeline continuous, feed the encoders) and livecut.c (the
 * segment cutter: cut the encoded packets on the grid into segments and
 * parts, and report each as a line). Private to them; see live.h for the
 * API. */
#ifndef VT_LIVECUT_H
#define VT_LIVECUT_H

#include <pthread.h>
#include <stdatomic.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <jansson.h>

#include "aenc.h"
#include "grid.h"
#include "live.h"
#include "venc.h"

/* One rendition being cut into segments: a rung, or the audio. */
struct rend {
	struct live *lv;
	int index;		/* rung index; -1 for audio */
	const char *name;
	char *dir;		/* absolute */
	const struct vt_rung *rung;
	struct vt_segwriter *w;
	char init[40], seg[40], codecs[40];
	int open, disc;
	int64_t cell, start, end, bytes, frames;
	/* LL-HLS: the partial segment being written, the part'th of the
	 * segment; it covers part grid slot pslot */
	int part, popen, pindep;
	int64_t pslot, pstart, pend;
	char pname[48];
	double busy0;
	int64_t in0;		/* input bytes read when the segment began */
	double t0;		/* and when */
};

/* A decoded input stream and the map of its timestamps to the output. */
struct stream {
	int idx;
	AVStream *st;
	AVCodecContext *dec;
	int64_t adj;		/* microseconds added to keep it continuous */
	int64_t last, lastdur;	/* microseconds, after adj */
	int64_t errors;
};

struct live {
	const struct vt_live_opts *o;
	struct vt_params p;
	struct vt_grid grid;
	int64_t part;		/* ticks per partial segment; 0: none */
	struct vt_source src;
	struct vt_rung rungs[VT_MAX_RUNGS];
	int nrungs, has_audio, planned;
	json_t *skipped, *notes;
	struct rend *r;		/* nrungs rungs, then the audio */
	int nr;
	struct vt_venc_conf vconf;
	struct vt_venc *venc;
	struct vt_aenc *aenc;
	/* the current epoch: one publish */
	int epoch, resumed;
	int64_t first_cell;	/* the epoch's first grid cell */
	int64_t base;		/* output ticks where it starts */
	int64_t in0;		/* input microseconds at base */
	double wall0;		/* Unix time at base */
	struct stream v, a;
	int64_t last_vout;
	atomic_llong vin_end;	/* output ticks where the newest video frame
				   read ends, kept or dropped */
	atomic_llong dropped;
	atomic_llong inbytes;	/* read from the input in this publish */
	int dropwarned, droppable;	/* a live input: drop rather than wait */
	/* reading */
	AVFormatContext *in;
	int reading, stalled, openfails;
	double activity;	/* vt_now() of the last data */
	double opened;		/* Unix time the publish began */
	double rt_t0;		/* --realtime: clock at rt_in0 */
	int64_t rt_in0;
	pthread_mutex_t out;	/* standard output */
};

/* Print a line on standard output, whole among the threads'. Steals it. */
void vt_lc_emit(struct live *lv, json_t *line);

/* The encoders' packet callbacks (vt_venc_conf.onpacket, vt_aenc_new):
 * rendition i's packet, cut where its grid cell changes. */
void vt_lc_video_packet(void *lv, int i, const AVCodecContext *enc, AVPacket *pkt);
void vt_lc_audio_packet(void *lv, int i, const AVCodecContext *enc, AVPacket *pkt);

/* At the end of a publish, once the encoders are flushed: finish or drop
 * each rendition's open segment and close its writer. Returns the grid
 * cell the next publish starts at. */
int64_t vt_lc_end_epoch(struct live *lv);

/* The highest grid cell of any segment already in dir, or -1: a restarted
 * stream goes on after it. */
int64_t vt_lc_last_cell(const char *dir);

#endif
