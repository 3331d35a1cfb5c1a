/* Scrubbing previews: sprite sheets of small frames and a WebVTT track. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "vt.h"
#include "image.h"
#include "sprite.h"

/* JPEG holds up to 65535 pixels a side; browsers want far less. */
#define MAX_SHEET 16384
/* The sheets are held in memory until all are done. */
#define MAX_TILES 20000

void
vt_vtt_time(char buf[32], long long ms)
{
	snprintf(buf, 32, "%02lld:%02lld:%02lld.%03lld", ms / 3600000, ms / 60000 % 60,
	    ms / 1000 % 60, ms % 1000);
}

json_t *
vt_sprite(struct vt_seeker *s, const char *dir, const struct vt_sprite_opts *o)
{
	long long step = llround(o->interval * 1000), end, n, i, first, count;
	int tw, th, cols, rows, x, y, k, nsheets;
	json_t *out, *sheets = json_array();
	char *vtt = NULL, *name, *path, a[32], b[32];
	size_t vttlen = 0;
	unsigned char *jpeg;
	const AVFrame *f;
	AVFrame *sheet, *tile;
	FILE *cues;
	size_t len;

	end = llround(vt_seeker_duration(s) * 1000);
	end = end < 1 ? 1 : end;
	step = step < 1 ? 1 : step;
	n = (end + step - 1) / step;
	if (n > MAX_TILES)
		vt_die(VT_EX_USAGE, "a sprite of %lld tiles is over %d; take a longer interval",
		    n, MAX_TILES);
	vt_image_fit(s->display_w, s->display_h, o->tile_width, 0, 0, &tw, &th);
	cols = n < o->columns ? (int)n : o->columns;
	if ((long long)cols * tw > MAX_SHEET || (long long)o->rows * th > MAX_SHEET)
		vt_die(VT_EX_USAGE, "a sprite sheet of %d x %d tiles of %dx%d is over %d pixels a side",
		    cols, o->rows, tw, th, MAX_SHEET);
	nsheets = (int)((n + (long long)cols * o->rows - 1) / ((long long)cols * o->rows));
	if (!(cues = open_memstream(&vtt, &vttlen)))
		vt_die(VT_EX_SOFTWARE, "out of memory");
	fputs("WEBVTT\n\n", cues);
	for (k = 0, first = 0; k < nsheets; k++, first += count) {
		count = FFMIN((long long)cols * o->rows, n - first);
		rows = (int)((count + cols - 1) / cols);
		sheet = vt_image_new(cols * tw, rows * th);
		name = nsheets == 1 ? vt_strdup("sprite.jpg") : vt_asprintf("sprite-%d.jpg", k + 1);
		for (i = first; i < first + count; i++) {
			x = (int)((i - first) % cols) * tw;
			y = (int)((i - first) / cols) * th;
			f = vt_seeker_frame_at(s, s->start + av_rescale_q(i * step, (AVRational){ 1, 1000 },
			    s->st->time_base));
			tile = vt_image_rgb(f, s->rotation, tw, th, 0);
			vt_image_blit(sheet, tile, x, y);
			av_frame_free(&tile);
			vt_vtt_time(a, i * step);
			vt_vtt_time(b, FFMIN((i + 1) * step, end));
			fprintf(cues, "%s --> %s\n%s#xywh=%d,%d,%d,%d\n\n", a, b, name, x, y, tw, th);
		}
		jpeg = vt_image_jpeg(sheet, o->quality, &len);
		path = vt_path_join(dir, name);
		vt_stage_file(path, jpeg, len);
		json_array_append_new(sheets, json_pack("{s:s,s:s,s:i,s:i,s:i,s:i,s:I}", "path", path,
		    "url", name, "width", sheet->width, "height", sheet->height,
		    "columns", cols, "rows", rows, "tiles", (json_int_t)count));
		av_frame_free(&sheet);
		free(name);
		free(path);
	}
	if (fclose(cues) == EOF)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	path = vt_path_join(dir, "sprite.vtt");
	vt_stage_file(path, (unsigned char *)vtt, vttlen);
	out = json_pack("{s:s,s:f,s:I,s:i,s:i,s:i,s:i,s:o}", "vtt", path,
	    "interval", step / 1000.0, "tiles", (json_int_t)n, "tile_width", tw, "tile_height", th,
	    "columns", cols, "rows_per_sheet", o->rows, "sheets", sheets);
	free(path);
	return out;
}
