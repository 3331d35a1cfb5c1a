/* Still images: scaling decoded frames, JPEG files, staged output. */
#ifndef VT_IMAGE_H
#define VT_IMAGE_H

#include <stddef.h>

#include <libavutil/frame.h>

/* The size to show a picture of display size dw x dh at, for a requested
 * width w and height h (0: not given). One of them keeps the aspect ratio;
 * both give the largest size that fits inside w x h; neither gives def
 * wide. Never larger than the display size; even numbers, at least 2. */
void vt_image_fit(int dw, int dh, int w, int h, int def, int *ow, int *oh);

/* A new RGB24 frame of src scaled to w x h as displayed: the frame is
 * turned rotation degrees clockwise (0, 90, 180, 270) and w x h is the
 * size after turning. Honours the source's colour matrix and range. fast
 * trades quality for speed (for measuring, not for showing). */
AVFrame *vt_image_rgb(const AVFrame *src, int rotation, int w, int h, int fast);

/* A new RGB24 frame of w x h, black. */
AVFrame *vt_image_new(int w, int h);

/* Copy src into dst with its top left corner at x, y (clipped). */
void vt_image_blit(AVFrame *dst, const AVFrame *src, int x, int y);

/* Encode an RGB24 frame as a baseline JPEG (full-range BT.601 4:2:0;
 * quality is a qscale from 1, best, to 31) into a buffer the caller
 * frees. */
unsigned char *vt_image_jpeg(const AVFrame *rgb, int quality, size_t *len);

/* Output files that appear together, once all the work succeeded.
 * vt_stage_file() keeps buf (malloc'd; it takes it over) for path;
 * vt_stage_commit() writes each staged file atomically, in the order
 * staged. A failure before that leaves none of them. */
void vt_stage_file(const char *path, unsigned char *buf, size_t len);
void vt_stage_commit(void);

#endif
