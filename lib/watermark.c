/* A watermark burnt into every rung: text, or a PNG logo. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <libavfilter/buffersrc.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

#include "vt.h"
#include "decode.h"
#include "filter.h"
#include "grid.h"
#include "media.h"
#include "watermark.h"

#define DEFAULT_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define MARGIN 0.03		/* of the rung's height, from the nearest edges */
#define BORDER 0.05		/* dark outline, of the text size: legible on white */
#define MAX_LOGO 4096
/* Before any frame the encoder sees, so the overlay has it from the first. */
#define LOGO_PTS (-((int64_t)1 << 40))

static const char *const positions[] = {
	[VT_WM_TOP_LEFT] = "top_left", [VT_WM_TOP_RIGHT] = "top_right",
	[VT_WM_BOTTOM_LEFT] = "bottom_left", [VT_WM_BOTTOM_RIGHT] = "bottom_right",
	[VT_WM_CENTER] = "center",
};

const char *
vt_watermark_position(int position)
{
	return positions[position];
}

void
vt_watermark_defaults(struct vt_watermark *w)
{
	memset(w, 0, sizeof(*w));
	w->position = VT_WM_BOTTOM_RIGHT;
	w->size = 0.05;
	w->opacity = 0.8;
}

/* status says whose mistake a bad value is: the command line's or the
 * params file's. */
static void
set_str(struct vt_watermark *w, const char *key, const char *val, int status)
{
	const char *pre = status == VT_EX_DATAERR ? "params: " : "";
	size_t i;

	if (!*val)
		vt_die(status, "%swatermark %s is empty", pre, key);
	if (!strcmp(key, "text")) {
		w->text = val;
		w->image = NULL;
	} else if (!strcmp(key, "image")) {
		w->image = val;
		w->text = NULL;
	} else if (!strcmp(key, "font")) {
		w->font = val;
	} else {
		for (i = 0; i < sizeof(positions) / sizeof(positions[0]); i++)
			if (!strcmp(val, positions[i])) {
				w->position = (int)i;
				return;
			}
		vt_die(status, "%sunknown watermark position '%s' (want top_left, top_right, "
		    "bottom_left, bottom_right or center)", pre, val);
	}
}

static void
set_num(struct vt_watermark *w, const char *key, double v, int status)
{
	if (!(v > 0 && v <= 1))
		vt_die(status, "%swatermark %s must be more than 0 and at most 1, not %g",
		    status == VT_EX_DATAERR ? "params: " : "", key, v);
	*(!strcmp(key, "size") ? &w->size : &w->opacity) = v;
}

void
vt_watermark_option(struct vt_watermark *w, const char *key, const char *val)
{
	char what[32];

	if (strcmp(key, "size") && strcmp(key, "opacity")) {
		set_str(w, key, val, VT_EX_USAGE);
		return;
	}
	snprintf(what, sizeof(what), "watermark %s", key);
	set_num(w, key, vt_parse_double(val, -HUGE_VAL, HUGE_VAL, what), VT_EX_USAGE);
}

void
vt_watermark_load(struct vt_watermark *w, const json_t *o)
{
	static const char *const strs[] = { "font", "position", "text", "image" };
	static const char *const nums[] = { "size", "opacity" };
	json_t *v;
	size_t i;

	if (!o || json_is_null(o))
		return;
	if (!json_is_object(o))
		vt_die(VT_EX_DATAERR, "params: 'watermark' must be an object");
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (!(v = json_object_get(o, strs[i])) || json_is_null(v))
			continue;
		if (!json_is_string(v))
			vt_die(VT_EX_DATAERR, "params: watermark '%s' must be a string", strs[i]);
		if (!strcmp(strs[i], "image") && w->text)
			vt_die(VT_EX_DATAERR, "params: watermark has both 'text' and 'image'");
		set_str(w, strs[i], json_string_value(v), VT_EX_DATAERR);
	}
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (!(v = json_object_get(o, nums[i])) || json_is_null(v))
			continue;
		if (!json_is_number(v))
			vt_die(VT_EX_DATAERR, "params: watermark '%s' must be a number", nums[i]);
		set_num(w, nums[i], json_number_value(v), VT_EX_DATAERR);
	}
}

json_t *
vt_watermark_json(const struct vt_watermark *w)
{
	const char *what = w->text ? "text" : "image", *v = w->text ? w->text : w->image;
	json_t *o;

	if (!v)
		return json_null();
	o = json_pack("{s:s,s:f,s:f}", "position", positions[w->position], "size", w->size,
	    "opacity", w->opacity);
	if (json_object_set_new(o, what, json_string(v)) ||
	    (w->font && json_object_set_new(o, "font", json_string(w->font))))
		vt_die(VT_EX_DATAERR, "the watermark's %s or font name is not UTF-8", what);
	return o;
}

