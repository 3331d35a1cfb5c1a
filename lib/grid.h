/* The segment grid shared by the encoder (forced keyframes) and the
 * packager (cuts). Output timestamps are in 1/90000 s and start at the
 * params offset; grid cell k covers [offset + k*seg, offset + (k+1)*seg). */
#ifndef VT_GRID_H
#define VT_GRID_H

#include <stdint.h>
#include <libavutil/rational.h>

#define VT_TB ((AVRational){ 1, 90000 })

struct vt_grid {
	int64_t origin;	/* output ticks of cell 0's start */
	int64_t seg;	/* ticks per cell */
};

void vt_grid_init(struct vt_grid *g, double offset, double seg);
/* Cell index of an output timestamp; times before the origin are cell 0. */
int64_t vt_grid_cell(const struct vt_grid *g, int64_t ts);

#endif
