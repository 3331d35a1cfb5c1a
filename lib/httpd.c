/* A small HTTP/1.1 server for a poll loop: see httpd.h. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <curl/curl.h>

#include "vt.h"
#include "httpd.h"

#define MAXCONN (VT_HTTPD_FDS - 1)
#define MAXREQ 8192		/* request line and headers */
#define READ_TIMEOUT 10.0	/* seconds to send a whole request */
#define TICK 100		/* milliseconds between asking held requests */

enum state { READING, HELD, WRITING };

struct conn {
	int fd;
	enum state state;
	double since;		/* when it connected; when held, since then */
	int head;		/* HEAD: no body */
	char req[MAXREQ + 1];
	size_t len;
	char *path;		/* once read: decoded (curl_free), */
	char *query;		/* and as it came */
	char *out;		/* the response */
	size_t outlen, sent;
	int dead;		/* done with: to be closed */
};

struct vt_httpd {
	int fd;
	char *unix_path;
	vt_httpd_fn fn;
	void *arg;
	struct conn *c[MAXCONN];
	size_t n;
};

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

static int
listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		vt_die(VT_EX_USAGE, "socket path '%s' is too long (at most %zu bytes)", path,
		    sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	/* A socket left by an earlier run goes; nothing else is replaced. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			vt_die(VT_EX_CANTCREAT, "'%s' exists and is not a socket", path);
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
	    listen(fd, 64) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot listen on '%s': %s", path, strerror(errno));
	return fd;
}

static int
listen_tcp(const char *addr)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai;
	char host[256] = "127.0.0.1";
	const char *port = addr, *colon = strrchr(addr, ':');
	int fd, err, one = 1;

	if (colon) {
		size_t n = colon - addr;

		if (n >= sizeof(host))
			vt_die(VT_EX_USAGE, "bad listen address '%s'", addr);
		if (n) {
			memcpy(host, addr, n);
			host[n] = '\0';
		}
		/* [::1]:8000 */
		if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
			memmove(host, host + 1, n - 2);
			host[n - 2] = '\0';
		}
		port = colon + 1;
	}
	vt_parse_int(port, 0, 65535, "port");
	if ((err = getaddrinfo(host, port, &hints, &ai)) != 0)
		vt_die(VT_EX_USAGE, "bad listen address '%s': %s", addr, gai_strerror(err));
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0)
		vt_die(VT_EX_UNAVAILABLE, "cannot listen on '%s': %s", addr, strerror(errno));
	freeaddrinfo(ai);
	return fd;
}

struct vt_httpd *
vt_httpd_open(const char *addr, vt_httpd_fn fn, void *arg)
{
	struct vt_httpd *h = vt_calloc(1, sizeof(*h));

	h->fn = fn;
	h->arg = arg;
	if (!strncmp(addr, "unix:", 5))
		addr += 5, h->unix_path = vt_strdup(addr);
	else if (strchr(addr, '/'))
		h->unix_path = vt_strdup(addr);
	h->fd = h->unix_path ? listen_unix(h->unix_path) : listen_tcp(addr);
	return h;
}

static void
drop(struct vt_httpd *h, size_t i)
{
	struct conn *c = h->c[i];

	close(c->fd);
	curl_free(c->path);
	free(c->out);
	free(c);
	h->c[i] = h->c[--h->n];
}

static void
respond(struct conn *c, const struct vt_httpd_reply *r)
{
	size_t blen = r->body ? r->len : 0;

	c->out = vt_asprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: %s\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n",
	    r->status, reason(r->status), r->type ? r->type : "text/plain", blen,
	    r->cache ? r->cache : "no-cache");
	c->outlen = strlen(c->out);
	if (blen && !c->head) {
		c->out = vt_realloc(c->out, c->outlen + blen);
		memcpy(c->out + c->outlen, r->body, blen);
		c->outlen += blen;
	}
	c->sent = 0;
	c->state = WRITING;
}

static void
respond_status(struct conn *c, int status)
{
	struct vt_httpd_reply r = { .status = status };
	char *msg = vt_asprintf("%d %s\n", status, reason(status));

	r.body = msg;
	r.len = strlen(msg);
	respond(c, &r);
	free(msg);
}

/* Ask the handler; a held request stays held. */
static void
ask(struct vt_httpd *h, struct conn *c)
{
	struct vt_httpd_reply r = { 0 };

	if (!h->fn(h->arg, c->path, c->query, vt_now() - c->since, &r))
		return;
	respond(c, &r);
	free(r.body);
}

