/* Live transcoding: one input (an RTMP or SRT publisher, a pulled URL or a
 * file read in real time) to a ladder of HLS segments, each reported as a
 * JSON line on standard output when it is complete. See
 * vt-livesegment(1). */
#ifndef VT_LIVE_H
#define VT_LIVE_H

#include "ladder.h"
#include "segment.h"

struct vt_live_opts {
	const char *url;
	int listen;		/* accept a publisher on url */
	int realtime;		/* read at the input's own rate (files) */
	int wait;		/* when the publisher leaves, wait for the next */
	double stall;		/* seconds without data that end a publish */
	const char *dir;
	enum vt_segfmt fmt;
	double part;		/* seconds per partial segment (LL-HLS); 0: none */
	struct vt_params p;
	int queue;		/* frames an encoder may fall behind before
				   frames are dropped */
};

/* Run until the input ends (or, with wait, until a signal). Returns the
 * exit status; fatal errors die. */
int vt_live_run(const struct vt_live_opts *o);

#endif
