/* The transfer engine: a curl multi handle, a queue, retries, and what a
 * failure means. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vt.h"
#include "http.h"

#define MAX_RESP (64 << 20)	/* an in-memory answer larger than this is refused */
#define BACKOFF_CAP 20.0

struct vt_http {
	CURLM *multi;
	struct vt_http_opts o;
	struct vt_req **active;		/* o.parallel slots */
	int nactive;
	struct vt_req *queue, *tail;	/* waiting, some until not_before */
	int64_t sent_done, recv_done;
	void (*tick)(void *);
	void *tick_arg;
	double last_tick;
	uint64_t rng;
};

void
vt_buf_add(struct vt_buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->data = vt_realloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
vt_buf_free(struct vt_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

struct vt_http *
vt_http_new(const struct vt_http_opts *o)
{
	static int inited;
	struct vt_http *h;

	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT))
			return NULL;
		inited = 1;
	}
	h = vt_calloc(1, sizeof(*h));
	if (!(h->multi = curl_multi_init())) {
		free(h);
		return NULL;
	}
	h->o = *o;
	if (h->o.parallel < 1)
		h->o.parallel = 1;
	if (h->o.backoff <= 0)
		h->o.backoff = 0.25;
	if (h->o.connect_timeout <= 0)
		h->o.connect_timeout = 10;
	h->active = vt_calloc(h->o.parallel, sizeof(*h->active));
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)h->o.parallel);
	h->rng = (uint64_t)time(NULL) * 6364136223846793005ULL ^ (uint64_t)getpid() << 17 ^
	    (uint64_t)(vt_now() * 1e9);
	return h;
}

void
vt_http_free(struct vt_http *h)
{
	if (!h)
		return;
	vt_http_cancel(h);
	curl_multi_cleanup(h->multi);
	free(h->active);
	free(h);
}

struct vt_req *
vt_req_new(const char *method, char *url)
{
	struct vt_req *r = vt_calloc(1, sizeof(*r));

	r->method = method;
	r->url = url;
	r->body_fd = -1;
	r->body_len = -1;
	r->out_fd = -1;
	r->retries = -1;
	r->length = r->total = -1;
	return r;
}

static void
clear_answer(struct vt_req *r)
{
	free(r->etag);
	free(r->content_type);
	free(r->last_modified);
	r->etag = r->content_type = r->last_modified = NULL;
	r->reason[0] = '\0';
	r->length = r->total = -1;
	r->resp.len = 0;
	if (r->resp.data)
		r->resp.data[0] = '\0';
}

void
vt_req_free(struct vt_req *r)
{
	if (!r)
		return;
	clear_answer(r);
	vt_buf_free(&r->resp);
	vt_buf_free(&r->body);
	curl_slist_free_all(r->headers);
	curl_slist_free_all(r->sent);
	free(r->validator);
	free(r->url);
	free(r);
}

void
vt_req_header(struct vt_req *r, const char *fmt, ...)
{
	struct curl_slist *l;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vt_vasprintf(fmt, ap);
	va_end(ap);
	if (!(l = curl_slist_append(r->headers, s)))
		vt_die(VT_EX_SOFTWARE, "out of memory");
	r->headers = l;
	free(s);
}

void
vt_req_set_header(struct vt_req *r, const char *name, const char *value)
{
	struct curl_slist *l, *old = r->headers;
	size_t n = strlen(name);

	r->headers = NULL;
	for (l = old; l; l = l->next)
		if (strncasecmp(l->data, name, n) || l->data[n] != ':')
			vt_req_header(r, "%s", l->data);
	curl_slist_free_all(old);
	vt_req_header(r, "%s: %s", name, value);
}

void
vt_http_add(struct vt_http *h, struct vt_req *r)
{
	r->http = h;
	r->next = NULL;
	if (h->tail)
		h->tail->next = r;
	else
		h->queue = r;
	h->tail = r;
}