/* The request line of a complete request: "METHOD TARGET HTTP/1.x". */
static void
dispatch(struct vt_httpd *h, struct conn *c)
{
	char *line = c->req, *sp1, *sp2, *q, *target;
	int n;

	line[strcspn(line, "\r\n")] = '\0';
	if (!(sp1 = strchr(line, ' ')) || !(sp2 = strchr(sp1 + 1, ' ')) ||
	    strncmp(sp2 + 1, "HTTP/1.", 7)) {
		respond_status(c, 400);
		return;
	}
	*sp1 = *sp2 = '\0';
	c->head = !strcmp(line, "HEAD");
	if (strcmp(line, "GET") && !c->head) {
		respond_status(c, 405);
		return;
	}
	target = sp1 + 1;
	c->query = "";
	if ((q = strchr(target, '?'))) {
		*q = '\0';
		c->query = q + 1;
	}
	/* percent-decoded, and refused if that makes a NUL */
	if (target[0] != '/' || !(c->path = curl_easy_unescape(NULL, target, 0, &n)) ||
	    (size_t)n != strlen(c->path)) {
		respond_status(c, 400);
		return;
	}
	c->state = HELD;
	c->since = vt_now();
	ask(h, c);
}

/* A NUL, or a CR not followed by LF, in req[from, len): such a request
 * could never end the way the search for its blank line expects, so it is
 * refused at once (RFC 9112 2.2 lets a server reject a bare CR). */
static int
malformed(const char *req, size_t from, size_t len)
{
	size_t i;

	for (i = from; i < len; i++)
		if (!req[i] || (req[i] == '\r' && i + 1 < len && req[i + 1] != '\n'))
			return 1;
	return 0;
}

static void
on_read(struct vt_httpd *h, struct conn *c)
{
	size_t from;
	ssize_t n;

	if (c->state != READING) {
		char junk[512];

		/* A held client that hangs up is forgotten. */
		if ((n = recv(c->fd, junk, sizeof(junk), 0)) == 0 ||
		    (n < 0 && errno != EAGAIN && errno != EINTR))
			c->dead = 1;
		return;
	}
	if ((n = recv(c->fd, c->req + c->len, MAXREQ - c->len, 0)) <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			c->dead = 1;
		return;
	}
	from = c->len ? c->len - 1 : 0;
	c->len += n;
	c->req[c->len] = '\0';
	if (malformed(c->req, from, c->len))
		respond_status(c, 400);
	else if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
		dispatch(h, c);
	else if (c->len == MAXREQ)
		respond_status(c, 400);
}

/* Returns 0 when the connection is done with. */
static int
on_write(struct conn *c)
{
	ssize_t n;

	while (c->sent < c->outlen) {
		n = send(c->fd, c->out + c->sent, c->outlen - c->sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n <= 0)
			return 0;
		c->sent += n;
	}
	return 0;
}

static void
accept_all(struct vt_httpd *h)
{
	int fd;

	while ((fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct conn *c;

		if (h->n == MAXCONN) {
			close(fd);
			continue;
		}
		c = vt_calloc(1, sizeof(*c));
		c->fd = fd;
		c->state = READING;
		c->since = vt_now();
		h->c[h->n++] = c;
	}
}

size_t
vt_httpd_fds(struct vt_httpd *h, struct pollfd *pfd)
{
	size_t i, n = 0;

	pfd[n++] = (struct pollfd){ h->fd, POLLIN, 0 };
	for (i = 0; i < h->n; i++)
		pfd[n++] = (struct pollfd){ h->c[i]->fd,
		    h->c[i]->state == WRITING ? POLLOUT : POLLIN, 0 };
	return n;
}

int
vt_httpd_timeout(const struct vt_httpd *h)
{
	return h->n ? TICK : -1;
}

/* Ask every held request again. */
static void
retry(struct vt_httpd *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		struct conn *c = h->c[i];

		if (c->state == HELD && !c->dead) {
			ask(h, c);
			/* Start sending at once; poll finishes what is left. */
			if (c->state == WRITING && !on_write(c))
				c->dead = 1;
		}
	}
}

void
vt_httpd_serve(struct vt_httpd *h, const struct pollfd *pfd, size_t n)
{
	double now = vt_now();
	size_t i, nc = h->n;

	/* pfd[0] is the listener, pfd[1 + i] connection i: accepting appends,
	 * and nothing is dropped before the end. */
	for (i = 0; i + 1 < n && i < nc; i++) {
		struct conn *c = h->c[i];

		if (!pfd[i + 1].revents)
			continue;
		if (c->state != WRITING && (pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
			on_read(h, c);
		if (c->state == WRITING && !c->dead && !on_write(c))
			c->dead = 1;
	}
	if (n && pfd[0].revents)
		accept_all(h);
	retry(h);
	for (i = h->n; i-- > 0;) {
		struct conn *c = h->c[i];

		if (c->state == READING && now - c->since > READ_TIMEOUT)
			c->dead = 1;
		if (c->dead)
			drop(h, i);
	}
}

void
vt_httpd_close(struct vt_httpd *h)
{
	if (!h)
		return;
	retry(h);
	while (h->n)
		drop(h, h->n - 1);
	close(h->fd);
	if (h->unix_path)
		unlink(h->unix_path);
	free(h->unix_path);
	free(h);
}
