/* vt-probe: container and stream facts as JSON. */
#include <getopt.h>
#include <stdlib.h>

#include "vt.h"
#include "media.h"

static const struct option longopts[] = {
	{ "keyframes", no_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: %s [-k] [file]\n", vt_progname);
	if (!status)
		fputs("  -k, --keyframes  scan packets for keyframe times\n"
		    "  -h, --help       show this help\n"
		    "  -V, --version    show the version\n"
		    "Without file, reads a manifest {\"input\": file} on standard input.\n", stdout);
	exit(status);
}

int
main(int argc, char *argv[])
{
	AVFormatContext *fmt;
	json_t *in = NULL;
	const char *path;
	int c, keyframes = 0;

	vt_init(argv);
	while ((c = getopt_long(argc, argv, "khV", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': keyframes = 1; break;
		case 'h': usage(0); break;
		case 'V': vt_version(); break;
		default: usage(VT_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage(VT_EX_USAGE);
	if (argc == 1) {
		path = argv[0];
	} else {
		in = vt_json_read(stdin, "standard input");
		if (!(path = vt_json_str(in, "input", vt_json_str(in, "source", NULL))))
			vt_die(VT_EX_DATAERR, "manifest: missing 'input'");
	}
	fmt = vt_open_input(path);
	vt_json_print(vt_probe(fmt, keyframes));
	avformat_close_input(&fmt);
	json_decref(in);
	return vt_finish(0);
}
