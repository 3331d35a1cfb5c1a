/* vt-encode's result lines: parsed, checked, ordered and grouped by rung. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "chunks.h"

/* vt-encode's names for a chunk's file in a rung, and for an audio
 * rendition's. */
#define CHUNK_FILE "%s/c%05zu.ts"
#define AUDIO_FILE "%s.ts"

int
vt_chunks_are(const json_t *lines)
{
	return json_object_get(json_array_get(lines, 0), "type") != NULL;
}

/* Sort the video lines by chunk, checked to be complete and consistent;
 * the audio lines, each rendition once, in their order. */
static void
add_audio(struct vt_chunks *c, const json_t *l, size_t i)
{
	struct vt_arend *r;
	const json_t *jr = json_object_get(l, "rendition");
	char what[64];
	size_t k;

	if (c->naudio == VT_MAX_AUDIO)
		vt_die(VT_EX_DATAERR, "more than %d audio lines", VT_MAX_AUDIO);
	c->audio[c->naudio] = l;
	r = &c->arend[c->naudio++];
	snprintf(what, sizeof(what), "input line %zu", i + 1);
	if (jr) {
		vt_arend_load(r, jr, what);
	} else {
		/* a line without a rendition: the only audio, as vt-encode made it
		 * before it encoded more than one */
		*r = (struct vt_arend){ .dflt = 1, .autoselect = 1 };
		snprintf(r->name, sizeof(r->name), "audio");
		snprintf(r->label, sizeof(r->label), "default");
	}
	for (k = 0; k + 1 < c->naudio; k++)
		if (!strcmp(c->arend[k].name, r->name))
			vt_die(VT_EX_DATAERR, "%s: audio rendition '%s' given twice", what, r->name);
}

static void
collect(const json_t *lines, struct vt_chunks *c)
{
	const json_t *l;
	double offset = -1, seg = -1, o, s;
	size_t i, n = 0;
	long long idx, total;

	json_array_foreach(lines, i, l) {
		const char *type = vt_json_str(l, "type", "video");
		const json_t *g = json_object_get(l, "grid");

		if (!json_is_object(l))
			vt_die(VT_EX_DATAERR, "input line %zu is not an object", i + 1);
		o = vt_json_num(g, "offset", -1);
		s = vt_json_num(g, "seg", -1);
		if (o < 0 || s <= 0)
			vt_die(VT_EX_DATAERR, "input line %zu: missing 'grid'", i + 1);
		if (offset >= 0 && (o != offset || s != seg))
			vt_die(VT_EX_DATAERR, "input line %zu: segment grid differs", i + 1);
		offset = o;
		seg = s;
		if (!strcmp(type, "audio")) {
			add_audio(c, l, i);
			continue;
		}
		if (strcmp(type, "video"))
			vt_die(VT_EX_DATAERR, "input line %zu: unknown type '%s'", i + 1, type);
		idx = vt_json_need_int(l, "chunk");
		total = vt_json_need_int(l, "chunks");
		if (total < 1 || total > 1000000 || idx < 0 || idx >= total)
			vt_die(VT_EX_DATAERR, "input line %zu: bad chunk %lld of %lld", i + 1, idx, total);
		if (!c->video) {
			n = (size_t)total;
			c->video = vt_calloc(n, sizeof(*c->video));
		} else if ((size_t)total != n) {
			vt_die(VT_EX_DATAERR, "input line %zu: chunk count differs", i + 1);
		}
		if (c->video[idx])
			vt_die(VT_EX_DATAERR, "chunk %lld given twice", idx);
		c->video[idx] = l;
	}
	for (i = 0; i < n; i++)
		if (!c->video[i])
			vt_die(VT_EX_DATAERR, "chunk %zu of %zu is missing", i, n);
	if (!n && !c->naudio)
		vt_die(VT_EX_DATAERR, "no input: want vt-encode result lines");
	vt_grid_init(&c->grid, offset, seg);
	c->n = n;
}

