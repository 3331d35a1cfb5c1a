/* Publishing to a local folder, and one file to an HTTP URL. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt.h"
#include "http.h"
#include "s3.h"
#include "scan.h"
#include "sink.h"

static int
same_file(const char *path, const struct vt_obj *o)
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
copy(const struct vt_obj *o, const char *path)
{
	char buf[1 << 16], *tmp;
	off_t off = 0;
	ssize_t n;
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
		vt_write_all(fd, buf, n, path);
	}
	if (close(fd) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", path, strerror(errno));
	vt_tmp_commit(tmp, path);
}

int
vt_sink_file(const char *src, const char *dest, const struct vt_put_opts *o)
{
	const char *dir = dest + 7;
	struct vt_scan sc;
	struct vt_obj *ob;
	char *path, *slash;
	int r;

	if (!strncmp(dir, "localhost/", 10))
		dir += 9;
	if (*dir != '/')
		vt_die(VT_EX_USAGE, "'%s': a file URL needs an absolute path", dest);
	vt_scan(&sc, src, dir, o);
	for (r = 0; r < VT_RANKS; r++)
		for (ob = sc.objs; ob < sc.objs + sc.n; ob++) {
			if (ob->rank != r)
				continue;
			ob->t0 = vt_now();
			path = ob->key;
			if ((slash = strrchr(path, '/')) && slash != path) {
				*slash = '\0';
				vt_mkdirs(path);
				*slash = '/';
			}
			if (!o->force && same_file(path, ob)) {
				vt_obj_report(ob, "skipped", ob->md5);
				continue;
			}
			copy(ob, path);
			vt_obj_report(ob, "uploaded", ob->md5);
		}
	vt_scan_free(&sc);
	return 0;
}

struct post {
	const struct vt_put_opts *o;
	struct vt_obj *f;
	int status;
};

static void
http_done(struct vt_req *r)
{
	struct post *s = r->arg;
	struct vt_obj *f = s->f;

	if (r->cc == CURLE_OK && r->status >= 200 && r->status < 300) {
		f->state = VT_OBJ_UPLOADED;
		vt_obj_report(f, "uploaded", r->etag ? r->etag : f->etag);
		return;
	}
	f->state = VT_OBJ_FAILED;
	vt_obj_report(f, "failed", NULL);
	s->status = vt_s3_exit(r, 1);
	vt_warn("cannot %s '%s' to '%s': %s", s->o->post ? "post" : "put", f->path,
	    vt_url_show(r->url), vt_s3_why(r));
}

int
vt_sink_http(const char *src, const char *dest, const struct vt_put_opts *o)
{
	struct vt_http_opts ho = { .parallel = 1, .retries = o->retries, .stall = o->stall };
	struct post s = { .o = o };
	struct vt_scan sc;
	struct vt_http *http;
	struct vt_req *r;

	vt_scan(&sc, src, "", o);
	if (sc.n != 1 || strcmp(sc.objs[0].path, src))
		vt_die(VT_EX_USAGE, "an http destination takes one file");
	s.f = &sc.objs[0];
	free(s.f->key);
	s.f->key = vt_strdup(vt_url_show(dest));
	if (!(http = vt_http_new(&ho)))
		vt_die(VT_EX_SOFTWARE, "cannot start libcurl");
	r = vt_req_new(o->post ? "POST" : "PUT", vt_strdup(dest));
	vt_req_header(r, "Content-Type: %s", vt_content_type(s.f->rel));
	r->body_fd = s.f->fd;
	r->body_len = s.f->size;
	r->temporary_answer = vt_s3_temporary;	/* a presigned S3 URL's */
	r->arg = &s;
	r->done = http_done;
	s.f->t0 = vt_now();
	vt_http_add(http, r);
	vt_http_run(http, NULL);
	vt_http_free(http);
	vt_scan_free(&sc);
	return s.status;
}
