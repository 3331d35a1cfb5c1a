/* A watermark burnt into every rung: text, or a PNG logo. It is sized
 * against each rung's height, so it looks the same at every size. The
 * text is handed to drawtext as an option value, never as filter graph
 * syntax, and drawn exactly as given: no escapes, no %{} expansion. */
#ifndef VT_WATERMARK_H
#define VT_WATERMARK_H

#include <libavfilter/avfilter.h>
#include <jansson.h>

enum vt_wm_position {
	VT_WM_TOP_LEFT, VT_WM_TOP_RIGHT, VT_WM_BOTTOM_LEFT, VT_WM_BOTTOM_RIGHT, VT_WM_CENTER,
};

struct vt_watermark {
	const char *text;	/* drawn as is; NULL: no text */
	const char *image;	/* a PNG file; NULL: no logo */
	const char *font;	/* font file for the text; NULL: DejaVu Sans, else fontconfig's Sans */
	int position;		/* enum vt_wm_position */
	double size;		/* text size (em) or logo height, over the rung's height */
	double opacity;		/* more than 0, at most 1 */
	AVFrame *logo;		/* set by vt_watermark_open: the image, RGBA, opacity applied */
};

/* The name of an enum vt_wm_position, such as "bottom_right". */
const char *vt_watermark_position(int position);
/* No watermark; bottom right, size 0.05, opacity 0.8 once one is given. */
void vt_watermark_defaults(struct vt_watermark *w);
/* Set one field from an option's text; key is "text", "image", "font",
 * "position", "size" or "opacity". Text and image replace each other. A
 * bad value dies with VT_EX_USAGE. */
void vt_watermark_option(struct vt_watermark *w, const char *key, const char *val);
/* Fill w from a params file's "watermark" object (absent or null: leave
 * w); unknown keys are ignored; a bad value dies with VT_EX_DATAERR. w
 * keeps pointers into o. */
void vt_watermark_load(struct vt_watermark *w, const json_t *o);
/* Get w ready for vt_watermark_add, before any encoding: decode the image
 * once, and check that the text's font loads. A missing file dies with
 * VT_EX_NOINPUT, an image that is not a PNG with VT_EX_DATAERR. */
void vt_watermark_open(struct vt_watermark *w);
/* w as a params file's "watermark" object, which vt_watermark_load reads
 * back; null when there is no watermark. */
json_t *vt_watermark_json(const struct vt_watermark *w);
void vt_watermark_close(struct vt_watermark *w);

/* Add the watermark of a rung height lines high after last (a yuv420p
 * picture) in g and return the filter that now ends the chain; last
 * itself when there is no watermark. */
AVFilterContext *vt_watermark_add(const struct vt_watermark *w, AVFilterGraph *g,
    AVFilterContext *last, int height);
/* Once g is configured: give the logo to each rung's overlay. */
void vt_watermark_feed(const struct vt_watermark *w, AVFilterGraph *g);

#endif
