/* Chapters from shot changes: planning, titles, and WebVTT and JSON files. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "chapters.h"

/* Titles are untrusted text: one line each, no control characters, so
 * that nothing in them can end a WebVTT cue or start another. */
static char *
clean_title(char *s, size_t len, const char *path, size_t line)
{
	size_t i, a = 0, b = len;
	json_t *utf8;

	if (line == 1 && len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		a = 3;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
	while (a < b && s[a] == ' ')
		a++;
	while (b > a && s[b - 1] == ' ')
		b--;
	if (!(utf8 = json_stringn(s + a, b - a)))
		vt_die(VT_EX_DATAERR, "'%s' line %zu: title is not UTF-8", path, line);
	json_decref(utf8);
	s[b] = '\0';
	return vt_strdup(s + a);
}

char **
vt_titles_load(const char *path, size_t *n)
{
	char **titles = NULL, *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;

	if (!(f = fopen(path, "r")))
		vt_die(errno == ENOENT || errno == EACCES ? VT_EX_NOINPUT : VT_EX_IOERR,
		    "cannot open '%s': %s", path, strerror(errno));
	*n = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			len--;
		titles = vt_realloc(titles, (*n + 1) * sizeof(*titles));
		titles[*n] = clean_title(line, len, path, *n + 1);
		++*n;
	}
	if (ferror(f))
		vt_die(VT_EX_IOERR, "cannot read '%s': %s", path, strerror(errno));
	free(line);
	fclose(f);
	return titles;
}

void
vt_titles_free(char **titles, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(titles[i]);
	free(titles);
}

int
vt_language_ok(const char *tag)
{
	size_t i;

	if (!(('a' <= *tag && *tag <= 'z') || ('A' <= *tag && *tag <= 'Z')))
		return 0;
	for (i = 0; tag[i]; i++)
		if (!(('a' <= tag[i] && tag[i] <= 'z') || ('A' <= tag[i] && tag[i] <= 'Z') ||
		    ('0' <= tag[i] && tag[i] <= '9') || tag[i] == '-'))
			return 0;
	return i <= 35;
}

static char *
default_title(size_t i, size_t n)
{
	if (n < 3)
		return vt_asprintf("Chapter %zu", i + 1);
	if (i == 0)
		return vt_strdup("Introduction");
	if (i == n - 1)
		return vt_strdup("Outro");
	return vt_asprintf("Chapter %zu", i);
}

void
vt_chapters_plan(const struct vt_scenes *s, double min_len, char *const *titles,
    size_t ntitles, const char *language, struct vt_chapters *out)
{
	int64_t min = llround(min_len * 1000), dur = llround((s->end - s->start) * 1000);
	int64_t *starts = vt_malloc((s->ncuts + 1) * sizeof(*starts)), t;
	size_t i, n = 0;

	memset(out, 0, sizeof(*out));
	if (dur < 1)
		dur = 1;
	starts[n++] = 0;
	for (i = 0; i < s->ncuts; i++) {
		t = llround((s->cuts[i].time - s->start) * 1000);
		if (t > starts[n - 1] && t - starts[n - 1] >= min && t < dur && dur - t >= min)
			starts[n++] = t;
	}
	out->ch = vt_calloc(n, sizeof(*out->ch));
	out->n = n;
	out->duration = dur;
	out->language = language;
	for (i = 0; i < n; i++) {
		out->ch[i].start = starts[i];
		out->ch[i].end = i + 1 < n ? starts[i + 1] : dur;
		out->ch[i].title = i < ntitles && *titles[i] ? vt_strdup(titles[i]) :
		    default_title(i, n);
	}
	free(starts);
}

static json_t *
seconds(int64_t ms)
{
	return json_real(ms / 1000.0);
}

json_t *
vt_chapters_json(const struct vt_chapters *c)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < c->n; i++)
		json_array_append_new(list, json_pack("{s:I,s:s,s:o,s:o}",
		    "index", (json_int_t)i + 1, "title", c->ch[i].title,
		    "start", seconds(c->ch[i].start), "end", seconds(c->ch[i].end)));
	return json_pack("{s:o,s:s,s:o}", "duration", seconds(c->duration),
	    "language", c->language, "chapters", list);
}

json_t *
vt_chapters_hls_json(const struct vt_chapters *c)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < c->n; i++)
		json_array_append_new(list, json_pack("{s:I,s:o,s:o,s:[{s:s,s:s}]}",
		    "chapter", (json_int_t)i + 1, "start-time", seconds(c->ch[i].start),
		    "duration", seconds(c->ch[i].end - c->ch[i].start),
		    "titles", "language", c->language, "title", c->ch[i].title));
	return list;
}

static void
vtt_time(FILE *f, int64_t ms)
{
	fprintf(f, "%02lld:%02lld:%02lld.%03lld", (long long)(ms / 3600000),
	    (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}

/* Cue text is HTML-like: &, < and > are entities, which also keeps "-->"
 * out of it. */
static void
vtt_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		default: putc(*s, f);
		}
	}
}

char *
vt_chapters_vtt(const struct vt_chapters *c)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	if (!(f = open_memstream(&buf, &len)))
		vt_die(VT_EX_SOFTWARE, "out of memory");
	fputs("WEBVTT\n", f);
	for (i = 0; i < c->n; i++) {
		fprintf(f, "\nchapter-%zu\n", i + 1);
		vtt_time(f, c->ch[i].start);
		fputs(" --> ", f);
		vtt_time(f, c->ch[i].end);
		putc('\n', f);
		vtt_text(f, c->ch[i].title);
		putc('\n', f);
	}
	if (fclose(f) != 0)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	return buf;
}

static void
write_json(const char *dir, const char *name, json_t *v)
{
	char *path = vt_path_join(dir, name), *text, *line;

	if (!(text = json_dumps(v, JSON_INDENT(2) | JSON_REAL_PRECISION(10))))
		vt_die(VT_EX_SOFTWARE, "cannot format '%s'", path);
	line = vt_asprintf("%s\n", text);
	vt_write_file(path, line, strlen(line));
	free(line);
	free(text);
	free(path);
	json_decref(v);
}

void
vt_chapters_write(const struct vt_chapters *c, const char *dir)
{
	char *vtt = vt_chapters_vtt(c), *path;

	vt_mkdirs(dir);
	path = vt_path_join(dir, VT_CHAPTERS_VTT);
	vt_write_file(path, vtt, strlen(vtt));
	free(path);
	free(vtt);
	write_json(dir, VT_CHAPTERS_JSON, vt_chapters_json(c));
	write_json(dir, VT_CHAPTERS_HLS, vt_chapters_hls_json(c));
}

void
vt_chapters_free(struct vt_chapters *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->ch[i].title);
	free(c->ch);
	memset(c, 0, sizeof(*c));
}
