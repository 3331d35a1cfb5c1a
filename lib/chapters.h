/* Chapters made from shot changes, and the files that describe them. */
#ifndef VT_CHAPTERS_H
#define VT_CHAPTERS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "scene.h"

/* File names written into the chapters folder. */
#define VT_CHAPTERS_VTT "chapters.vtt"
#define VT_CHAPTERS_JSON "chapters.json"
#define VT_CHAPTERS_HLS "chapters-hls.json"

struct vt_chapter {
	int64_t start, end;	/* milliseconds from the first frame */
	char *title;		/* UTF-8, one line, no control characters */
};

struct vt_chapters {
	struct vt_chapter *ch;
	size_t n;
	int64_t duration;	/* milliseconds; the last chapter ends here */
	const char *language;	/* BCP 47 tag of the titles */
};

/* Read titles, one a line, from path. Control characters become spaces,
 * and spaces round a title are trimmed; a blank line leaves its chapter's
 * default title. Dies VT_EX_NOINPUT when path cannot be opened and
 * VT_EX_DATAERR when a line is not UTF-8. Free with vt_titles_free(). */
char **vt_titles_load(const char *path, size_t *n);
void vt_titles_free(char **titles, size_t n);

/* True if tag looks like a BCP 47 language tag: letters, digits and
 * hyphens, starting with a letter, at most 35 bytes. */
int vt_language_ok(const char *tag);

/* Group the shots of s into chapters that cover the video from its first
 * frame to its end without gaps. A cut starts a new chapter when the
 * current one has lasted min_len seconds and min_len seconds remain.
 * Chapter i takes titles[i] when given and not blank; otherwise, with
 * three chapters or more, the first is "Introduction", the last "Outro"
 * and those between "Chapter 1", "Chapter 2"...; with fewer, "Chapter 1"
 * and "Chapter 2". */
void vt_chapters_plan(const struct vt_scenes *s, double min_len, char *const *titles,
    size_t ntitles, const char *language, struct vt_chapters *out);

/* {"duration", "language", "chapters": [{index, title, start, end}]},
 * times in seconds. */
json_t *vt_chapters_json(const struct vt_chapters *c);
/* Apple's HLS chapter format: [{"chapter", "start-time", "duration",
 * "titles": [{"language", "title"}]}]. */
json_t *vt_chapters_hls_json(const struct vt_chapters *c);
/* A WebVTT file of one cue per chapter, titles escaped; a NUL-terminated
 * string to free. */
char *vt_chapters_vtt(const struct vt_chapters *c);

/* Write VT_CHAPTERS_VTT, VT_CHAPTERS_JSON and VT_CHAPTERS_HLS into dir,
 * creating it, each file atomically. */
void vt_chapters_write(const struct vt_chapters *c, const char *dir);

void vt_chapters_free(struct vt_chapters *c);

#endif
