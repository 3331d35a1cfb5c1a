/* Still images: scaling decoded frames, JPEG files, staged output. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "vt.h"
#include "image.h"

static int
even(double x, int max)
{
	int v = 2 * (int)lround(x / 2);

	if (v > max)
		v -= 2;
	return v < 2 ? 2 : v;
}

void
vt_image_fit(int dw, int dh, int w, int h, int def, int *ow, int *oh)
{
	double aspect = (double)dw / dh, fw;

	if (w && h)
		fw = fmin(w, h * aspect);
	else if (w)
		fw = w;
	else if (h)
		fw = h * aspect;
	else
		fw = def;
	fw = fmin(fw, dw);
	*ow = even(fw, dw);
	*oh = even(fw / aspect, dh);
}

AVFrame *
vt_image_new(int w, int h)
{
	AVFrame *f = av_frame_alloc();
	int y;

	if (!f)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	f->format = AV_PIX_FMT_RGB24;
	f->width = w;
	f->height = h;
	if (av_frame_get_buffer(f, 0) < 0)
		vt_die(VT_EX_SOFTWARE, "out of memory for a %dx%d image", w, h);
	for (y = 0; y < h; y++)
		memset(f->data[0] + (size_t)y * f->linesize[0], 0, (size_t)w * 3);
	return f;
}

static int
full_range(const AVFrame *f)
{
	switch (f->format) {
	case AV_PIX_FMT_YUVJ420P: case AV_PIX_FMT_YUVJ422P:
	case AV_PIX_FMT_YUVJ444P: case AV_PIX_FMT_YUVJ440P: case AV_PIX_FMT_YUVJ411P:
		return 1;
	}
	return f->color_range == AVCOL_RANGE_JPEG;
}

/* One cached scaler per use, so that a sprite of many tiles sets up
 * swscale once. */
static struct SwsContext *
scaler(struct SwsContext **cache, const AVFrame *src, int w, int h,
    enum AVPixelFormat to, int flags, int to_full)
{
	const int *from_cs = sws_getCoefficients(src->colorspace);
	const int *to_cs = sws_getCoefficients(SWS_CS_ITU601);
	struct SwsContext *c;

	c = sws_getCachedContext(*cache, src->width, src->height, src->format, w, h, to,
	    flags, NULL, NULL, NULL);
	if (!(*cache = c))
		vt_die(VT_EX_DATAERR, "cannot convert %s %dx%d pictures",
		    av_get_pix_fmt_name(src->format) ? av_get_pix_fmt_name(src->format) : "unknown",
		    src->width, src->height);
	sws_setColorspaceDetails(c, from_cs, full_range(src), to_cs, to_full, 0, 1 << 16, 1 << 16);
	return c;
}

static void
turn(AVFrame *dst, const AVFrame *src, int rotation)
{
	int x, y, sx, sy;

	for (y = 0; y < dst->height; y++) {
		uint8_t *d = dst->data[0] + (size_t)y * dst->linesize[0];

		for (x = 0; x < dst->width; x++, d += 3) {
			switch (rotation) {
			case 90: sx = y; sy = src->height - 1 - x; break;
			case 180: sx = src->width - 1 - x; sy = src->height - 1 - y; break;
			default: sx = src->width - 1 - y; sy = x; break;
			}
			memcpy(d, src->data[0] + (size_t)sy * src->linesize[0] + (size_t)sx * 3, 3);
		}
	}
}

AVFrame *
vt_image_rgb(const AVFrame *src, int rotation, int w, int h, int fast)
{
	static struct SwsContext *cache[2];
	int turned = rotation == 90 || rotation == 270;
	AVFrame *out, *upright;
	struct SwsContext *c;

	out = vt_image_new(turned ? h : w, turned ? w : h);
	c = scaler(&cache[!!fast], src, out->width, out->height, AV_PIX_FMT_RGB24,
	    fast ? SWS_FAST_BILINEAR : SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, 1);
	sws_scale(c, (const uint8_t *const *)src->data, src->linesize, 0, src->height,
	    out->data, out->linesize);
	if (rotation != 90 && rotation != 180 && rotation != 270)
		return out;
	upright = vt_image_new(w, h);
	turn(upright, out, rotation);
	av_frame_free(&out);
	return upright;
}

