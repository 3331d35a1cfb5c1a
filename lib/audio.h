/* Audio renditions: which of the source's audio streams become AAC
 * renditions, and how a master playlist names them. Planned once from the
 * streams as vt-probe describes them (language and title tags,
 * dispositions), carried in the plan, encoded by vt-encode --audio and
 * listed by vt-hls. */
#ifndef VT_AUDIO_H
#define VT_AUDIO_H

#include <stdint.h>

#include <jansson.h>

#define VT_MAX_AUDIO 32

struct vt_arend {
	int stream;		/* the source's stream index */
	char name[16];		/* folder and file name: "audio" for a lone
				   stream, else "audio_<stream>"; "_51" after
				   it for a 5.1 rendition */
	char label[64];		/* NAME: the title tag, else the language */
	char lang[36];		/* BCP 47; "" when unknown */
	int channels;		/* encoded: the source's, at most the plan's, or 6 */
	int64_t bitrate;	/* AAC bits per second */
	int dflt;		/* DEFAULT=YES: exactly one rendition */
	int autoselect;		/* AUTOSELECT=YES */
	char characteristics[96];	/* CHARACTERISTICS, "" for none */
};

/* Die with status unless list is an audio selection: comma-separated ISO
 * 639 codes ("fra", "fre" or "fr") or stream indices ("2"), each once. */
void vt_audio_select_check(const char *list, int status);

/* The audio streams (vt_stream_json objects) of vt-probe output (its
 * "streams", attached pictures left out) or of a vt-split manifest (its
 * "audio"); a new array. */
json_t *vt_audio_streams(const json_t *m);

/* Plan the renditions of the streams chosen by select (NULL: every one),
 * in the source's order, into r (room for VT_MAX_AUDIO), each at most
 * maxch channels (0: the source's) at bitrate; a stream in 5.1, 6.1 or
 * 7.1 that this downmixes gets a 5.1 rendition too, after it, at three
 * times the bit rate. Returns how many. Dies with
 * VT_EX_DATAERR when select names a language or stream the source does
 * not have. DEFAULT goes to the first chosen stream with the default
 * disposition, else to the first; AUTOSELECT to all but commentary, as
 * Apple's HLS authoring specification asks. */
int vt_audio_plan(const json_t *streams, const char *select, int maxch, int64_t bitrate,
    struct vt_arend *r);
/* True if name is one vt_audio_plan gives a rendition. */
int vt_arend_name_ok(const char *name);

json_t *vt_arend_json(const struct vt_arend *r);
/* Read a rendition back, checking every field; a bad one dies with
 * VT_EX_DATAERR naming what. */
void vt_arend_load(struct vt_arend *r, const json_t *o, const char *what);
/* Die with VT_EX_DATAERR unless the n renditions have different names
 * and labels and exactly one is the default. */
void vt_arend_check_set(const struct vt_arend *r, int n, const char *what);

#endif
