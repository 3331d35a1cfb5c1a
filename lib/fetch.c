/* Fetching one object: from S3, an HTTP server or a file URL, to a file
 * that a broken transfer or a later run resumes, or to stdout. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "vt.h"
#include "http.h"
#include "progress.h"
#include "put.h"
#include "s3.h"

#define HEAD_MAX (64 << 10)	/* what the media check looks at */

struct get {
	const char *src, *label;
	struct vt_req *req;
	struct vt_progress pr;
	char *idpath;		/* where the validator of dest.part is kept */
	int media, checked, bad, restarted;
	struct vt_buf head;
};

/* Whether libavformat recognises the bytes as a container it can read,
 * from their content alone. */
static int
is_media(const char *p, size_t n)
{
	uint8_t *buf = vt_calloc(1, n + AVPROBE_PADDING_SIZE);
	AVProbeData pd = { .filename = "", .buf = buf, .buf_size = n };
	const AVInputFormat *f;
	int score = 0;

	memcpy(buf, p, n);
	f = av_probe_input_format3(&pd, 1, &score);
	free(buf);
	return f && score > AVPROBE_SCORE_RETRY;
}

static int
check_head(struct get *g)
{
	g->checked = 1;
	if (g->media && !is_media(g->head.data ? g->head.data : "", g->head.len))
		g->bad = 1;
	return g->bad;
}

/* The validator the bytes came with, kept beside dest.part so that a later
 * run resumes only the same object. A weak ETag cannot be one. */
static void
save_validator(struct get *g, struct vt_req *r)
{
	const char *v = r->etag && strncmp(r->etag, "W/", 2) ? r->etag : r->last_modified;

	if (!v)
		return;
	if (!r->validator || strcmp(r->validator, v)) {
		free(r->validator);
		r->validator = vt_strdup(v);
	}
	if (g->idpath)
		vt_write_file(g->idpath, v, strlen(v));
}

static int
on_body(struct vt_req *r, const char *p, size_t n)
{
	struct get *g = r->arg;
	size_t k;

	if (r->out_have == 0) {
		/* From the first byte: the object may be another than before. */
		g->restarted = 1;
		save_validator(g, r);
		g->head.len = 0;
		g->checked = g->bad = 0;
	}
	if (g->checked)
		return 0;
	k = HEAD_MAX - g->head.len < n ? HEAD_MAX - g->head.len : n;
	vt_buf_add(&g->head, p, k);
	return g->head.len >= HEAD_MAX ? check_head(g) : 0;
}

static void
tick(void *arg)
{
	struct get *g = arg;

	vt_progress_show(&g->pr, g->label, g->req->out_have, g->req->total, 0, -1);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[512];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n ? vt_strdup(buf) : NULL;
}

/* Open dest.part to go on from where it stopped: only with a validator to
 * send, and, for the media check, once the head is all there. */
static int
open_part(struct get *g, const char *part, struct vt_req *r)
{
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot create '%s': %s", part, strerror(errno));
	if (fstat(fd, &st) < 0)
		vt_die(VT_EX_IOERR, "cannot read '%s': %s", part, strerror(errno));
	r->validator = st.st_size > 0 ? slurp(g->idpath) : NULL;
	if (r->validator && (!g->media || st.st_size >= HEAD_MAX)) {
		r->out_have = st.st_size;
		if (g->media) {
			g->head.len = 0;
			vt_buf_add(&g->head, "", 0);
			g->head.data = vt_realloc(g->head.data, HEAD_MAX + 1);
			if ((n = pread(fd, g->head.data, HEAD_MAX, 0)) < 0)
				vt_die(VT_EX_IOERR, "cannot read '%s': %s", part, strerror(errno));
			g->head.len = n;
			check_head(g);
		}
		vt_info("resuming '%s' at byte %lld", part, (long long)st.st_size);
	} else if (ftruncate(fd, 0) < 0) {
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", part, strerror(errno));
	}
	return fd;
}

static void
report(const struct get *g, const char *dest, const struct vt_req *r, int64_t first)
{
	char *etag = vt_etag_bare(r->etag);

	vt_json_print(json_pack("{s:s, s:s, s:I, s:s?, s:s, s:I}", "source", vt_url_show(g->src),
	    "file", dest, "bytes", (json_int_t)r->out_have, "etag", etag,
	    "status", first > 0 && !g->restarted ? "resumed" : "downloaded", "ms", (json_int_t)r->ms));
	free(etag);
}

/* A local file, copied; the media check looks at its head. */
static int
get_file(struct get *g, const char *path, const char *dest)
{
	char buf[HEAD_MAX], *tmp = NULL;
	ssize_t n;
	int in, out = 1, first = 1;

	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		vt_warn("cannot open '%s': %s", path, strerror(errno));
		return errno == ENOENT ? VT_EX_NOINPUT : VT_EX_IOERR;
	}
	if (strcmp(dest, "-"))
		tmp = vt_tmp_open(dest, &out);
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			vt_die(VT_EX_IOERR, "cannot read '%s': %s", path, strerror(errno));
		if (first && g->media && !is_media(buf, n)) {
			vt_warn("'%s' is not audio or video", path);
			return VT_EX_DATAERR;	/* the temp file goes at exit */
		}
		first = 0;
		vt_write_all(out, buf, n, dest);
	}
	close(in);
	if (first && g->media) {
		vt_warn("'%s' is empty, not audio or video", path);
		return VT_EX_DATAERR;
	}
	if (tmp) {
		if (close(out) < 0)
			vt_die(VT_EX_IOERR, "cannot write '%s': %s", dest, strerror(errno));
		vt_tmp_commit(tmp, dest);
	}
	return 0;
}

