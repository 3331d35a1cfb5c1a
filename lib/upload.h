/* Publishing to S3: a file or a folder's objects, in parallel, multipart
 * above a size, rank by rank, skipping what the store has already. */
#ifndef VT_UPLOAD_H
#define VT_UPLOAD_H

#include "put.h"

/* vt_put() for dest s3://bucket/prefix. Before sending, aborts the
 * multipart uploads of our keys an earlier run left open. A failure stops
 * what has not started; a fatal signal too, and is raised again once the
 * multipart uploads in progress are aborted. Returns an exit status. */
int vt_upload(const char *src, const char *dest, const struct vt_put_opts *o);

#endif
