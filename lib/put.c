/* Uploading: a folder or a file to S3 (in parallel, multipart, in order,
 * skipping what is there), to a local folder, or to one HTTP URL. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/md5.h>
#include <libavutil/mem.h>

#include "vt.h"
#include "digest.h"
#include "http.h"
#include "progress.h"
#include "put.h"
#include "s3.h"
#include "xml.h"

enum { WAITING, SKIPPED, UPLOADED, FAILED };
#define RANKS 5

struct part {
	struct vt_digest d;	/* MD5 */
	char *etag;
};

struct obj {
	struct put *p;
	char *path;		/* the local file */
	char *rel;		/* its name under the source folder */
	char *key;		/* its name at the destination */
	int64_t size;
	int rank;		/* goes up after every object of a lower rank */
	int fd;
	struct vt_digest whole;	/* MD5 */
	char md5[33];
	char etag[48];		/* the ETag S3 will give it */
	int nparts;
	int64_t part_size;
	struct part *parts;
	char *upload_id;	/* a multipart upload open at the store */
	int parts_left, complete_tries;
	int state;
	double t0;
};

struct remote {
	char *key, *etag;
	int64_t size;
};

struct put {
	const struct vt_put_opts *o;
	struct obj *objs;
	size_t n;
	struct vt_s3 s3;
	struct vt_http *http;
	struct vt_progress pr;
	int status;		/* the first failure's exit status */
	int ndone, ntodo;
	int64_t total;		/* bytes to send */
	char *label;		/* dest, for progress */
};

static volatile sig_atomic_t stop;	/* a signal's number, or -1 after a failure */

static void
onsignal(int sig)
{
	stop = sig;
}

/* --- what to send ------------------------------------------------------- */

static const struct {
	const char *ext, *type;
	int media;
} types[] = {
	{ "m3u8", "application/vnd.apple.mpegurl", 0 },
	{ "mpd", "application/dash+xml", 0 },
	{ "ts", "video/mp2t", 1 },
	{ "m4s", "video/mp4", 1 },
	{ "mp4", "video/mp4", 1 },
	{ "m4v", "video/mp4", 1 },
	{ "m4a", "audio/mp4", 1 },
	{ "aac", "audio/aac", 1 },
	{ "jpg", "image/jpeg", 0 },
	{ "jpeg", "image/jpeg", 0 },
	{ "png", "image/png", 0 },
	{ "webp", "image/webp", 0 },
	{ "vtt", "text/vtt", 0 },
	{ "json", "application/json", 0 },
	{ "txt", "text/plain", 0 },
};

static int
type_index(const char *name)
{
	const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');
	size_t i;

	if (!dot || (slash && dot < slash))
		return -1;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(dot + 1, types[i].ext))
			return i;
	return -1;
}

const char *
vt_content_type(const char *name)
{
	int i = type_index(name);

	return i < 0 ? "application/octet-stream" : types[i].type;
}

/* Segments are never rewritten under their name; playlists and the rest
 * may be, by a new publish. */
const char *
vt_cache_control(const char *name)
{
	int i = type_index(name);

	return i >= 0 && types[i].media ? "public, max-age=31536000, immutable" : "public, max-age=60";
}

static int
has_line(const char *path, const char *prefix)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, prefix, strlen(prefix));
	fclose(f);
	return found;
}

/* Objects that name others go up after them. */
static int
rank(const char *rel, const char *path)
{
	const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	int i = type_index(rel);

	if (i < 0)
		return 0;
	if (!strcmp(types[i].ext, "vtt"))
		return 1;	/* a thumbnail track names its sprites */
	if (strcmp(types[i].ext, "m3u8"))
		return 0;
	if (!strcmp(rel, "master.m3u8"))
		return 4;
	if (!strcmp(base, "master.m3u8") || has_line(path, "#EXT-X-STREAM-INF"))
		return 3;
	return 2;
}

/* --- the source --------------------------------------------------------- */

static int
excluded(const struct vt_put_opts *o, const char *rel)
{
	const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	size_t i;

	for (i = 0; i < o->nexclude; i++)
		if (!fnmatch(o->exclude[i], rel, 0) || !fnmatch(o->exclude[i], base, 0))
			return 1;
	return 0;
}

