/* S3 and S3-compatible stores (MinIO, Ceph RGW, R2): where a key lives,
 * signed requests, and what an error answer means. Settings come from the
 * environment, named as the AWS CLI names them. */
#ifndef VT_S3_H
#define VT_S3_H

#include "http.h"

enum { VT_S3_AUTO, VT_S3_PATH, VT_S3_VIRTUAL };

struct vt_s3 {
	char *bucket;
	char *key;		/* what followed the bucket in the URL, maybe "" */
	char *endpoint;		/* scheme://host[:port] */
	char *region;
	int path_style;
	struct vt_sigv4 sign;
};

/* Parse s3://bucket/key and read AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN, AWS_REGION (or AWS_DEFAULT_REGION; default us-east-1)
 * and AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (default AWS). Addressing
 * VT_S3_AUTO is path-style for a set endpoint or a bucket name that is no
 * DNS label, virtual-host otherwise. Dies VT_EX_USAGE on a bad URL or
 * endpoint, VT_EX_NOPERM without credentials. */
void vt_s3_open(struct vt_s3 *s, const char *url, int addressing);
void vt_s3_close(struct vt_s3 *s);

/* A signed request for key; query, if any, must be canonical (sorted, its
 * values encoded with vt_s3_escape(..., 0)). The payload hash header is
 * set from sha256hex, or to the hash of nothing when NULL. */
struct vt_req *vt_s3_req(const struct vt_s3 *s, const char *method, const char *key,
    const char *query, const char *sha256hex);

/* s percent-encoded as SigV4 wants it: all but A-Z a-z 0-9 - . _ ~ and,
 * when keep_slash, '/'. A string to free. */
char *vt_s3_escape(const char *s, int keep_slash);

/* After a request failed: why, as text with the S3 error code when the
 * server sent one, and the exit status that goes with it: 75 for a
 * temporary failure that outlasted its retries, 77 for a refused key or
 * signature or a denied access, 66 for a missing object (73 for a missing
 * bucket when writing), 74 for a local I/O error, 69 otherwise. */
int vt_req_exit(const struct vt_req *r, int writing);
const char *vt_req_why(const struct vt_req *r);

#endif