/* x and y expressions that put a box of the given size names inside the
 * frame's, m pixels from the nearest edges: numbers and the filter's own
 * variable names only. v is { frame w, frame h, box w, box h }. */
static void
place(int position, int m, const char *const v[4], char *x, char *y, size_t n)
{
	switch (position) {
	case VT_WM_CENTER:
		snprintf(x, n, "(%s-%s)/2", v[0], v[2]);
		snprintf(y, n, "(%s-%s)/2", v[1], v[3]);
		return;
	case VT_WM_TOP_LEFT: case VT_WM_BOTTOM_LEFT:
		snprintf(x, n, "%d", m);
		break;
	default:
		snprintf(x, n, "%s-%s-%d", v[0], v[2], m);
	}
	if (position == VT_WM_TOP_LEFT || position == VT_WM_TOP_RIGHT)
		snprintf(y, n, "%d", m);
	else
		snprintf(y, n, "%s-%s-%d", v[1], v[3], m);
}

static void
opt(AVFilterContext *f, const char *key, const char *val)
{
	int err;

	if ((err = av_opt_set(f, key, val, AV_OPT_SEARCH_CHILDREN)) < 0)
		vt_die(VT_EX_SOFTWARE, "drawtext: cannot set %s: %s", key, vt_averr(err));
}

/* A drawtext for the text at size pixels, set up through the options API:
 * the text is an option value as is, never parsed as filter syntax.
 * NULL if no font loads. */
static AVFilterContext *
drawtext(const struct vt_watermark *w, AVFilterGraph *g, int size, const char *x,
    const char *y)
{
	const AVFilter *dt = avfilter_get_by_name("drawtext");
	const char *font = w->font ? w->font : access(DEFAULT_FONT, R_OK) ? NULL : DEFAULT_FONT;
	AVFilterContext *f;
	char num[32];

	if (!dt)
		vt_die(VT_EX_UNAVAILABLE, "the drawtext filter is not in the linked libavfilter");
	if (!(f = avfilter_graph_alloc_filter(g, dt, NULL)))
		vt_die(VT_EX_SOFTWARE, "out of memory");
	if (font)
		opt(f, "fontfile", font);
	opt(f, "text", w->text);
	opt(f, "expansion", "none");
	snprintf(num, sizeof(num), "%d", size);
	opt(f, "fontsize", num);
	opt(f, "fontcolor", "white");
	opt(f, "bordercolor", "black");
	snprintf(num, sizeof(num), "%ld", lround(size * BORDER));
	opt(f, "borderw", num);
	snprintf(num, sizeof(num), "%.4f", w->opacity);
	opt(f, "alpha", num);
	opt(f, "x", x);
	opt(f, "y", y);
	if (avfilter_init_str(f, NULL) < 0) {
		avfilter_free(f);
		return NULL;
	}
	return f;
}

static void
first_frame(void *arg, AVFrame *f)
{
	AVFrame **keep = arg;

	if (!*keep && !(*keep = av_frame_clone(f)))
		vt_die(VT_EX_SOFTWARE, "out of memory");
}

/* The picture of a PNG file as RGBA, its alpha scaled by opacity. */
static AVFrame *
load_png(const char *path, double opacity)
{
	AVFormatContext *in = vt_open_input(path);
	int idx = vt_best_stream(in, AVMEDIA_TYPE_VIDEO), x, y;
	AVCodecContext *dec;
	AVFrame *f = NULL, *rgba = av_frame_alloc();
	struct SwsContext *sws;

	if (idx < 0 || in->streams[idx]->codecpar->codec_id != AV_CODEC_ID_PNG ||
	    in->streams[idx]->codecpar->width <= 0)
		vt_die(VT_EX_DATAERR, "'%s' is not a PNG image", path);
	dec = vt_open_decoder(in->streams[idx], path, 1);
	vt_decode_all(in, idx, dec, first_frame, &f);
	if (!f)
		vt_die(VT_EX_DATAERR, "'%s': no picture could be decoded", path);
	if (f->width > MAX_LOGO || f->height > MAX_LOGO)
		vt_die(VT_EX_DATAERR, "'%s' is %dx%d; a watermark may be at most %dx%d", path,
		    f->width, f->height, MAX_LOGO, MAX_LOGO);
	rgba->format = AV_PIX_FMT_RGBA;
	rgba->width = f->width;
	rgba->height = f->height;
	if (av_frame_get_buffer(rgba, 0) < 0)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	if (!(sws = sws_getContext(f->width, f->height, f->format, f->width, f->height,
	    AV_PIX_FMT_RGBA, SWS_POINT, NULL, NULL, NULL)))
		vt_die(VT_EX_DATAERR, "'%s': cannot convert its pixels to RGBA", path);
	sws_scale(sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height,
	    rgba->data, rgba->linesize);
	for (y = 0; y < rgba->height; y++)
		for (x = 0; x < rgba->width; x++) {
			uint8_t *a = rgba->data[0] + y * rgba->linesize[0] + 4 * x + 3;

			*a = (uint8_t)lround(*a * opacity);
		}
	rgba->pts = LOGO_PTS;
	sws_freeContext(sws);
	av_frame_free(&f);
	avcodec_free_context(&dec);
	avformat_close_input(&in);
	return rgba;
}

