/* The segment grid shared by the encoder and the packager. */
#include <math.h>

#include "grid.h"

void
vt_grid_init(struct vt_grid *g, double offset, double seg)
{
	g->origin = llround(offset * 90000);
	g->seg = llround(seg * 90000);
	if (g->seg < 1)
		g->seg = 1;
}

int64_t
vt_grid_cell(const struct vt_grid *g, int64_t ts)
{
	return ts <= g->origin ? 0 : (ts - g->origin) / g->seg;
}
