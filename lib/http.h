/* HTTP transfers on one curl multi handle: run in parallel, retried with
 * exponential backoff and full jitter, downloads resumed with Range. Used
 * by S3 publishing and by URL fetching alike. */
#ifndef VT_HTTP_H
#define VT_HTTP_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include <curl/curl.h>

/* A growing byte buffer, always NUL-terminated when data is not NULL. */
struct vt_buf {
	char *data;
	size_t len, cap;
};
void vt_buf_add(struct vt_buf *b, const void *p, size_t n);
void vt_buf_free(struct vt_buf *b);

struct vt_http;

struct vt_req {
	/* Set by the caller before vt_http_add(); owned by the request. */
	const char *method;		/* GET, HEAD, PUT, POST or DELETE */
	char *url;
	struct curl_slist *headers;
	/* Called on each attempt's handle before it starts, with auth_arg:
	 * to set credentials or a signature (S3's SigV4). */
	void (*auth)(CURL *, const void *auth_arg);
	const void *auth_arg;
	/* Whether an answer that is no 408, 429 or 5xx is temporary all the
	 * same (S3's 400 RequestTimeout), or NULL. */
	int (*temporary_answer)(const struct vt_req *);
	int body_fd;			/* send [body_off, body_off + body_len) of this file */
	off_t body_off;
	int64_t body_len;		/* -1: no body */
	struct vt_buf body;		/* or send this, when body_fd < 0 and body_len >= 0 */
	int out_fd;			/* write a 200/206 body here; -1: keep it in resp */
	int64_t out_have;		/* bytes of the object already written to out_fd */
	char *validator;		/* ETag or date the bytes in out_fd came from */
	const char *validator_hdr;	/* "If-Range" (default) or "If-Match" */
	int follow;			/* follow redirects */
	int path_as_is;			/* send the path without squashing /../ */
	int retries;			/* -1: the engine's default */
	/* Called with each piece of a 200/206 body before it is written;
	 * non-zero stops the transfer (cc becomes CURLE_WRITE_ERROR). */
	int (*on_body)(struct vt_req *, const char *p, size_t n);
	void (*prepare)(struct vt_req *);	/* before the first attempt starts */
	void (*done)(struct vt_req *);	/* once, when finished or given up */
	void *arg;
	long tag;			/* free for the caller */

	/* Results, valid in done(). */
	CURLcode cc;			/* CURLE_OK when an HTTP answer came */
	long status;			/* HTTP status, 0 if none */
	int temporary;			/* failed, and the failure was temporary */
	int ioerr;			/* errno of a failed local read or write, or 0 */
	int attempts;
	int64_t ms;			/* from the first attempt to the end */
	char err[CURL_ERROR_SIZE];
	struct vt_buf resp;		/* a body not written to out_fd (errors too) */
	char *etag, *content_type, *last_modified;
	char reason[64];		/* "404 Not Found", from the status line */
	int64_t length;			/* Content-Length, or -1 */
	int64_t total;			/* whole size from Content-Range or Content-Length, or -1 */

	/* Private. */
	struct vt_http *http;
	struct vt_req *next;
	CURL *easy;
	struct curl_slist *sent;
	int64_t pos, start_have, skip, sent_bytes, recv_bytes;
	double not_before, started;
	int ranged, body_checked, seekable, slot, keep;
};

struct vt_http_opts {
	int parallel;		/* transfers at once */
	int retries;		/* retries of a temporary failure */
	double backoff;		/* first backoff in seconds (0: 0.25); doubles, capped at 20 s */
	long stall;		/* a transfer slower than 1 byte/s this many seconds fails */
	long connect_timeout;	/* seconds (0: 10) */
};

/* One engine; returns NULL only if libcurl cannot start. */
struct vt_http *vt_http_new(const struct vt_http_opts *o);
void vt_http_free(struct vt_http *h);

/* A zeroed request with no body and no output file. */
struct vt_req *vt_req_new(const char *method, char *url);
void vt_req_free(struct vt_req *r);
void vt_req_header(struct vt_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Set header name to value, in place of any it had. */
void vt_req_set_header(struct vt_req *r, const char *name, const char *value);

/* Queue r; done(r) is called from vt_http_run(), which owns r until then.
 * done() may queue more requests. */
void vt_http_add(struct vt_http *h, struct vt_req *r);
/* Run until every queued request is done, or *stop becomes non-zero (a
 * signal); then the requests still running are dropped without done().
 * Returns 0, or -1 if stopped. */
int vt_http_run(struct vt_http *h, volatile sig_atomic_t *stop);
/* Run r alone on an idle engine and wait for it; r stays the caller's,
 * to read and free. */
void vt_http_one(struct vt_http *h, struct vt_req *r);
/* Drop every queued and running request without calling done(). */
void vt_http_cancel(struct vt_http *h);

/* Bytes sent and received so far, counting only the latest attempt of each
 * request; for progress. */
void vt_http_bytes(struct vt_http *h, int64_t *sent, int64_t *recv);
/* Called at most every 0.2 s while vt_http_run() waits. */
void vt_http_on_tick(struct vt_http *h, void (*tick)(void *), void *arg);

/* The error as text: a local I/O error's, curl's, or "HTTP 404 Not Found". */
const char *vt_req_error(const struct vt_req *r);

/* Why a request failed, as text: error (vt_req_error()'s when NULL) and,
 * for a temporary failure that outlasted its retries, the tries it took. */
const char *vt_req_why(const struct vt_req *r, const char *error);
/* And the exit status that goes with it: 75 for a temporary failure that
 * outlasted its retries, 74 for a local I/O error, 77 for 401 and 403, 66
 * for 404 and 410, 69 otherwise. */
int vt_req_exit(const struct vt_req *r);

/* An ETag without its quotes, to free; NULL for NULL. */
char *vt_etag_bare(const char *etag);

/* The URL without its user info and query, which may hold secrets; for
 * messages. Four calls may be used at once. */
const char *vt_url_show(const char *url);

#endif