void
vt_http_on_tick(struct vt_http *h, void (*tick)(void *), void *arg)
{
	h->tick = tick;
	h->tick_arg = arg;
}

void
vt_http_bytes(struct vt_http *h, int64_t *sent, int64_t *recv)
{
	int64_t s = h->sent_done, g = h->recv_done;
	int i;

	for (i = 0; i < h->o.parallel; i++)
		if (h->active[i]) {
			s += h->active[i]->sent_bytes;
			g += h->active[i]->recv_bytes;
		}
	*sent = s;
	*recv = g;
}

/* --- libcurl callbacks -------------------------------------------------- */

static size_t
readcb(char *buf, size_t size, size_t n, void *p)
{
	struct vt_req *r = p;
	int64_t left = r->body_len - r->pos;
	size_t want = size * n;
	ssize_t got;

	if ((int64_t)want > left)
		want = left;
	if (!want)
		return 0;
	if (r->body_fd < 0) {
		memcpy(buf, r->body.data + r->pos, want);
		got = want;
	} else {
		do
			got = pread(r->body_fd, buf, want, r->body_off + r->pos);
		while (got < 0 && errno == EINTR);
		if (got <= 0) {
			r->ioerr = got < 0 ? errno : EIO;	/* EIO: the file shrank */
			return CURL_READFUNC_ABORT;
		}
	}
	r->pos += got;
	r->sent_bytes = r->pos;
	return got;
}

static int
seekcb(void *p, curl_off_t off, int origin)
{
	struct vt_req *r = p;

	if (origin != SEEK_SET || off < 0 || off > r->body_len)
		return CURL_SEEKFUNC_CANTSEEK;
	r->pos = off;
	r->sent_bytes = off;
	return CURL_SEEKFUNC_OK;
}

static char *
hdrval(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *v, *e;

	if (len <= n || strncasecmp(line, name, n) || line[n] != ':')
		return NULL;
	for (v = line + n + 1, e = line + len; v < e && (*v == ' ' || *v == '\t'); v++)
		;
	while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return vt_asprintf("%.*s", (int)(e - v), v);
}

static void
setstr(char **dst, char *v)
{
	free(*dst);
	*dst = v;
}

static size_t
headercb(char *buf, size_t size, size_t n, void *p)
{
	struct vt_req *r = p;
	size_t len = size * n;
	char *v;

	if (len > 5 && !strncmp(buf, "HTTP/", 5)) {
		clear_answer(r);	/* a new answer: a redirect's or a 100's is over */
		r->body_checked = 0;
		if (sscanf(buf, "HTTP/%*s %63[^\r\n]", r->reason) != 1)
			r->reason[0] = '\0';
	} else if ((v = hdrval(buf, len, "ETag"))) {
		setstr(&r->etag, v);
	} else if ((v = hdrval(buf, len, "Content-Type"))) {
		setstr(&r->content_type, v);
	} else if ((v = hdrval(buf, len, "Last-Modified"))) {
		setstr(&r->last_modified, v);
	} else if ((v = hdrval(buf, len, "Content-Length"))) {
		r->length = strtoll(v, NULL, 10);
		if (r->total < 0)
			r->total = r->length;
		free(v);
	} else if ((v = hdrval(buf, len, "Content-Range"))) {
		int64_t start = -1, total = -1;

		if (sscanf(v, "bytes %" SCNd64 "-%*d/%" SCNd64, &start, &total) == 2 ||
		    sscanf(v, "bytes */%" SCNd64, &total) == 1)
			r->total = total;
		r->ranged = r->ranged ? (start < 0 || start == r->out_have ? 1 : 2) : 0;
		free(v);
	}
	return len;
}

static int
write_all(struct vt_req *r, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if (r->seekable)
			w = pwrite(r->out_fd, p, n, r->out_have);
		else
			w = write(r->out_fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			r->ioerr = errno;
			return -1;
		}
		p += w;
		n -= w;
		r->out_have += w;
	}
	return 0;
}

