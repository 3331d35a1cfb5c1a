/* Publishing to S3: each object a PUT, or a multipart upload (create, the
 * parts, complete) whose parts go in parallel with other objects. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vt.h"
#include "http.h"
#include "progress.h"
#include "s3.h"
#include "scan.h"
#include "upload.h"
#include "xml.h"

struct obj {			/* an object's upload */
	struct put *p;
	struct vt_obj *f;
	char **etags;		/* each part's, as the store gave it */
	char *upload_id;	/* a multipart upload open at the store */
	int parts_left, complete_tries;
};

struct put {
	const struct vt_put_opts *o;
	struct vt_scan sc;
	struct obj *objs;	/* sc's, in its order */
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

static void
report(struct put *p, struct vt_obj *f, const char *status, const char *etag)
{
	vt_progress_clear(&p->pr);
	vt_obj_report(f, status, etag);
}

static void
fail(struct obj *o, const struct vt_req *r, const char *doing)
{
	struct put *p = o->p;

	if (o->f->state == VT_OBJ_FAILED)
		return;
	o->f->state = VT_OBJ_FAILED;
	report(p, o->f, "failed", NULL);
	if (!p->status) {
		p->status = vt_s3_exit(r, 1);
		vt_warn("cannot %s '%s': %s", doing, o->f->key, vt_s3_why(r));
	}
	stop = -1;
}

static void
uploaded(struct obj *o, const char *etag)
{
	o->f->state = VT_OBJ_UPLOADED;
	o->p->ndone++;
	report(o->p, o->f, "uploaded", etag ? etag : o->f->etag);
}

/* The SHA-256 of a body from the file, read just before it is sent: only
 * what is sent needs it, and meanwhile other transfers run. */
static void
sign_body(struct vt_req *r)
{
	struct obj *o = r->arg;
	struct vt_digest d;
	char sha[65];

	if (vt_digest_fd(r->body_fd, r->body_off, r->body_len, VT_SHA256, &d, NULL) < 0)
		vt_die(VT_EX_IOERR, "cannot read '%s': %s", o->f->path, strerror(errno));
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
	r = vt_s3_req(&o->p->s3, method, o->f->key, query, len < 0 ? sha : NULL);
	vt_md5_base64(d->md5, md5);
	vt_req_header(r, "Content-MD5: %s", md5);
	r->arg = o;
	if (len >= 0) {
		r->body_fd = o->f->fd;
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
	for (i = 0; i < o->f->nparts; i++) {
		e = vt_xml_escape(o->etags[i]);
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
		code = vt_s3_code(r);
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
	o->etags[r->tag] = vt_strdup(r->etag);
	if (--o->parts_left == 0)
		complete(o);
}

static void
create_done(struct vt_req *r)
{
	struct obj *o = r->arg;
	struct vt_obj *f = o->f;
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
			vt_warn("cannot start the upload of '%s': no UploadId in the answer", f->key);
		}
		f->state = VT_OBJ_FAILED;
		stop = -1;
		return;
	}
	id = vt_s3_escape(o->upload_id, 0);
	o->etags = vt_calloc(f->nparts, sizeof(*o->etags));
	o->parts_left = f->nparts;
	for (i = 0; i < f->nparts; i++) {
		off_t off = i * f->part_size;
		int64_t len = i == f->nparts - 1 ? f->size - off : f->part_size;

		q = vt_asprintf("partNumber=%d&uploadId=%s", i + 1, id);
		pr = obj_req(o, "PUT", q, &f->parts[i], off, len);
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

	o->f->t0 = vt_now();
	if (o->f->nparts == 1) {
		r = obj_req(o, "PUT", NULL, &o->f->whole, 0, o->f->size);
		r->done = put_done;
	} else {
		r = vt_s3_req(&o->p->s3, "POST", o->f->key, "uploads=", NULL);
		r->arg = o;
		r->done = create_done;
	}
	vt_req_header(r, "Content-Type: %s", vt_content_type(o->f->rel));
	vt_req_header(r, "Cache-Control: %s", vt_cache_control(o->f->rel));
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

/* A listing failed: dies with a clear message, unless the failure is S3
 * code soft (then only says so with VT_VERBOSE). */
static void
list_failed(struct put *p, struct vt_s3_list *l, const char *doing, const char *soft)
{
	const struct vt_req *r = l->page;
	static char why[512];
	char *code = vt_s3_code(r);
	int ret;

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
	struct vt_obj *f;
	int more;

	vt_s3_list_open(&l, &p->s3, p->http, prefix, 0);
	while ((more = vt_s3_list_next(&l, &cs, &ce)) > 0) {
		key = vt_xml_get(cs, ce, "Key");
		etag = vt_xml_get(cs, ce, "ETag");
		size = vt_xml_get(cs, ce, "Size");
		if (key && etag && size && (f = vt_scan_find(&p->sc, key)) &&
		    strtoll(size, NULL, 10) == f->size) {
			char *e = vt_etag_bare(etag);

			if (!strcasecmp(e, f->md5) || !strcasecmp(e, f->etag)) {
				f->state = VT_OBJ_SKIPPED;
				report(p, f, "skipped", e);
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
		if (key && id && vt_scan_find(&p->sc, key)) {
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

static void
free_objs(struct put *p)
{
	struct obj *o;
	int i;

	for (o = p->objs; o < p->objs + p->sc.n; o++) {
		for (i = 0; o->etags && i < o->f->nparts; i++)
			free(o->etags[i]);
		free(o->etags);
		free(o->upload_id);
	}
	free(p->objs);
	vt_scan_free(&p->sc);
}

int
vt_upload(const char *src, const char *dest, const struct vt_put_opts *o)
{
	struct vt_http_opts ho = { .parallel = o->parallel, .retries = o->retries, .stall = o->stall };
	struct sigaction sa = { 0 }, old[3];
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct put put = { .o = o }, *p = &put;
	char *prefix;
	struct obj *ob;
	int r, open_uploads = 0;
	size_t i, n;

	vt_s3_open(&p->s3, dest, o->addressing);
	if (!(p->http = vt_http_new(&ho)))
		vt_die(VT_EX_SOFTWARE, "cannot start libcurl");
	vt_scan(&p->sc, src, p->s3.key, o);
	vt_scan_by_key(&p->sc);
	n = p->sc.n;
	p->objs = vt_calloc(n, sizeof(*p->objs));
	for (i = 0; i < n; i++) {
		p->objs[i].p = p;
		p->objs[i].f = &p->sc.objs[i];
	}
	prefix = n == 1 && !strchr(p->sc.objs[0].rel, '/') && strcmp(p->sc.objs[0].key, p->s3.key) == 0 ?
	    vt_strdup(p->s3.key) : vt_asprintf("%s%s", p->s3.key,
	    *p->s3.key && p->s3.key[strlen(p->s3.key) - 1] != '/' ? "/" : "");

	sa.sa_handler = onsignal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (!o->force)
		skip_unchanged(p, prefix);
	if (n)
		abort_orphans(p, prefix);
	for (ob = p->objs; ob < p->objs + n; ob++)
		if (ob->f->state == VT_OBJ_WAITING) {
			p->ntodo++;
			p->total += ob->f->size;
		}
	p->label = vt_asprintf("s3://%s/%s", p->s3.bucket, prefix);
	vt_progress_init(&p->pr, o->progress);
	vt_http_on_tick(p->http, tick, p);
	for (r = 0; r < VT_RANKS && !stop; r++) {
		for (ob = p->objs; ob < p->objs + n; ob++)
			if (ob->f->rank == r && ob->f->state == VT_OBJ_WAITING)
				start_obj(ob);
		vt_http_run(p->http, &stop);
	}
	tick(p);
	vt_progress_clear(&p->pr);

	/* Stopped by a failure or a signal: a second signal kills at once. */
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	for (ob = p->objs; ob < p->objs + n; ob++)
		if (ob->upload_id && ob->f->state != VT_OBJ_UPLOADED) {
			abort_upload(p, ob->f->key, ob->upload_id);
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
	free_objs(p);
	return p->status;
}
