/* Scrubbing previews: sprite sheets of small frames and a WebVTT track. */
#ifndef VT_SPRITE_H
#define VT_SPRITE_H

#include <jansson.h>

#include "thumbseek.h"

struct vt_sprite_opts {
	double interval;	/* seconds between tiles; 0: no sprite */
	int tile_width;		/* pixels; the height keeps the display aspect */
	int columns;		/* tiles per row */
	int rows;		/* rows per sheet; more tiles go to further sheets */
	int quality;		/* JPEG qscale, 1..31 */
};

/* Stage the sheets (dir/sprite.jpg, or dir/sprite-1.jpg, -2, ... when
 * one sheet of columns x rows tiles does not hold them all) and
 * dir/sprite.vtt. Tile i shows the frame at i * interval seconds; its cue
 * runs from there to the next tile, the last one to the end of the
 * video (see vt_seeker_duration). Returns the description (see
 * vt-thumb(1)). Dies with VT_EX_USAGE if a sheet would be too large or
 * there would be over 20000 tiles. */
json_t *vt_sprite(struct vt_seeker *s, const char *dir, const struct vt_sprite_opts *o);

/* Milliseconds as a WebVTT timestamp, HH:MM:SS.mmm, into buf. */
void vt_vtt_time(char buf[32], long long ms);

#endif
