/* The destinations of a publish other than S3: a local folder, and one
 * HTTP URL. */
#ifndef VT_SINK_H
#define VT_SINK_H

#include "put.h"

/* vt_put() for dest file:///dir (or file://localhost/dir): each file
 * copied atomically, rank by rank, unless the one there has the same size
 * and MD5. Dies on a failure. Returns 0. */
int vt_sink_file(const char *src, const char *dest, const struct vt_put_opts *o);

/* vt_put() for an http(s) dest and one file: PUT, or POST with o->post.
 * Returns an exit status. */
int vt_sink_http(const char *src, const char *dest, const struct vt_put_opts *o);

#endif