static void
add_obj(struct put *p, const char *path, const char *rel, int64_t size)
{
	struct obj *o;

	if (p->n % 64 == 0)
		p->objs = vt_realloc(p->objs, (p->n + 64) * sizeof(*p->objs));
	o = &p->objs[p->n++];
	memset(o, 0, sizeof(*o));
	o->path = vt_strdup(path);
	o->rel = vt_strdup(rel);
	o->size = size;
	o->fd = -1;
}

static void
walk(struct put *p, const char *dir, const char *rel)
{
	struct dirent *e;
	struct stat st;
	char *path, *r;
	DIR *d;

	if (!(d = opendir(dir)))
		vt_die(VT_EX_NOINPUT, "cannot open '%s': %s", dir, strerror(errno));
	while ((errno = 0, e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;	/* hidden, and the pipeline's .work */
		path = vt_path_join(dir, e->d_name);
		r = rel ? vt_asprintf("%s/%s", rel, e->d_name) : vt_strdup(e->d_name);
		if (stat(path, &st) < 0)
			vt_die(VT_EX_NOINPUT, "cannot open '%s': %s", path, strerror(errno));
		if (S_ISDIR(st.st_mode))
			walk(p, path, r);
		else if (S_ISREG(st.st_mode) && !excluded(p->o, r))
			add_obj(p, path, r, st.st_size);
		free(path);
		free(r);
	}
	if (errno)
		vt_die(VT_EX_IOERR, "cannot read '%s': %s", dir, strerror(errno));
	closedir(d);
}

static int
by_rel(const void *a, const void *b)
{
	return strcmp(((const struct obj *)a)->rel, ((const struct obj *)b)->rel);
}

static int
by_key(const void *a, const void *b)
{
	return strcmp(((const struct obj *)a)->key, ((const struct obj *)b)->key);
}

/* Read every file once for its MD5, and the MD5 of each part it will be
 * sent in: what the store's ETag will be. */
static void
digest(struct put *p, struct obj *o)
{
	int64_t ps = p->o->part_size, off;
	struct AVMD5 *w;
	uint8_t *all;
	int i;

	if ((o->fd = open(o->path, O_RDONLY | O_CLOEXEC)) < 0)
		vt_die(VT_EX_NOINPUT, "cannot open '%s': %s", o->path, strerror(errno));
	o->rank = rank(o->rel, o->path);
	if (o->size <= ps) {
		o->nparts = 1;
		if (vt_digest_fd(o->fd, 0, o->size, VT_MD5, &o->whole, NULL) < 0)
			vt_die(VT_EX_IOERR, "cannot read '%s': %s", o->path, strerror(errno));
		vt_hex(o->whole.md5, 16, o->md5);
		strcpy(o->etag, o->md5);
		return;
	}
	if ((o->size + ps - 1) / ps > VT_PARTS_MAX)	/* S3 takes 10000 parts at most */
		ps = ((o->size + VT_PARTS_MAX - 1) / VT_PARTS_MAX + (1 << 20) - 1) & ~((1LL << 20) - 1);
	o->part_size = ps;
	o->nparts = (o->size + ps - 1) / ps;
	o->parts = vt_calloc(o->nparts, sizeof(*o->parts));
	all = vt_malloc(16 * o->nparts);
	if (!(w = av_md5_alloc()))
		vt_die(VT_EX_SOFTWARE, "out of memory");
	av_md5_init(w);
	for (i = 0, off = 0; i < o->nparts; i++, off += ps) {
		if (vt_digest_fd(o->fd, off, o->size - off < ps ? o->size - off : ps, VT_MD5,
		    &o->parts[i].d, w) < 0)
			vt_die(VT_EX_IOERR, "cannot read '%s': %s", o->path, strerror(errno));
		memcpy(all + 16 * i, o->parts[i].d.md5, 16);
	}
	av_md5_final(w, o->whole.md5);
	av_free(w);
	vt_hex(o->whole.md5, 16, o->md5);
	av_md5_sum(all, all, 16 * o->nparts);
	vt_hex(all, 16, o->etag);
	free(all);
	snprintf(o->etag + 32, sizeof(o->etag) - 32, "-%d", o->nparts);
}

/* The objects of src, named under prefix (a folder's) or as key (a file's,
 * when key does not end in '/'). */
static void
scan(struct put *p, const char *src, const char *dest_key)
{
	const char *base;
	struct stat st;
	size_t i;

	if (stat(src, &st) < 0)
		vt_die(VT_EX_NOINPUT, "cannot open '%s': %s", src, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		walk(p, src, NULL);
		qsort(p->objs, p->n, sizeof(*p->objs), by_rel);
		for (i = 0; i < p->n; i++)
			p->objs[i].key = vt_asprintf("%s%s%s", dest_key,
			    *dest_key && dest_key[strlen(dest_key) - 1] != '/' ? "/" : "", p->objs[i].rel);
	} else if (S_ISREG(st.st_mode)) {
		base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
		add_obj(p, src, base, st.st_size);
		if (!*dest_key || dest_key[strlen(dest_key) - 1] == '/')
			p->objs[0].key = vt_asprintf("%s%s", dest_key, base);
		else if (*dest_key == '/' && stat(dest_key, &st) == 0 && S_ISDIR(st.st_mode))
			p->objs[0].key = vt_asprintf("%s/%s", dest_key, base);	/* file:// */
		else
			p->objs[0].key = vt_strdup(dest_key);
	} else {
		vt_die(VT_EX_NOINPUT, "'%s' is not a file or a folder", src);
	}
	for (i = 0; i < p->n; i++) {
		p->objs[i].p = p;
		digest(p, &p->objs[i]);
	}
}

static void
free_objs(struct put *p)
{
	struct obj *o;
	int i;

	for (o = p->objs; o < p->objs + p->n; o++) {
		if (o->fd >= 0)
			close(o->fd);
		for (i = 0; o->parts && i < o->nparts; i++)
			free(o->parts[i].etag);
		free(o->parts);
		free(o->upload_id);
		free(o->path);
		free(o->rel);
		free(o->key);
	}
	free(p->objs);
}

/* --- the report --------------------------------------------------------- */

static void
report(struct obj *o, const char *status, const char *etag)
{
	json_t *j = json_pack("{s:s, s:I, s:s?, s:s, s:I}", "key", o->key,
	    "bytes", (json_int_t)o->size, "etag", etag, "status", status,
	    "ms", (json_int_t)(o->t0 > 0 ? (vt_now() - o->t0) * 1000 + 0.5 : 0));

	if (o->nparts > 1)
		json_object_set_new(j, "parts", json_integer(o->nparts));
	vt_progress_clear(&o->p->pr);
	vt_json_print(j);
}

static void
fail(struct obj *o, const struct vt_req *r, const char *doing)
{
	struct put *p = o->p;

	if (o->state == FAILED)
		return;
	o->state = FAILED;
	report(o, "failed", NULL);
	if (!p->status) {
		p->status = vt_s3_exit(r, 1);
		vt_warn("cannot %s '%s': %s", doing, o->key, vt_s3_why(r));
	}
	stop = -1;
}

static void
uploaded(struct obj *o, const char *etag)
{
	char *e = vt_etag_bare(etag);

	o->state = UPLOADED;
	o->p->ndone++;
	report(o, "uploaded", e ? e : o->etag);
	free(e);
}

/* --- S3 ------------------------------------------------------------------- */

/* The SHA-256 of a body from the file, read just before it is sent: only
 * what is sent needs it, and meanwhile other transfers run. */
static void
sign_body(struct vt_req *r)
{
	struct obj *o = r->arg;
	struct vt_digest d;
	char sha[65];

	if (vt_digest_fd(r->body_fd, r->body_off, r->body_len, VT_SHA256, &d, NULL) < 0)
		vt_die(VT_EX_IOERR, "cannot read '%s': %s", o->path, strerror(errno));
	vt_hex(d.sha256, 32, sha);
	vt_req_set_header(r, "x-amz-content-sha256", sha);
}

/* A request for the object whose body has the MD5 of d: from memory with
 * the SHA-256 of d too, or, when len >= 0, [off, off + len) of its file. */
static struct vt_req *
obj_req(struct obj *o, const char *method, const char *query, const struct vt_digest *d,
    off_t off, int64_t len)
{
	char sha[65], md5[25];
	struct vt_req *r;

	vt_hex(d->sha256, 32, sha);
	r = vt_s3_req(&o->p->s3, method, o->key, query, len < 0 ? sha : NULL);
	vt_md5_base64(d->md5, md5);
	vt_req_header(r, "Content-MD5: %s", md5);
	r->arg = o;
	if (len >= 0) {
		r->body_fd = o->fd;
		r->body_off = off;
		r->body_len = len;
		r->prepare = sign_body;
	}
	return r;
}

static void
put_done(struct vt_req *r)
{
	struct obj *o = r->arg;

	if (r->cc == CURLE_OK && r->status == 200)
		uploaded(o, r->etag);
	else
		fail(o, r, "upload");
}

static void
complete_done(struct vt_req *r);

static void
complete(struct obj *o)
{
	struct vt_buf xml = { 0 };
	struct vt_digest d;
	struct vt_req *r;
	char *q, *id, *e;
	int i;

	vt_buf_add(&xml, "<CompleteMultipartUpload>", 25);
	for (i = 0; i < o->nparts; i++) {
		e = vt_xml_escape(o->parts[i].etag);
		q = vt_asprintf("<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i + 1, e);
		vt_buf_add(&xml, q, strlen(q));
		free(q);
		free(e);
	}
	vt_buf_add(&xml, "</CompleteMultipartUpload>", 26);
	vt_digest_mem(xml.data, xml.len, &d);
	id = vt_s3_escape(o->upload_id, 0);
	q = vt_asprintf("uploadId=%s", id);
	r = obj_req(o, "POST", q, &d, 0, -1);
	free(q);
	free(id);
	vt_req_header(r, "Content-Type: application/xml");
	r->body = xml;
	r->body_len = xml.len;
	r->done = complete_done;
	if (o->complete_tries++)
		r->not_before = vt_now() + o->complete_tries;
	vt_http_add(o->p->http, r);
}

static void
complete_done(struct vt_req *r)
{
	struct obj *o = r->arg;
	char *etag, *code;

	if (r->cc != CURLE_OK || r->status != 200) {
		fail(o, r, "complete the upload of");
		return;
	}
	/* S3 may answer 200 and still fail, in the body. */
	if (r->resp.data && strstr(r->resp.data, "<Error")) {
		code = vt_xml_get(r->resp.data, r->resp.data + r->resp.len, "Code");
		if (code && (!strcmp(code, "InternalError") || !strcmp(code, "SlowDown")) &&
		    o->complete_tries <= o->p->o->retries) {
			free(code);
			complete(o);
			return;
		}
		free(code);
		fail(o, r, "complete the upload of");
		return;
	}
	etag = r->resp.data ? vt_xml_get(r->resp.data, r->resp.data + r->resp.len, "ETag") : NULL;
	free(o->upload_id);
	o->upload_id = NULL;
	uploaded(o, etag);
	free(etag);
}

static void
part_done(struct vt_req *r)
{
	struct obj *o = r->arg;

	if (r->cc != CURLE_OK || r->status != 200 || !r->etag) {
		fail(o, r, "upload a part of");
		return;
	}
	o->parts[r->tag].etag = vt_strdup(r->etag);
	if (--o->parts_left == 0)
		complete(o);
}

static void
create_done(struct vt_req *r)
{
	struct obj *o = r->arg;
	struct vt_req *pr;
	char *id, *q;
	int i;

	if (r->cc != CURLE_OK || r->status != 200) {
		fail(o, r, "start the upload of");
		return;
	}
	if (!r->resp.data || !(o->upload_id = vt_xml_get(r->resp.data, r->resp.data + r->resp.len,
	    "UploadId")) || !*o->upload_id) {
		if (!o->p->status) {
			o->p->status = VT_EX_UNAVAILABLE;
			vt_warn("cannot start the upload of '%s': no UploadId in the answer", o->key);
		}
		o->state = FAILED;
		stop = -1;
		return;
	}
	id = vt_s3_escape(o->upload_id, 0);
	o->parts_left = o->nparts;
	for (i = 0; i < o->nparts; i++) {
		off_t off = i * o->part_size;
		int64_t len = i == o->nparts - 1 ? o->size - off : o->part_size;

		q = vt_asprintf("partNumber=%d&uploadId=%s", i + 1, id);
		pr = obj_req(o, "PUT", q, &o->parts[i].d, off, len);
		free(q);
		pr->tag = i;
		pr->done = part_done;
		vt_http_add(o->p->http, pr);
	}
	free(id);
}

static void
start_obj(struct obj *o)
{
	struct vt_req *r;

	o->t0 = vt_now();
	if (o->nparts == 1) {
		r = obj_req(o, "PUT", NULL, &o->whole, 0, o->size);
		r->done = put_done;
	} else {
		r = vt_s3_req(&o->p->s3, "POST", o->key, "uploads=", NULL);
		r->arg = o;
		r->done = create_done;
	}
	vt_req_header(r, "Content-Type: %s", vt_content_type(o->rel));
	vt_req_header(r, "Cache-Control: %s", vt_cache_control(o->rel));
	vt_http_add(o->p->http, r);
}

static void
tick(void *arg)
{
	struct put *p = arg;
	int64_t sent, recv;

	vt_http_bytes(p->http, &sent, &recv);
	vt_progress_show(&p->pr, p->label, sent, p->total, p->ndone, p->ntodo);
}

static struct obj *
find_key(struct put *p, const char *key)
{
	struct obj k = { .key = (char *)key };

	return bsearch(&k, p->objs, p->n, sizeof(*p->objs), by_key);
}

/* A listing failed: dies with a clear message, unless the failure is S3
 * code soft (then only says so with VT_VERBOSE). */
static void
list_failed(struct put *p, struct vt_s3_list *l, const char *doing, const char *soft)
{
	const struct vt_req *r = l->page;
	static char why[512];
	char *code;
	int ret;

	code = r->resp.data ? vt_xml_get(r->resp.data, r->resp.data + r->resp.len, "Code") : NULL;
	if (soft && !r->temporary && (r->status == 501 || r->status == 405 ||
	    (code && strstr(soft, code)))) {
		vt_info("cannot %s 's3://%s/%s': %s", doing, p->s3.bucket, p->s3.key, vt_s3_why(r));
		free(code);
		return;
	}
	free(code);
	ret = vt_s3_exit(r, 1);
	snprintf(why, sizeof(why), "%s", r->status == 404 && ret == VT_EX_CANTCREAT ?
	    "no such bucket" : vt_s3_why(r));
	vt_s3_list_close(l);
	vt_die(ret, "cannot %s 's3://%s/%s': %s", doing, p->s3.bucket, p->s3.key, why);
}

/* Mark the objects the store has already, by size and ETag. */
static void
skip_unchanged(struct put *p, const char *prefix)
{
	const char *cs, *ce;
	char *key, *etag, *size;
	struct vt_s3_list l;
	struct obj *o;
	int more;

	vt_s3_list_open(&l, &p->s3, p->http, prefix, 0);
	while ((more = vt_s3_list_next(&l, &cs, &ce)) > 0) {
		key = vt_xml_get(cs, ce, "Key");
		etag = vt_xml_get(cs, ce, "ETag");
		size = vt_xml_get(cs, ce, "Size");
		if (key && etag && size && (o = find_key(p, key)) &&
		    strtoll(size, NULL, 10) == o->size) {
			char *e = vt_etag_bare(etag);

			if (!strcasecmp(e, o->md5) || !strcasecmp(e, o->etag)) {
				o->state = SKIPPED;
				report(o, "skipped", e);
			}
			free(e);
		}
		free(key);
		free(etag);
		free(size);
	}
	if (more < 0) {
		list_failed(p, &l, "list", "AccessDenied");
		vt_warn("cannot list 's3://%s/%s', so every object is sent", p->s3.bucket, prefix);
	}
	vt_s3_list_close(&l);
}

static void
abort_done(struct vt_req *r)
{
	if (r->cc != CURLE_OK || (r->status != 204 && r->status != 200 && r->status != 404))
		vt_warn("cannot abort an upload of '%s': %s", (char *)r->arg, vt_s3_why(r));
	free(r->arg);
}

static void
abort_upload(struct put *p, const char *key, const char *upload_id)
{
	char *id = vt_s3_escape(upload_id, 0), *q = vt_asprintf("uploadId=%s", id);
	struct vt_req *r = vt_s3_req(&p->s3, "DELETE", key, q, NULL);

	r->arg = vt_strdup(key);
	r->done = abort_done;
	r->retries = 2;
	vt_http_add(p->http, r);
	free(q);
	free(id);
}

/* Multipart uploads of our keys that an earlier run left open (it was
 * killed) hold parts the store keeps and bills: abort them. */
static void
abort_orphans(struct put *p, const char *prefix)
{
	const char *cs, *ce;
	char *key, *id;
	struct vt_s3_list l;
	int more, n = 0;

	vt_s3_list_open(&l, &p->s3, p->http, prefix, 1);
	while ((more = vt_s3_list_next(&l, &cs, &ce)) > 0) {
		key = vt_xml_get(cs, ce, "Key");
		id = vt_xml_get(cs, ce, "UploadId");
		if (key && id && find_key(p, key)) {
			abort_upload(p, key, id);
			n++;
		}
		free(key);
		free(id);
	}
	if (more < 0)
		list_failed(p, &l, "list the uploads of", "AccessDenied NotImplemented");
	vt_s3_list_close(&l);
	if (n) {
		vt_info("aborting %d multipart uploads left by an earlier run", n);
		vt_http_run(p->http, NULL);
	}
}

static int
put_s3(struct put *p, const char *src, const char *dest)
{
	const struct vt_put_opts *o = p->o;
	struct vt_http_opts ho = { o->parallel, o->retries, 0.25, o->stall, 10 };
	struct sigaction sa = { 0 }, old[3];
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	char *prefix;
	struct obj *ob;
	int r, open_uploads = 0;
	size_t i;

	vt_s3_open(&p->s3, dest, o->addressing);
	if (!(p->http = vt_http_new(&ho)))
		vt_die(VT_EX_SOFTWARE, "cannot start libcurl");
	scan(p, src, p->s3.key);
	qsort(p->objs, p->n, sizeof(*p->objs), by_key);
	prefix = p->n == 1 && !strchr(p->objs[0].rel, '/') && strcmp(p->objs[0].key, p->s3.key) == 0 ?
	    vt_strdup(p->s3.key) : vt_asprintf("%s%s", p->s3.key,
	    *p->s3.key && p->s3.key[strlen(p->s3.key) - 1] != '/' ? "/" : "");

	sa.sa_handler = onsignal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (!o->force)
		skip_unchanged(p, prefix);
	if (p->n)
		abort_orphans(p, prefix);
	for (ob = p->objs; ob < p->objs + p->n; ob++)
		if (ob->state == WAITING) {
			p->ntodo++;
			p->total += ob->size;
		}
	p->label = vt_asprintf("s3://%s/%s", p->s3.bucket, prefix);
	vt_progress_init(&p->pr, o->progress);
	vt_http_on_tick(p->http, tick, p);
	for (r = 0; r < RANKS && !stop; r++) {
		for (ob = p->objs; ob < p->objs + p->n; ob++)
			if (ob->rank == r && ob->state == WAITING)
				start_obj(ob);
		vt_http_run(p->http, &stop);
	}
	tick(p);
	vt_progress_clear(&p->pr);

	/* Stopped by a failure or a signal: a second signal kills at once. */
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	for (ob = p->objs; ob < p->objs + p->n; ob++)
		if (ob->upload_id && ob->state != UPLOADED) {
			abort_upload(p, ob->key, ob->upload_id);
			open_uploads++;
		}
	if (open_uploads) {
		vt_info("aborting %d multipart uploads", open_uploads);
		vt_http_run(p->http, NULL);
	}
	free(prefix);
	free(p->label);
	vt_http_free(p->http);
	vt_s3_close(&p->s3);
	if (stop > 0) {
		vt_warn("interrupted");
		fflush(stdout);
		raise(stop);
	}
	return p->status;
}

/* --- a local folder --------------------------------------------------------- */

static int
same_file(const char *path, const struct obj *o)
{
	struct vt_digest d;
	struct stat st;
	char md5[33];
	int fd, same;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != o->size)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	same = vt_digest_fd(fd, 0, o->size, VT_MD5, &d, NULL) == 0;
	close(fd);
	vt_hex(d.md5, 16, md5);
	return same && !strcmp(md5, o->md5);
}

static void
copy(const struct obj *o, const char *path)
{
	char buf[1 << 16], *tmp, *b;
	off_t off = 0;
	ssize_t n, w;
	int fd;

	tmp = vt_tmp_open(path, &fd);
	for (;;) {
		if ((n = pread(o->fd, buf, sizeof(buf), off)) < 0) {
			if (errno == EINTR)
				continue;
			vt_die(VT_EX_IOERR, "cannot read '%s': %s", o->path, strerror(errno));
		}
		if (n == 0)
			break;
		off += n;
		for (b = buf; n > 0; b += w, n -= w)
			if ((w = write(fd, b, n)) < 0) {
				if (errno != EINTR)
					vt_die(VT_EX_IOERR, "cannot write '%s': %s", path, strerror(errno));
				w = 0;
			}
	}
	if (close(fd) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", path, strerror(errno));
	vt_tmp_commit(tmp, path);
}

static int
put_file(struct put *p, const char *src, const char *dest)
{
	const char *dir = dest + 7;
	char *path, *slash;
	struct obj *ob;
	int r;

	if (!strncmp(dir, "localhost/", 10))
		dir += 9;
	if (*dir != '/')
		vt_die(VT_EX_USAGE, "'%s': a file URL needs an absolute path", dest);
	scan(p, src, dir);
	for (r = 0; r < RANKS; r++)
		for (ob = p->objs; ob < p->objs + p->n; ob++) {
			if (ob->rank != r)
				continue;
			ob->t0 = vt_now();
			path = ob->key;
			if ((slash = strrchr(path, '/')) && slash != path) {
				*slash = '\0';
				vt_mkdirs(path);
				*slash = '/';
			}
			if (!p->o->force && same_file(path, ob)) {
				report(ob, "skipped", ob->md5);
				continue;
			}
			copy(ob, path);
			report(ob, "uploaded", ob->md5);
		}
	return 0;
}

/* --- one file to a URL -------------------------------------------------- */

static void
http_done(struct vt_req *r)
{
	struct obj *o = r->arg;

	if (r->cc == CURLE_OK && r->status >= 200 && r->status < 300) {
		uploaded(o, r->etag);
		return;
	}
	o->state = FAILED;
	report(o, "failed", NULL);
	o->p->status = vt_s3_exit(r, 1);
	vt_warn("cannot %s '%s' to '%s': %s", o->p->o->post ? "post" : "put", o->path,
	    vt_url_show(r->url), vt_s3_why(r));
}

static int
put_http(struct put *p, const char *src, const char *dest)
{
	const struct vt_put_opts *o = p->o;
	struct vt_http_opts ho = { 1, o->retries, 0.25, o->stall, 10 };
	struct obj *ob;
	struct vt_req *r;

	scan(p, src, "");
	if (p->n != 1 || strcmp(p->objs[0].path, src))
		vt_die(VT_EX_USAGE, "an http destination takes one file");
	ob = &p->objs[0];
	free(ob->key);
	ob->key = vt_strdup(vt_url_show(dest));
	if (!(p->http = vt_http_new(&ho)))
		vt_die(VT_EX_SOFTWARE, "cannot start libcurl");
	r = vt_req_new(o->post ? "POST" : "PUT", vt_strdup(dest));
	vt_req_header(r, "Content-Type: %s", vt_content_type(ob->rel));
	r->body_fd = ob->fd;
	r->body_len = ob->size;
	r->temporary_answer = vt_s3_temporary;	/* a presigned S3 URL's */
	r->arg = ob;
	r->done = http_done;
	ob->t0 = vt_now();
	vt_http_add(p->http, r);
	vt_http_run(p->http, NULL);
	vt_http_free(p->http);
	return p->status;
}

int
vt_put(const char *src, const char *dest, const struct vt_put_opts *o)
{
	struct put p = { .o = o };
	int ret;

	if (!strncmp(dest, "s3://", 5))
		ret = put_s3(&p, src, dest);
	else if (!strncmp(dest, "file://", 7))
		ret = put_file(&p, src, dest);
	else if (!strncmp(dest, "http://", 7) || !strncmp(dest, "https://", 8))
		ret = put_http(&p, src, dest);
	else
		vt_die(VT_EX_USAGE, "'%s': the destination must be an s3://, file://, http:// or "
		    "https:// URL", dest);
	free_objs(&p);
	return ret;
}
