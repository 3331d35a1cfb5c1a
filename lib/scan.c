/* The objects of a publish: the scan of the source, their digests, their
 * order, and the line that reports each. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/md5.h>
#include <libavutil/mem.h>

#include "vt.h"
#include "http.h"
#include "scan.h"

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
add_obj(struct vt_scan *s, const char *path, const char *rel, int64_t size)
{
	struct vt_obj *o;

	if (s->n % 64 == 0)
		s->objs = vt_realloc(s->objs, (s->n + 64) * sizeof(*s->objs));
	o = &s->objs[s->n++];
	memset(o, 0, sizeof(*o));
	o->path = vt_strdup(path);
	o->rel = vt_strdup(rel);
	o->size = size;
	o->fd = -1;
}

static void
walk(struct vt_scan *s, const struct vt_put_opts *o, const char *dir, const char *rel)
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
			walk(s, o, path, r);
		else if (S_ISREG(st.st_mode) && !excluded(o, r))
			add_obj(s, path, r, st.st_size);
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
	return strcmp(((const struct vt_obj *)a)->rel, ((const struct vt_obj *)b)->rel);
}

static int
by_key(const void *a, const void *b)
{
	return strcmp(((const struct vt_obj *)a)->key, ((const struct vt_obj *)b)->key);
}

/* Read every file once for its MD5, and the MD5 of each part it will be
 * sent in: what the store's ETag will be. */
static void
digest(struct vt_obj *o, int64_t ps)
{
	int64_t off;
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
		    &o->parts[i], w) < 0)
			vt_die(VT_EX_IOERR, "cannot read '%s': %s", o->path, strerror(errno));
		memcpy(all + 16 * i, o->parts[i].md5, 16);
	}
	av_md5_final(w, o->whole.md5);
	av_free(w);
	vt_hex(o->whole.md5, 16, o->md5);
	av_md5_sum(all, all, 16 * o->nparts);
	vt_hex(all, 16, o->etag);
	free(all);
	snprintf(o->etag + 32, sizeof(o->etag) - 32, "-%d", o->nparts);
}

void
vt_scan(struct vt_scan *s, const char *src, const char *dest_key, const struct vt_put_opts *o)
{
	const char *base;
	struct stat st;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (stat(src, &st) < 0)
		vt_die(VT_EX_NOINPUT, "cannot open '%s': %s", src, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		walk(s, o, src, NULL);
		qsort(s->objs, s->n, sizeof(*s->objs), by_rel);
		for (i = 0; i < s->n; i++)
			s->objs[i].key = vt_asprintf("%s%s%s", dest_key,
			    *dest_key && dest_key[strlen(dest_key) - 1] != '/' ? "/" : "", s->objs[i].rel);
	} else if (S_ISREG(st.st_mode)) {
		base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
		add_obj(s, src, base, st.st_size);
		if (!*dest_key || dest_key[strlen(dest_key) - 1] == '/')
			s->objs[0].key = vt_asprintf("%s%s", dest_key, base);
		else if (*dest_key == '/' && stat(dest_key, &st) == 0 && S_ISDIR(st.st_mode))
			s->objs[0].key = vt_asprintf("%s/%s", dest_key, base);	/* file:// */
		else
			s->objs[0].key = vt_strdup(dest_key);
	} else {
		vt_die(VT_EX_NOINPUT, "'%s' is not a file or a folder", src);
	}
	for (i = 0; i < s->n; i++)
		digest(&s->objs[i], o->part_size);
}

void
vt_scan_free(struct vt_scan *s)
{
	struct vt_obj *o;

	for (o = s->objs; o < s->objs + s->n; o++) {
		if (o->fd >= 0)
			close(o->fd);
		free(o->parts);
		free(o->path);
		free(o->rel);
		free(o->key);
	}
	free(s->objs);
	memset(s, 0, sizeof(*s));
}

void
vt_scan_by_key(struct vt_scan *s)
{
	qsort(s->objs, s->n, sizeof(*s->objs), by_key);
}

struct vt_obj *
vt_scan_find(const struct vt_scan *s, const char *key)
{
	struct vt_obj k = { .key = (char *)key };

	return bsearch(&k, s->objs, s->n, sizeof(*s->objs), by_key);
}

void
vt_obj_report(const struct vt_obj *o, const char *status, const char *etag)
{
	char *e = vt_etag_bare(etag);
	json_t *j = json_pack("{s:s, s:I, s:s?, s:s, s:I}", "key", o->key,
	    "bytes", (json_int_t)o->size, "etag", e, "status", status,
	    "ms", (json_int_t)(o->t0 > 0 ? (vt_now() - o->t0) * 1000 + 0.5 : 0));

	if (o->nparts > 1)
		json_object_set_new(j, "parts", json_integer(o->nparts));
	vt_json_print(j);
	free(e);
}