/* The first piece of a body decides where it goes: a ranged answer must
 * start where our bytes end; a whole one replaces them. */
static int
body_start(struct vt_req *r, long st)
{
	if (st == 206) {
		if (r->ranged != 1) {
			snprintf(r->err, sizeof(r->err), "the server sent the wrong range");
			return -1;
		}
	} else if (r->out_have > 0) {
		if (r->seekable) {
			if (ftruncate(r->out_fd, 0) < 0) {
				r->ioerr = errno;
				return -1;
			}
			r->out_have = r->start_have = 0;
		} else if (r->validator) {
			snprintf(r->err, sizeof(r->err), "the object changed during the transfer");
			return -1;
		} else {
			r->skip = r->out_have;	/* the same bytes again: drop them */
		}
	}
	return 0;
}

static size_t
writecb(char *buf, size_t size, size_t n, void *p)
{
	struct vt_req *r = p;
	size_t len = size * n, k;
	long st = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &st);
	if (r->out_fd < 0 || (st != 200 && st != 206)) {
		if (r->resp.len + len > MAX_RESP) {
			snprintf(r->err, sizeof(r->err), "answer larger than %d MiB", MAX_RESP >> 20);
			return 0;
		}
		vt_buf_add(&r->resp, buf, len);
		r->recv_bytes += len;
		return len;
	}
	if (!r->body_checked) {
		r->body_checked = 1;
		if (body_start(r, st) < 0)
			return 0;
	}
	if (r->skip > 0) {
		k = (int64_t)len < r->skip ? len : (size_t)r->skip;
		r->skip -= k;
		buf += k;
		len -= k;
	}
	if (len && r->on_body && r->on_body(r, buf, len))
		return 0;
	if (write_all(r, buf, len) < 0)
		return 0;
	r->recv_bytes = r->out_have - r->start_have;
	return size * n;
}

/* --- attempts ------------------------------------------------------------- */

static void
add_sent(struct vt_req *r, const char *s)
{
	struct curl_slist *l = curl_slist_append(r->sent, s);

	if (!l)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	r->sent = l;
}

static int
start(struct vt_http *h, struct vt_req *r, int slot)
{
	struct curl_slist *l;
	struct stat st;
	CURL *e;
	char *s;

	if (!r->attempts && r->prepare)
		r->prepare(r);
	if (!(e = curl_easy_init()))
		vt_die(VT_EX_SOFTWARE, "cannot start a transfer");
	r->easy = e;
	r->slot = slot;
	r->attempts++;
	if (r->attempts == 1)
		r->started = vt_now();
	r->pos = r->sent_bytes = r->recv_bytes = r->skip = 0;
	r->cc = CURLE_OK;
	r->status = 0;
	r->ioerr = 0;
	r->err[0] = '\0';
	r->ranged = 0;
	r->body_checked = 0;
	clear_answer(r);
	r->start_have = r->out_have;
	r->seekable = r->out_fd >= 0 && fstat(r->out_fd, &st) == 0 && S_ISREG(st.st_mode);

	curl_slist_free_all(r->sent);
	r->sent = NULL;
	for (l = r->headers; l; l = l->next)
		add_sent(r, l->data);
	add_sent(r, "Expect:");
	if (r->out_fd >= 0 && r->out_have > 0) {
		s = vt_asprintf("Range: bytes=%" PRId64 "-", r->out_have);
		add_sent(r, s);
		free(s);
		if (r->validator) {
			s = vt_asprintf("%s: %s", r->validator_hdr ? r->validator_hdr : "If-Range",
			    r->validator);
			add_sent(r, s);
			free(s);
		}
		r->ranged = 1;
	}

	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->err);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "vt/" VT_VERSION);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, h->o.connect_timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, h->o.stall);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, headercb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, writecb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->sent);
	if (r->path_as_is)
		curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
	if (r->follow) {
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
		curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	}
	if (r->auth)
		r->auth(e, r->auth_arg);
	if (!strcmp(r->method, "HEAD")) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(r->method, "PUT")) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(r->body_len > 0 ? r->body_len : 0));
	} else if (!strcmp(r->method, "POST")) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		if (r->body_len < 0)
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(r->body_len > 0 ? r->body_len : 0));
	} else if (strcmp(r->method, "GET")) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	}
	if (r->body_len >= 0) {
		curl_easy_setopt(e, CURLOPT_READFUNCTION, readcb);
		curl_easy_setopt(e, CURLOPT_READDATA, r);
		curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, seekcb);
		curl_easy_setopt(e, CURLOPT_SEEKDATA, r);
	}
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK)
		vt_die(VT_EX_SOFTWARE, "cannot start a transfer");
	h->active[slot] = r;
	h->nactive++;
	return 0;
}

