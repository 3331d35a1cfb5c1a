/* A small HTTP/1.1 server that lives inside a tool's own poll loop: GET and
 * HEAD of small generated bodies (playlists), one request a connection.
 * A request may be held, and is then asked again until it is answered:
 * this is how vt-hls serves LL-HLS blocking playlist reloads. */
#ifndef VT_HTTPD_H
#define VT_HTTPD_H

#include <poll.h>
#include <stddef.h>

struct vt_httpd_reply {
	int status;		/* 200, 400, 404, 503... */
	const char *type;	/* Content-Type; NULL: text/plain */
	const char *cache;	/* Cache-Control; NULL: no-cache */
	char *body;		/* malloc'ed; NULL: none */
	size_t len;
};

/* Answer the request for path (percent-decoded, starting with '/') with
 * query (raw, without the '?'; "" if none), which has been waiting
 * waited seconds: fill r and return 1, or return 0 to hold it and be asked
 * again at every vt_httpd_serve, at least every tenth of a second. */
typedef int (*vt_httpd_fn)(void *arg, const char *path, const char *query, double waited,
    struct vt_httpd_reply *r);

struct vt_httpd;

/* Listen on addr: "unix:PATH" or a path with a '/' (a Unix socket, mode
 * 0666: its folder's permissions guard it), or "[HOST:]PORT" (TCP; HOST
 * defaults to 127.0.0.1). Dies if it cannot. */
struct vt_httpd *vt_httpd_open(const char *addr, vt_httpd_fn fn, void *arg);
/* The most descriptors vt_httpd_fds gives: the listener and every
 * connection. */
#define VT_HTTPD_FDS 513
/* Put the descriptors to poll in pfd (room for VT_HTTPD_FDS); returns how
 * many. vt_httpd_serve must get them as they are. */
size_t vt_httpd_fds(struct vt_httpd *h, struct pollfd *pfd);
/* Milliseconds poll may sleep before a held request is due: -1 for ever. */
int vt_httpd_timeout(const struct vt_httpd *h);
/* Do what poll reported on the descriptors from vt_httpd_fds, then ask the
 * held requests again. */
void vt_httpd_serve(struct vt_httpd *h, const struct pollfd *pfd, size_t n);
/* Close the listener (removing its Unix socket) and every connection. */
void vt_httpd_close(struct vt_httpd *h);

#endif