void
vt_watermark_open(struct vt_watermark *w)
{
	AVFilterGraph *g;
	AVFilterContext *f;

	if (w->text) {
		if (w->font && access(w->font, R_OK) < 0)
			vt_die(errno == ENOENT ? VT_EX_NOINPUT : VT_EX_DATAERR,
			    "cannot open font '%s': %s", w->font, strerror(errno));
		if (!(g = avfilter_graph_alloc()))
			vt_die(VT_EX_SOFTWARE, "out of memory");
		if (!(f = drawtext(w, g, 16, "0", "0")))
			vt_die(VT_EX_UNAVAILABLE, "no font for the watermark text: install "
			    "fonts-dejavu-core or name a font file");
		avfilter_graph_free(&g);
	}
	if (w->image && !w->logo)
		w->logo = load_png(w->image, w->opacity);
}

void
vt_watermark_close(struct vt_watermark *w)
{
	av_frame_free(&w->logo);
}

static const char *
logo_name(char *buf, size_t n, int i)
{
	snprintf(buf, n, "vt-logo-%d", i);
	return buf;
}

/* The logo, scaled to a height of size times the rung's, over the
 * picture: buffer (RGBA, one frame) -> scale -> overlay's second input. */
static AVFilterContext *
add_logo(const struct vt_watermark *w, AVFilterGraph *g, AVFilterContext *last, int height)
{
	static const char *const v[4] = { "main_w", "main_h", "overlay_w", "overlay_h" };
	int lh = (int)fmax(1, lround(w->size * height)), i, err;
	int lw = (int)fmax(1, lround((double)lh * w->logo->width / w->logo->height));
	AVFilterContext *src, *scale, *ov;
	char args[256], name[32], x[64], y[64];

	for (i = 0; avfilter_graph_get_filter(g, logo_name(name, sizeof(name), i)); i++)
		;
	snprintf(args, sizeof(args), "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:pixel_aspect=1/1",
	    w->logo->width, w->logo->height, AV_PIX_FMT_RGBA, VT_TB.num, VT_TB.den);
	if ((err = avfilter_graph_create_filter(&src, avfilter_get_by_name("buffer"), name, args,
	    NULL, g)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot create filter buffer: %s", vt_averr(err));
	snprintf(args, sizeof(args), "w=%d:h=%d:flags=bicubic", lw, lh);
	scale = vt_filter_chain(src, 0, vt_filter_add(g, "scale", args));
	place(w->position, (int)lround(MARGIN * height), v, x, y, sizeof(x));
	snprintf(args, sizeof(args), "x=%s:y=%s:eof_action=repeat:repeatlast=1", x, y);
	ov = vt_filter_chain(last, 0, vt_filter_add(g, "overlay", args));
	if ((err = avfilter_link(scale, 0, ov, 1)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot link filters: %s", vt_averr(err));
	return ov;
}

AVFilterContext *
vt_watermark_add(const struct vt_watermark *w, AVFilterGraph *g, AVFilterContext *last,
    int height)
{
	static const char *const v[4] = { "w", "h", "text_w", "text_h" };
	int size = (int)fmax(1, lround(w->size * height));
	char x[64], y[64];
	AVFilterContext *f;

	if (w->logo)
		return add_logo(w, g, last, height);
	if (!w->text)
		return last;
	place(w->position, (int)(lround(MARGIN * height) + lround(size * BORDER)), v, x, y,
	    sizeof(x));
	if (!(f = drawtext(w, g, size, x, y)))
		vt_die(VT_EX_SOFTWARE, "cannot set up the watermark text");
	return vt_filter_chain(last, 0, f);
}

void
vt_watermark_feed(const struct vt_watermark *w, AVFilterGraph *g)
{
	AVFilterContext *src;
	char name[32];
	int i, err;

	if (!w->logo)
		return;
	for (i = 0; (src = avfilter_graph_get_filter(g, logo_name(name, sizeof(name), i))); i++)
		if ((err = av_buffersrc_write_frame(src, w->logo)) < 0 ||
		    (err = av_buffersrc_add_frame(src, NULL)) < 0)
			vt_die(VT_EX_SOFTWARE, "watermark: %s", vt_averr(err));
}
