/* S3 and S3-compatible stores (MinIO, Ceph RGW, R2): where a key lives,
 * signed requests, paged listings, and what an error answer means.
 * Settings come from the environment, named as the AWS CLI names them. */
#ifndef VT_S3_H
#define VT_S3_H

#include "http.h"

enum { VT_S3_AUTO, VT_S3_PATH, VT_S3_VIRTUAL };

/* AWS Signature V4 settings for libcurl's CURLOPT_AWS_SIGV4. */
struct vt_sigv4 {
	char *provider;		/* "aws:amz:REGION:s3" */
	char *key, *secret;
	char *token;		/* session token, or NULL */
};

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

/* A listing of the objects (ListObjectsV2) or of the multipart uploads
 * (ListMultipartUploads) under a prefix, read a page at a time. */
struct vt_s3_list {
	const struct vt_s3 *s3;
	struct vt_http *http;
	int uploads;		/* the uploads, not the objects */
	char *prefix;		/* escaped */
	char *next[2];		/* the next page's token, or its key and upload id markers */
	struct vt_req *page;	/* the page read last */
	const char *pos, *end;	/* what is left of it */
};

/* Start a listing; its pages are read with vt_http_one() on h, which must
 * be idle but for requests queued to run along. */
void vt_s3_list_open(struct vt_s3_list *l, const struct vt_s3 *s, struct vt_http *h,
    const char *prefix, int uploads);
/* The next entry, a <Contents> or an <Upload> whose content is [*cs, *ce),
 * valid until the next call; reads the next page when one is used up.
 * Returns 1, 0 at the end, or -1 if a page failed: l->page tells why. */
int vt_s3_list_next(struct vt_s3_list *l, const char **cs, const char **ce);
void vt_s3_list_close(struct vt_s3_list *l);

/* s percent-encoded as SigV4 wants it: all but A-Z a-z 0-9 - . _ ~ and,
 * when keep_slash, '/'. A string to free. */
char *vt_s3_escape(const char *s, int keep_slash);

/* The Code of an S3 <Error> answer, to free, or NULL. */
char *vt_s3_code(const struct vt_req *r);

/* After a request failed, read as S3's answer (a presigned URL's may be
 * one): why, as text with the S3 error code when the server sent one, and
 * vt_req_exit()'s status but 73 for a missing bucket when writing. */
const char *vt_s3_why(const struct vt_req *r);
int vt_s3_exit(const struct vt_req *r, int writing);
/* An answer S3 means as temporary beyond 408, 429 and 5xx: for
 * vt_req's temporary_answer (vt_s3_req() sets it). */
int vt_s3_temporary(const struct vt_req *r);

#endif
