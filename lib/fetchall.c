/* Fetching every object under an S3 prefix into a folder, in parallel: how
 * a job's files move between nodes that share no disk (vt-vod(7), STAGE). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt.h"
#include "http.h"
#include "put.h"
#include "s3.h"
#include "xml.h"

struct item {
	char *src;		/* s3://bucket/key */
	char *path;		/* the file it becomes */
	char *tmp;		/* its temp file while it comes */
	int fd;
	int *ret;		/* the run's exit status */
};

/* Whether a key's name below the prefix can be a file under the folder:
 * no empty component, none starting with a dot (as vt_put() leaves out
 * such files, and "." and ".." could leave the folder). */
static int
safe_name(const char *rel)
{
	const char *p = rel;

	if (!*p)
		return 0;
	for (;;) {
		if (*p == '/' || *p == '.' || !*p)
			return 0;
		if (!(p = strchr(p, '/')))
			return 1;
		p++;
	}
}

static void
open_tmp(struct vt_req *r)
{
	struct item *it = r->arg;
	char *dir = vt_strdup(it->path);

	*strrchr(dir, '/') = '\0';
	vt_mkdirs(dir);
	free(dir);
	it->tmp = vt_tmp_open(it->path, &it->fd);
	r->out_fd = it->fd;
}

static void
got(struct vt_req *r)
{
	struct item *it = r->arg;
	char *etag;
	int ok = r->cc == CURLE_OK && r->status == 200;

	if (ok && close(it->fd) < 0) {
		vt_warn("cannot write '%s': %s", it->path, strerror(errno));
		*it->ret = *it->ret ? *it->ret : VT_EX_IOERR;
		vt_tmp_discard(it->tmp);
	} else if (ok) {
		vt_tmp_commit(it->tmp, it->path);
		etag = vt_etag_bare(r->etag);
		vt_json_print(json_pack("{s:s, s:s, s:I, s:s?, s:s, s:I}", "source",
		    it->src, "file", it->path, "bytes", (json_int_t)r->out_have,
		    "etag", etag, "status", "downloaded", "ms", (json_int_t)r->ms));
		free(etag);
	} else {
		*it->ret = *it->ret ? *it->ret : vt_req_exit(r);
		vt_warn("cannot fetch '%s': %s", it->src,
		    r->status == 404 && !r->resp.data ? "not found" : vt_s3_why(r));
		if (it->tmp) {
			close(it->fd);
			vt_tmp_discard(it->tmp);
		}
	}
	free(it->src);
	free(it->path);
	free(it);
}

int
vt_get_prefix(const char *src, const char *dest, const struct vt_put_opts *o)
{
	struct vt_http_opts ho = { .parallel = o->parallel, .retries = o->retries, .stall = o->stall };
	struct vt_s3 s3;
	struct vt_s3_list l;
	struct vt_http *h;
	struct vt_req *r, **reqs = NULL;
	struct item *it;
	const char *cs, *ce;
	char *key;
	size_t plen, n = 0, i;
	int more, ret = 0;

	vt_s3_open(&s3, src, o->addressing);
	if (!(h = vt_http_new(&ho)))
		vt_die(VT_EX_SOFTWARE, "cannot start libcurl");
	plen = strlen(s3.key);
	vt_mkdirs(dest);
	/* The whole listing first: the requests share the engine it pages on. */
	vt_s3_list_open(&l, &s3, h, s3.key, 0);
	while ((more = vt_s3_list_next(&l, &cs, &ce)) > 0) {
		if (!(key = vt_xml_get(cs, ce, "Key")))
			continue;
		if (strncmp(key, s3.key, plen) || !safe_name(key + plen)) {
			free(key);
			continue;
		}
		it = vt_calloc(1, sizeof(*it));
		it->src = vt_asprintf("s3://%s/%s", s3.bucket, key);
		it->path = vt_path_join(dest, key + plen);
		it->ret = &ret;
		r = vt_s3_req(&s3, "GET", key, NULL, NULL);
		r->validator_hdr = "If-Match";	/* S3 has no If-Range */
		r->prepare = open_tmp;
		r->done = got;
		r->arg = it;
		reqs = vt_realloc(reqs, (n + 1) * sizeof(*reqs));
		reqs[n++] = r;
		free(key);
	}
	if (more < 0) {
		ret = vt_s3_exit(l.page, 0);
		vt_warn("cannot list '%s': %s", vt_url_show(src), vt_s3_why(l.page));
	}
	vt_s3_list_close(&l);
	for (i = 0; i < n; i++) {
		if (ret) {
			it = reqs[i]->arg;
			free(it->src);
			free(it->path);
			free(it);
			vt_req_free(reqs[i]);
		} else {
			vt_http_add(h, reqs[i]);
		}
	}
	free(reqs);
	vt_http_run(h, NULL);
	vt_http_free(h);
	vt_s3_close(&s3);
	return ret;
}
