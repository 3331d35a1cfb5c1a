/* The video ladder encoder: one filter graph splits each frame to a scaler
 * per rung, and each rung has a libx264 encoder in a thread of its own,
 * fed through a bounded queue. VOD chunks and live streams both use it. */
#ifndef VT_VENC_H
#define VT_VENC_H

#include <libavcodec/avcodec.h>

#include "grid.h"
#include "ladder.h"

/* A packet from rung i, in enc's time base (VT_TB). Called from that
 * rung's encoder thread; the packet is the callee's to keep or unref. */
typedef void (*vt_packet_fn)(void *arg, int i, const AVCodecContext *enc, AVPacket *pkt);

/* Frames queued per rung unless told. */
#define VT_VENC_QUEUE 8

struct vt_venc_conf {
	const struct vt_source *src;	/* sar, rotation and fps */
	const struct vt_params *p;	/* preset, threads, seg, offset */
	int live;		/* tune for latency: no B-frames or lookahead,
				   no scene-cut keyframes */
	int queue;		/* frames queued per rung (0: VT_VENC_QUEUE) */
	vt_packet_fn onpacket;
	void *arg;
};

struct vt_venc;

/* Start the encoders for rungs[0..n-1]; the conf and rungs must outlive
 * the encoder. */
struct vt_venc *vt_venc_new(const struct vt_rung *rungs, int n, const struct vt_venc_conf *c);
/* Encode f, whose pts is already on the output timeline (VT_TB ticks).
 * Frames must come in increasing pts order; their size and format may
 * change between frames. Every rung gets an IDR frame where the grid cell
 * changes, and on the first frame. */
void vt_venc_push(struct vt_venc *e, AVFrame *f);
/* The most frames waiting in any rung's queue, and in *wait (if not NULL)
 * the longest time a rung will take to encode what waits, at its average
 * speed so far: a live caller drops frames rather than let these grow. */
int vt_venc_backlog(struct vt_venc *e, double *wait);
int vt_venc_queue_size(const struct vt_venc *e);
/* Seconds rung i's encoder has worked so far. */
double vt_venc_busy(struct vt_venc *e, int i);
/* Flush every rung and wait for its thread; then free everything.
 * vt_venc_finish does both. */
void vt_venc_flush(struct vt_venc *e);
void vt_venc_free(struct vt_venc *e);
void vt_venc_finish(struct vt_venc *e);

#endif