int
vt_get(const char *src, const char *dest, const struct vt_put_opts *o)
{
	struct vt_http_opts ho = { .parallel = 1, .retries = o->retries, .stall = o->stall };
	struct get g = { .src = src, .media = o->media };
	struct vt_s3 s3 = { 0 };
	struct vt_http *h;
	struct vt_req *r;
	char *path = NULL, *part = NULL, *label, *d = NULL;
	const char *slash;
	int fd = -1, ret = 0;
	int64_t first;
	struct stat st;

	if (!strncmp(src, "s3://", 5)) {
		vt_s3_open(&s3, src, o->addressing);
		if (!*s3.key || s3.key[strlen(s3.key) - 1] == '/') {
			if (o->media)
				vt_die(VT_EX_USAGE, "'%s' names no object, and --media checks one", src);
			vt_s3_close(&s3);
			return vt_get_prefix(src, dest, o);
		}
		r = vt_s3_req(&s3, "GET", s3.key, NULL, NULL);
		r->validator_hdr = "If-Match";	/* S3 has no If-Range */
	} else if (!strncmp(src, "http://", 7) || !strncmp(src, "https://", 8)) {
		r = vt_req_new("GET", vt_strdup(src));
		r->follow = 1;
		r->temporary_answer = vt_s3_temporary;	/* a presigned S3 URL's */
	} else if (!strncmp(src, "file://", 7)) {
		path = vt_strdup(src + 7 + (strncmp(src + 7, "localhost/", 10) ? 0 : 9));
		r = vt_req_new("GET", vt_strdup(src));
	} else {
		vt_die(VT_EX_USAGE, "'%s': the source must be an s3://, http://, https:// or file:// URL",
		    src);
	}
	label = vt_strdup(vt_url_show(src));
	if ((slash = strrchr(label, '/')) && slash[1])
		memmove(label, slash + 1, strlen(slash));
	g.label = label;
	if (strcmp(dest, "-") && ((dest[0] && dest[strlen(dest) - 1] == '/') ||
	    (stat(dest, &st) == 0 && S_ISDIR(st.st_mode))))
		dest = d = vt_path_join(dest, label);

	if (path) {
		vt_req_free(r);
		ret = get_file(&g, path, dest);
		free(path);
		free(label);
		free(d);
		return ret;
	}
	r->arg = &g;
	r->on_body = on_body;
	if (!strcmp(dest, "-")) {
		r->out_fd = 1;
	} else {
		part = vt_asprintf("%s.part", dest);
		g.idpath = vt_asprintf("%s.id", part);
		r->out_fd = fd = open_part(&g, part, r);
	}
	first = r->out_have;
	if (!(h = vt_http_new(&ho)))
		vt_die(VT_EX_SOFTWARE, "cannot start libcurl");
	g.req = r;
	vt_progress_init(&g.pr, o->progress);
	vt_http_on_tick(h, tick, &g);
	if (!g.bad)
		vt_http_one(h, r);
	if (r->status == 200 || r->status == 206)
		tick(&g);
	vt_progress_clear(&g.pr);
	if (!g.bad && r->cc == CURLE_OK && (r->status == 200 || r->status == 206) && !g.checked)
		check_head(&g);

	if (g.bad) {
		ret = VT_EX_DATAERR;
		vt_warn("'%s' is not audio or video%s%s%s", vt_url_show(src),
		    r->content_type ? " (" : "", r->content_type ? r->content_type : "",
		    r->content_type ? ")" : "");
	} else if (r->cc != CURLE_OK || (r->status != 200 && r->status != 206)) {
		ret = vt_req_exit(r);
		vt_warn("cannot fetch '%s': %s", vt_url_show(src), r->status == 404 && ret ==
		    VT_EX_NOINPUT && !r->resp.data ? "not found" : vt_s3_why(r));
	}
	if (part) {
		if (close(fd) < 0 && !ret) {
			ret = VT_EX_IOERR;
			vt_warn("cannot write '%s': %s", part, strerror(errno));
		}
		if (!ret) {
			if (rename(part, dest) < 0)
				vt_die(VT_EX_CANTCREAT, "cannot rename onto '%s': %s", dest, strerror(errno));
			unlink(g.idpath);
			report(&g, dest, r, first);
		} else if (ret != VT_EX_TEMPFAIL || !r->out_have) {
			unlink(part);	/* only a transfer cut short is worth resuming */
			unlink(g.idpath);
		}
	}
	vt_req_free(r);
	vt_http_free(h);
	if (s3.bucket)
		vt_s3_close(&s3);
	vt_buf_free(&g.head);
	free(part);
	free(g.idpath);
	free(label);
	free(d);
	return ret;
}