static void
stop_easy(struct vt_http *h, struct vt_req *r)
{
	curl_multi_remove_handle(h->multi, r->easy);
	curl_easy_cleanup(r->easy);
	r->easy = NULL;
	h->active[r->slot] = NULL;
	h->nactive--;
}

/* What is worth another try: the network failing, and servers saying so. */
static int
temporary(const struct vt_req *r)
{
	if (r->ioerr)
		return 0;
	switch (r->cc) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
	switch (r->status) {
	case 408: case 429: case 500: case 502: case 503: case 504:
		return 1;
	}
	return r->temporary_answer && r->temporary_answer(r);
}

static double
backoff(struct vt_http *h, int attempt)
{
	double cap = h->o.backoff * pow(2, attempt - 1);

	h->rng ^= h->rng << 13;
	h->rng ^= h->rng >> 7;
	h->rng ^= h->rng << 17;
	if (cap > BACKOFF_CAP)
		cap = BACKOFF_CAP;
	return cap * (double)(h->rng >> 11) / (double)(1ULL << 53);
}

static void
finish(struct vt_http *h, struct vt_req *r, CURLcode cc)
{
	int retries = r->retries >= 0 ? r->retries : h->o.retries;

	r->cc = cc;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	stop_easy(h, r);
	if (r->cc == CURLE_OK && r->status == 416 && r->ranged && r->total == r->out_have)
		r->status = 206;	/* we had it all */
	if (r->cc == CURLE_OK && r->status == 412 && r->validator && r->seekable) {
		/* the object changed since our bytes came: start it over */
		free(r->validator);
		r->validator = NULL;
		if (ftruncate(r->out_fd, 0) == 0) {
			r->out_have = 0;
			r->attempts--;
			vt_http_add(h, r);
			return;
		}
	}
	if (temporary(r) && r->attempts <= retries) {
		vt_info("%s %s: %s; retry %d of %d", r->method, vt_url_show(r->url), vt_req_error(r),
		    r->attempts, retries);
		r->not_before = vt_now() + backoff(h, r->attempts);
		vt_http_add(h, r);
		return;
	}
	r->temporary = temporary(r);
	r->ms = (int64_t)llround((vt_now() - r->started) * 1000);
	h->sent_done += r->sent_bytes;
	h->recv_done += r->recv_bytes;
	if (r->done)
		r->done(r);
	if (!r->keep)
		vt_req_free(r);
}