/* The rungs of chunk 0; every chunk must have the same. */
static void
rungs_of(struct vt_chunks *c)
{
	const json_t *rungs = json_object_get(c->video[0], "rungs"), *r, *o;
	struct vt_chunk_rung *rs;
	size_t i, k, nr = json_array_size(rungs);

	if (!json_is_array(rungs) || nr == 0 || nr > 64)
		vt_die(VT_EX_DATAERR, "chunk 0: missing 'rungs'");
	rs = c->rungs = vt_calloc(nr, sizeof(*rs));
	c->nrungs = nr;
	json_array_foreach(rungs, i, r) {
		rs[i].name = vt_json_need_str(r, "name");
		if (!vt_safe_name(rs[i].name) || !strcmp(rs[i].name, "audio"))
			vt_die(VT_EX_DATAERR, "bad rung name '%s'", rs[i].name);
		for (k = 0; k < i; k++)
			if (!strcmp(rs[k].name, rs[i].name))
				vt_die(VT_EX_DATAERR, "chunk 0: rung '%s' given twice", rs[i].name);
		rs[i].width = (int)vt_json_need_int(r, "width");
		rs[i].height = (int)vt_json_need_int(r, "height");
		for (k = 1; k < c->n; k++) {
			o = json_array_get(json_object_get(c->video[k], "rungs"), i);
			if (strcmp(vt_json_str(o, "name", ""), rs[i].name) ||
			    vt_json_int(o, "width", 0) != rs[i].width ||
			    vt_json_int(o, "height", 0) != rs[i].height)
				vt_die(VT_EX_DATAERR, "chunk %zu: rungs differ from chunk 0", k);
		}
	}
}

/* path must be c->dir followed by name: the first path seen sets
 * c->dir. */
static void
check_name(struct vt_chunks *c, const char *path, const char *name)
{
	size_t n = strlen(path), k = strlen(name);

	if (n < k || strcmp(path + n - k, name) || (n > k && path[n - k - 1] != '/'))
		vt_die(VT_EX_DATAERR, "'%s' is not where vt-encode writes %s", path, name);
	if (!c->dir)
		c->dir = vt_asprintf("%.*s", (int)(n - k), path);
	else if (strlen(c->dir) != n - k || strncmp(c->dir, path, n - k))
		vt_die(VT_EX_DATAERR, "'%s' is not in the encode folder '%s'", path, c->dir);
}

/* The file at path, links resolved, must be in the folder real. */
static void
check_inside(const char *path, const char *real)
{
	char *r = realpath(path, NULL);
	size_t n = strlen(real);

	if (!r)
		vt_die(errno == ENOMEM ? VT_EX_SOFTWARE : VT_EX_NOINPUT, "cannot open '%s': %s",
		    path, strerror(errno));
	if (strcmp(real, "/") && (strncmp(r, real, n) || r[n] != '/'))
		vt_die(VT_EX_DATAERR, "'%s' leads out of the encode folder", path);
	free(r);
}

/* Every file the lines name, by its name and then on disk. */
static void
check_paths(struct vt_chunks *c)
{
	const char *p;
	char *name, *real;
	size_t i, k;

	for (i = 0; i < c->n; i++)
		for (k = 0; k < c->nrungs; k++) {
			name = vt_asprintf(CHUNK_FILE, c->rungs[k].name, i);
			check_name(c, vt_chunks_path(c, i, k), name);
			free(name);
		}
	for (i = 0; i < c->naudio; i++) {
		name = vt_asprintf(AUDIO_FILE, c->arend[i].name);
		check_name(c, vt_json_need_str(c->audio[i], "path"), name);
		free(name);
	}
	p = *c->dir ? c->dir : ".";
	if (!(real = realpath(p, NULL)))
		vt_die(errno == ENOMEM ? VT_EX_SOFTWARE : VT_EX_NOINPUT, "cannot open '%s': %s", p,
		    strerror(errno));
	for (i = 0; i < c->n; i++)
		for (k = 0; k < c->nrungs; k++)
			check_inside(vt_chunks_path(c, i, k), real);
	for (i = 0; i < c->naudio; i++)
		check_inside(vt_json_need_str(c->audio[i], "path"), real);
	free(real);
}

void
vt_chunks_read(const json_t *lines, struct vt_chunks *c)
{
	memset(c, 0, sizeof(*c));
	collect(lines, c);
	vt_arend_check_set(c->arend, (int)c->naudio, "the audio lines");
	if (c->n)
		rungs_of(c);
	check_paths(c);
}

const json_t *
vt_chunks_rung(const struct vt_chunks *c, size_t i, size_t k)
{
	return json_array_get(json_object_get(c->video[i], "rungs"), k);
}

const char *
vt_chunks_path(const struct vt_chunks *c, size_t i, size_t k)
{
	return vt_json_need_str(vt_chunks_rung(c, i, k), "path");
}

long
vt_chunks_find(const struct vt_chunks *c, const char *name)
{
	long best = -1;
	size_t k;

	for (k = 0; k < c->nrungs; k++) {
		const struct vt_chunk_rung *r = &c->rungs[k];

		if (name ? !strcmp(r->name, name) : best < 0 || (long long)r->width * r->height <=
		    (long long)c->rungs[best].width * c->rungs[best].height)
			best = (long)k;
	}
	return best;
}

void
vt_chunks_free(struct vt_chunks *c)
{
	free(c->video);
	free(c->rungs);
	free(c->dir);
	memset(c, 0, sizeof(*c));
}
