/* vt-split: cut a video into chunks at keyframes, by stream copy. */
#include <getopt.h>
#include <stdlib.h>

#include <libavformat/avformat.h>

#include "vt.h"
#include "split.h"

static const struct option longopts[] = {
	{ "chunk", required_argument, NULL, 'c' },
	{ "dir", required_argument, NULL, 'd' },
	{ "seg", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: %s [-c seconds] [-s seconds] -d dir [file]\n", vt_progname);
	if (!status)
		fputs("  -c, --chunk SECONDS  chunk length, rounded to whole segments (default 12)\n"
		    "  -s, --seg SECONDS    segment grid the chunks are cut on (default 6)\n"
		    "  -d, --dir DIR        folder for the chunk files\n"
		    "  -h, --help           show this help\n"
		    "  -V, --version        show the version\n"
		    "Without file, reads vt-probe output or {\"input\": file} on standard input.\n",
		    stdout);
	exit(status);
}

int
main(int argc, char *argv[])
{
	const char *dir = NULL, *path;
	double chunk = 12, seg = 6;
	json_t *in = NULL, *fmt;
	int c;

	vt_init(argv);
	while ((c = getopt_long(argc, argv, "c:d:s:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': chunk = vt_parse_double(optarg, 0.5, 86400, "chunk length"); break;
		case 'd': dir = optarg; break;
		case 's': seg = vt_parse_double(optarg, 0.5, 60, "segment length"); break;
		case 'h': usage(0); break;
		case 'V': vt_version(); break;
		default: usage(VT_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || !dir)
		usage(VT_EX_USAGE);
	if (argc == 1) {
		path = argv[0];
	} else {
		in = vt_json_read(stdin, "standard input");
		fmt = json_object_get(in, "format");
		path = vt_json_str(in, "input", vt_json_str(fmt, "filename", NULL));
		if (!path)
			vt_die(VT_EX_DATAERR, "manifest: missing 'input' or 'format.filename'");
	}
	vt_json_print(vt_split(path, dir, chunk, seg));
	json_decref(in);
	return vt_finish(0);
}