void
vt_image_blit(AVFrame *dst, const AVFrame *src, int x, int y)
{
	int w = FFMIN(src->width, dst->width - x), h = FFMIN(src->height, dst->height - y), i;

	if (x < 0 || y < 0 || w <= 0 || h <= 0)
		return;
	for (i = 0; i < h; i++)
		memcpy(dst->data[0] + (size_t)(y + i) * dst->linesize[0] + (size_t)x * 3,
		    src->data[0] + (size_t)i * src->linesize[0], (size_t)w * 3);
}

static AVFrame *
to_yuvj(const AVFrame *rgb)
{
	static struct SwsContext *cache;
	struct SwsContext *c;
	AVFrame *f = av_frame_alloc();

	f->format = AV_PIX_FMT_YUV420P;
	f->width = rgb->width;
	f->height = rgb->height;
	if (av_frame_get_buffer(f, 0) < 0)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	c = scaler(&cache, rgb, f->width, f->height, AV_PIX_FMT_YUV420P, SWS_BICUBIC | SWS_ACCURATE_RND, 1);
	sws_scale(c, (const uint8_t *const *)rgb->data, rgb->linesize, 0, rgb->height,
	    f->data, f->linesize);
	/* the same planes; the J format is how mjpeg takes full range */
	f->format = AV_PIX_FMT_YUVJ420P;
	f->color_range = AVCOL_RANGE_JPEG;
	f->colorspace = AVCOL_SPC_BT470BG;
	return f;
}

unsigned char *
vt_image_jpeg(const AVFrame *rgb, int quality, size_t *len)
{
	const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
	AVCodecContext *enc;
	AVPacket *pkt = av_packet_alloc();
	AVFrame *f;
	unsigned char *buf;
	int err;

	if (!codec || !(enc = avcodec_alloc_context3(codec)))
		vt_die(VT_EX_UNAVAILABLE, "no mjpeg encoder in this libavcodec");
	enc->width = rgb->width;
	enc->height = rgb->height;
	enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
	enc->color_range = AVCOL_RANGE_JPEG;
	enc->colorspace = AVCOL_SPC_BT470BG;
	enc->time_base = (AVRational){ 1, 25 };
	enc->flags |= AV_CODEC_FLAG_QSCALE;
	enc->global_quality = FF_QP2LAMBDA * quality;
	if ((err = avcodec_open2(enc, codec, NULL)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot open the mjpeg encoder: %s", vt_averr(err));
	f = to_yuvj(rgb);
	f->quality = enc->global_quality;
	f->pts = 0;
	if ((err = avcodec_send_frame(enc, f)) < 0 || (err = avcodec_send_frame(enc, NULL)) < 0 ||
	    (err = avcodec_receive_packet(enc, pkt)) < 0)
		vt_die(VT_EX_SOFTWARE, "mjpeg encoder: %s", vt_averr(err));
	buf = vt_malloc(pkt->size);
	memcpy(buf, pkt->data, pkt->size);
	*len = pkt->size;
	av_packet_free(&pkt);
	av_frame_free(&f);
	avcodec_free_context(&enc);
	return buf;
}

static struct staged {
	char *path;
	unsigned char *buf;
	size_t len;
} *staged;
static size_t nstaged;

void
vt_stage_file(const char *path, unsigned char *buf, size_t len)
{
	staged = vt_realloc(staged, (nstaged + 1) * sizeof(*staged));
	staged[nstaged].path = vt_strdup(path);
	staged[nstaged].buf = buf;
	staged[nstaged++].len = len;
}

void
vt_stage_commit(void)
{
	size_t i;

	for (i = 0; i < nstaged; i++) {
		vt_write_file(staged[i].path, (const char *)staged[i].buf, staged[i].len);
		free(staged[i].path);
		free(staged[i].buf);
	}
	free(staged);
	staged = NULL;
	nstaged = 0;
}