/* Start what may start: the first waiting requests whose time has come. */
static double
start_ready(struct vt_http *h)
{
	struct vt_req **pp = &h->queue, *r, *prev = NULL;
	double now = vt_now(), next = -1;
	int slot;

	while ((r = *pp) && h->nactive < h->o.parallel) {
		if (r->not_before > now) {
			if (next < 0 || r->not_before < next)
				next = r->not_before;
			prev = r;
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		if (h->tail == r)
			h->tail = prev;
		for (slot = 0; h->active[slot]; slot++)
			;
		start(h, r, slot);
	}
	for (; r; r = r->next)
		if (r->not_before > now && (next < 0 || r->not_before < next))
			next = r->not_before;
	return next < 0 ? -1 : next - now;
}

void
vt_http_cancel(struct vt_http *h)
{
	struct vt_req *r;
	int i;

	for (i = 0; i < h->o.parallel; i++)
		if ((r = h->active[i])) {
			stop_easy(h, r);
			vt_req_free(r);
		}
	while ((r = h->queue)) {
		h->queue = r->next;
		vt_req_free(r);
	}
	h->tail = NULL;
}

void
vt_http_one(struct vt_http *h, struct vt_req *r)
{
	r->keep = 1;
	vt_http_add(h, r);
	vt_http_run(h, NULL);
}

int
vt_http_run(struct vt_http *h, volatile sig_atomic_t *stop)
{
	struct CURLMsg *m;
	double wait;
	int running, left, ms, finished;

	for (;;) {
		if (stop && *stop) {
			vt_http_cancel(h);
			return -1;
		}
		wait = start_ready(h);
		if (!h->nactive && !h->queue)
			return 0;
		curl_multi_perform(h->multi, &running);
		finished = 0;
		while ((m = curl_multi_info_read(h->multi, &left))) {
			struct vt_req *r = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			finish(h, r, m->data.result);
			finished = 1;
		}
		if (h->tick && vt_now() - h->last_tick >= 0.2) {
			h->last_tick = vt_now();
			h->tick(h->tick_arg);
		}
		if (finished)
			continue;	/* slots are free, or finish() queued more */
		ms = 200;
		if (wait >= 0 && wait * 1000 < ms)
			ms = (int)(wait * 1000) + 1;
		curl_multi_poll(h->multi, NULL, 0, ms, NULL);
	}
}

const char *
vt_req_error(const struct vt_req *r)
{
	static char buf[CURL_ERROR_SIZE + 64];

	if (r->ioerr)
		return strerror(r->ioerr);
	if (r->cc != CURLE_OK)
		return r->err[0] ? r->err : curl_easy_strerror(r->cc);
	if (r->reason[0])
		snprintf(buf, sizeof(buf), "HTTP %s", r->reason);
	else
		snprintf(buf, sizeof(buf), "HTTP %ld", r->status);
	return buf;
}

const char *
vt_url_show(const char *url)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];
	const char *p = strstr(url, "://"), *host, *at, *end;

	host = p ? p + 3 : url;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', end - host);
	if (at)
		host = at + 1;
	snprintf(b, sizeof(bufs[0]), "%.*s%.*s", p ? (int)(p + 3 - url) : 0, url,
	    (int)strcspn(host, "?#"), host);
	return b;
}

const char *
vt_req_why(const struct vt_req *r, const char *error)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s", error ? error : vt_req_error(r));
	if (r->temporary && r->attempts > 1)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " (gave up after %d tries)",
		    r->attempts);
	return buf;
}

int
vt_req_exit(const struct vt_req *r)
{
	if (r->temporary)
		return VT_EX_TEMPFAIL;
	if (r->ioerr)
		return VT_EX_IOERR;
	if (r->cc != CURLE_OK)
		return VT_EX_UNAVAILABLE;
	if (r->status == 401 || r->status == 403)
		return VT_EX_NOPERM;
	if (r->status != 404 && r->status != 410)
		return VT_EX_UNAVAILABLE;
	return VT_EX_NOINPUT;
}

char *
vt_etag_bare(const char *etag)
{
	size_t n;

	if (!etag)
		return NULL;
	n = strlen(etag);
	if (n >= 2 && etag[0] == '"' && etag[n - 1] == '"')
		return vt_asprintf("%.*s", (int)n - 2, etag + 1);
	return vt_strdup(etag);
}
