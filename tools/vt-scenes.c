/* vt-scenes: shot changes as JSON, and chapters made from them. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>

#include "vt.h"
#include "chapters.h"
#include "chunks.h"
#include "media.h"
#include "scene.h"

static const struct option longopts[] = {
	{ "threshold", required_argument, NULL, 't' },
	{ "min-scene", required_argument, NULL, 's' },
	{ "chapters", required_argument, NULL, 'c' },
	{ "min-chapter", required_argument, NULL, 'm' },
	{ "titles", required_argument, NULL, 'T' },
	{ "language", required_argument, NULL, 'l' },
	{ "threads", required_argument, NULL, 'j' },
	{ "rung", required_argument, NULL, 'r' },
	{ "check", no_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: %s [-t score] [-s seconds] [-c dir] "
	    "[-m seconds] [-T file] [-l tag] [--threads n] [-r rung] [file]\n"
	    "       %s --check [options]\n", vt_progname, vt_progname);
	if (!status)
		fputs("  -t, --threshold SCORE      cut score a frame must reach, 0..1 (default 0.4)\n"
		    "  -s, --min-scene SECONDS    shortest shot (default 0.5)\n"
		    "  -c, --chapters DIR         write chapters.vtt, chapters.json, chapters-hls.json\n"
		    "  -m, --min-chapter SECONDS  shortest chapter (default 10)\n"
		    "  -T, --titles FILE          chapter titles, one a line\n"
		    "  -l, --language TAG         language of the titles (default en)\n"
		    "      --threads N            decoder threads, 0 = auto (default 0)\n"
		    "  -r, --rung NAME            with chunk lines: the rung to read (default: the\n"
		    "                             smallest)\n"
		    "      --check                check the options, print the settings, and exit\n"
		    "  -h, --help                 show this help\n"
		    "  -V, --version              show the version\n"
		    "Without file, reads a manifest {\"input\": file}, or vt-encode's chunk lines,\n"
		    "on standard input.\n", stdout);
	exit(status);
}

/* The input named by a manifest: vt-probe's input, vt-split's source, or a
 * vt-probe document. */
static const char *
manifest_input(const json_t *m)
{
	const char *path = vt_json_str(m, "input", vt_json_str(m, "source",
	    vt_json_str(json_object_get(m, "format"), "filename", NULL)));

	if (!path)
		vt_die(VT_EX_DATAERR, "manifest: missing 'input'");
	return path;
}

/* The cuts of one rung's chunks, from vt-encode's lines: rung, or the
 * smallest. Returns the name of the input: the rung's folder. */
static char *
detect_chunks(const json_t *lines, const char *rung, const struct vt_scene_opts *o,
    struct vt_scenes *sc)
{
	struct vt_chunks ch;
	const char **paths;
	double end = 0;
	char *what;
	long k;
	size_t i;

	vt_chunks_read(lines, &ch);
	if ((k = vt_chunks_find(&ch, rung)) < 0 && rung)
		vt_die(VT_EX_DATAERR, "no rung '%s' in the chunk lines", rung);
	if (k < 0)
		vt_die(VT_EX_DATAERR, "the chunk lines hold no video");
	paths = vt_calloc(ch.n, sizeof(*paths));
	for (i = 0; i < ch.n; i++) {
		paths[i] = vt_chunks_path(&ch, i, (size_t)k);
		end = fmax(end, vt_json_num_in(vt_chunks_rung(&ch, i, (size_t)k), "end", 0, 0, 1e9));
	}
	what = vt_asprintf("%s%s", ch.dir, ch.rungs[k].name);
	vt_scenes_detect_files(paths, ch.n, end, what, o, sc);
	free(paths);
	vt_chunks_free(&ch);
	return what;
}

int
main(int argc, char *argv[])
{
	struct vt_scene_opts o = { .threshold = 0.4, .min_scene = 0.5, .threads = 0 };
	struct vt_scenes sc;
	struct vt_chapters ch;
	AVFormatContext *fmt = NULL;
	const char *dir = NULL, *tfile = NULL, *lang = "en", *rung = NULL;
	char **titles = NULL, *path;
	size_t ntitles = 0;
	double min_chapter = 10;
	json_t *in = NULL;
	int c, chopt = 0, check = 0;

	vt_init(argv);
	while ((c = getopt_long(argc, argv, "t:s:c:m:T:l:r:khV", longopts, NULL)) != -1) {
		switch (c) {
		case 't': o.threshold = vt_parse_double(optarg, 0, 1, "threshold"); break;
		case 's': o.min_scene = vt_parse_double(optarg, 0, 3600, "shortest shot"); break;
		case 'c': dir = optarg; break;
		case 'm': min_chapter = vt_parse_double(optarg, 0, 86400, "shortest chapter"); chopt = 1; break;
		case 'T': tfile = optarg; chopt = 1; break;
		case 'l': lang = optarg; chopt = 1; break;
		case 'j': o.threads = (int)vt_parse_int(optarg, 0, 64, "thread count"); break;
		case 'r': rung = optarg; break;
		case 'k': check = 1; break;
		case 'h': usage(0); break;
		case 'V': vt_version(); break;
		default: usage(VT_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage(VT_EX_USAGE);
	if (chopt && !dir)
		vt_die(VT_EX_USAGE, "--min-chapter, --titles and --language need --chapters");
	if (!vt_language_ok(lang))
		vt_die(VT_EX_USAGE, "invalid language tag '%s'", lang);
	if (check) {
		vt_json_print(json_pack("{s:f,s:f,s:o}", "threshold", o.threshold, "min_scene",
		    o.min_scene, "chapters", dir ? json_pack("{s:f,s:s?,s:s}", "min_length",
		    min_chapter, "titles", tfile, "language", lang) : json_null()));
		return vt_finish(0);
	}
	if (tfile)
		titles = vt_titles_load(tfile, &ntitles);
	if (!argc)
		in = vt_json_read_all(stdin, "standard input");
	if (in && vt_chunks_are(in)) {
		path = detect_chunks(in, rung, &o, &sc);
	} else {
		if (rung)
			vt_die(VT_EX_USAGE, "--rung is for vt-encode's chunk lines on standard input");
		if (in && json_array_size(in) != 1)
			vt_die(VT_EX_DATAERR, "standard input: want one manifest, not %zu",
			    json_array_size(in));
		path = vt_strdup(argc ? argv[0] : manifest_input(json_array_get(in, 0)));
		fmt = vt_open_input(path);
		vt_scenes_detect(fmt, &o, &sc);
	}
	if (dir) {
		vt_chapters_plan(&sc, min_chapter, titles, ntitles, lang, &ch);
		vt_chapters_write(&ch, dir);
		vt_chapters_free(&ch);
	}
	vt_json_print(vt_scenes_json(&sc, path, o.threshold));
	vt_scenes_free(&sc);
	vt_titles_free(titles, ntitles);
	avformat_close_input(&fmt);
	json_decref(in);
	free(path);
	return vt_finish(0);
}
