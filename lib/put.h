/* Publishing: a file or a folder to S3 (upload.c), to a local folder or to
 * an HTTP URL (sink.c), its objects found by scan.c; and fetching one
 * object back (fetch.c), or all under a prefix (fetchall.c). */
#ifndef VT_PUT_H
#define VT_PUT_H

#include <stddef.h>
#include <stdint.h>

#define VT_PART_MIN (5LL << 20)		/* S3's smallest part but the last */
#define VT_PART_MAX (5LL << 30)
#define VT_PARTS_MAX 10000

struct vt_put_opts {
	int parallel;		/* transfers at once */
	int retries;		/* retries of a temporary failure */
	long stall;		/* seconds a transfer may make no progress */
	int64_t part_size;	/* multipart above this size, in parts of it */
	int addressing;		/* VT_S3_AUTO, VT_S3_PATH or VT_S3_VIRTUAL */
	char **exclude;		/* glob patterns of relative names to leave out */
	size_t nexclude;
	int force;		/* upload objects that are unchanged too */
	int post;		/* POST, not PUT, to an http(s) destination */
	int progress;		/* progress even when stderr is no terminal */
	int media;		/* vt_get: the object must be audio or video */
};

/* Upload src, a file or a folder, to dest: s3://bucket/prefix, file://dir
 * or, for a file, an http(s) URL. Every object gets its Content-Type and
 * Cache-Control; a folder's objects go up in order, so that nothing
 * refers to an object not yet there (segments and other files, then
 * WebVTT, media playlists, other master playlists, and master.m3u8 last).
 * An object of the same size and MD5 as the one at dest is skipped.
 * Prints one JSON line per object on stdout: key, bytes, etag, status
 * ("uploaded", "skipped" or "failed"), ms, and parts for multipart.
 * Returns an exit status; a fatal signal aborts the multipart uploads in
 * progress and is raised again. */
int vt_put(const char *src, const char *dest, const struct vt_put_opts *o);

/* Download src (s3://bucket/key, http(s) or file URL) to the file dest, or
 * to stdout for "-". A file is written as dest.part, resumed with Range
 * after a broken connection or by a later run, then renamed to dest.
 * Returns an exit status. */
int vt_get(const char *src, const char *dest, const struct vt_put_opts *o);

/* Download every object under the prefix src (s3://bucket/prefix/) into
 * the folder dest, each to dest/NAME, NAME being its key after the prefix,
 * up to o->parallel at once; keys whose NAME has an empty component or
 * one starting with a dot are left out. Each file is written to a temp
 * file, then renamed. Prints a line per file as vt_get() does. Returns an
 * exit status. vt_get() calls it for a source that ends in '/'. */
int vt_get_prefix(const char *src, const char *dest, const struct vt_put_opts *o);

#endif
