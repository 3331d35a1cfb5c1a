/* The objects of a publish: a file, or the files of a folder, named at the
 * destination, read once for the digests the store will check, and ranked
 * so that nothing goes up before an object it names. */
#ifndef VT_SCAN_H
#define VT_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "put.h"

/* Ranks, in the order they go up: segments and other files, WebVTT, media
 * playlists, other master playlists, and master.m3u8 last. */
#define VT_RANKS 5

enum { VT_OBJ_WAITING, VT_OBJ_SKIPPED, VT_OBJ_UPLOADED, VT_OBJ_FAILED };

struct vt_obj {
	char *path;		/* the local file */
	char *rel;		/* its name under the source folder */
	char *key;		/* its name at the destination */
	int64_t size;
	int rank;		/* goes up after every object of a lower rank */
	int fd;			/* open on path */
	struct vt_digest whole;	/* MD5 */
	char md5[33];
	char etag[48];		/* the ETag S3 will give it */
	int nparts;		/* 1, or the parts of a multipart upload */
	int64_t part_size;
	struct vt_digest *parts;	/* each part's MD5, when nparts > 1 */
	int state;		/* VT_OBJ_WAITING until the publish is done with it */
	double t0;		/* when its transfer started */
};

struct vt_scan {
	struct vt_obj *objs;
	size_t n;
};

/* The objects of src, sorted by rel: a folder's named under dest_key, a
 * file's as dest_key, or under it when it ends in '/' or is an existing
 * local folder. Files larger than o->part_size are digested in parts of
 * that size (larger, if S3's 10000 parts would not do). Leaves out hidden
 * names and those o->exclude matches. Dies on a missing or unreadable
 * source. */
void vt_scan(struct vt_scan *s, const char *src, const char *dest_key,
    const struct vt_put_opts *o);
void vt_scan_free(struct vt_scan *s);
/* Sort by key, for vt_scan_find(). */
void vt_scan_by_key(struct vt_scan *s);
struct vt_obj *vt_scan_find(const struct vt_scan *s, const char *key);

/* Print the object's JSON line on stdout: key, bytes, etag (unquoted),
 * status, ms since t0, and parts for multipart. */
void vt_obj_report(const struct vt_obj *o, const char *status, const char *etag);

/* Content-Type and Cache-Control for a name, by its extension. */
const char *vt_content_type(const char *name);
const char *vt_cache_control(const char *name);

#endif
