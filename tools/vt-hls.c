/* vt-hls: package encoded chunks into HLS playlists and segments. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "package.h"

static const struct option longopts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: %s [-f fmp4|ts] -d dir < encoded.jsonl\n",
	    vt_progname);
	if (!status)
		fputs("  -d, --dir DIR        output folder\n"
		    "  -f, --format FORMAT  segment format: fmp4 (default) or ts\n"
		    "  -h, --help           show this help\n"
		    "  -V, --version        show the version\n"
		    "Reads vt-encode result lines on standard input.\n", stdout);
	exit(status);
}

int
main(int argc, char *argv[])
{
	enum vt_segfmt fmt = VT_SEG_FMP4;
	const char *dir = NULL;
	json_t *lines;
	int c;

	vt_init(argv);
	while ((c = getopt_long(argc, argv, "d:f:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'f':
			if (!strcmp(optarg, "ts"))
				fmt = VT_SEG_TS;
			else if (!strcmp(optarg, "fmp4"))
				fmt = VT_SEG_FMP4;
			else
				vt_die(VT_EX_USAGE, "unknown format '%s' (want fmp4 or ts)", optarg);
			break;
		case 'h': usage(0); break;
		case 'V': vt_version(); break;
		default: usage(VT_EX_USAGE);
		}
	}
	if (optind != argc || !dir)
		usage(VT_EX_USAGE);
	lines = vt_json_read_all(stdin, "standard input");
	vt_json_print(vt_package_vod(lines, dir, fmt));
	json_decref(lines);
	return vt_finish(0);
}
