/* vt-encode's result lines, as vt-hls and vt-scenes read them: a video
 * line per chunk, naming the chunk's file in every rung, and an audio line
 * per audio rendition, in any order. */
#ifndef VT_CHUNKS_H
#define VT_CHUNKS_H

#include <stddef.h>

#include <jansson.h>

#include "audio.h"
#include "grid.h"

struct vt_chunk_rung {
	const char *name;	/* such as "360p", a safe file name */
	int width, height;
};

struct vt_chunks {
	const json_t **video;	/* the video lines, by chunk index */
	size_t n;		/* chunks */
	const json_t *audio[VT_MAX_AUDIO];	/* the audio lines, in input order */
	struct vt_arend arend[VT_MAX_AUDIO];	/* their renditions */
	size_t naudio;
	struct vt_grid grid;	/* the segment grid, the same in every line */
	struct vt_chunk_rung *rungs;	/* those of chunk 0, which every chunk has */
	size_t nrungs;
	char *dir;		/* the encode folder as the lines name it, with its
				 * final '/' ("" for the working folder) */
};

/* True if lines (every JSON value of the input, as vt_json_read_all()
 * gives them) are result lines: the first is an object with a "type". */
int vt_chunks_are(const json_t *lines);

/* Read lines into c, which borrows from them. Each chunk comes once, none
 * is missing, and all agree on the grid, the chunk count and the rungs.
 * The paths in the lines are untrusted: every file must be where
 * vt-encode writes it, in one encode folder, <dir><rung>/cNNNNN.ts for
 * chunk NNNNN and <dir><rendition>.ts (audio.ts for a line without a
 * rendition), and must stay in that folder with
 * symbolic links resolved. Dies with VT_EX_DATAERR on a bad line or path,
 * VT_EX_NOINPUT on a file that cannot be opened. */
void vt_chunks_read(const json_t *lines, struct vt_chunks *c);

/* The object of rung k in chunk i's line, and its file's path. */
const json_t *vt_chunks_rung(const struct vt_chunks *c, size_t i, size_t k);
const char *vt_chunks_path(const struct vt_chunks *c, size_t i, size_t k);

/* The index of the rung called name or, name NULL, of the one with the
 * fewest pixels (of equals, the last); -1 if there is no such rung. */
long vt_chunks_find(const struct vt_chunks *c, const char *name);

void vt_chunks_free(struct vt_chunks *c);

#endif
