/* Progress of a transfer on standard error: one line redrawn on a
 * terminal, or when forced elsewhere a line every tenth of the way. */
#ifndef VT_PROGRESS_H
#define VT_PROGRESS_H

#include <stdint.h>

struct vt_progress {
	int mode;		/* 0 off, 1 terminal, 2 lines */
	int shown;		/* a terminal line is drawn */
	int last_tenth, last_obj;
	double t0;
};

/* Off unless standard error is a terminal or force is set. A line is
 * printed each tenth of the bytes, and when the last object is done. */
void vt_progress_init(struct vt_progress *p, int force);
/* "label: 3.1 of 12.0 MiB (25%), 2 of 9 objects, 4.0 MiB/s"; total < 0 if
 * unknown, nobj < 0 to leave the objects out. */
void vt_progress_show(struct vt_progress *p, const char *label, int64_t done, int64_t total,
    int obj, int nobj);
/* Erase a terminal line, so that a message can be printed. */
void vt_progress_clear(struct vt_progress *p);

#endif
