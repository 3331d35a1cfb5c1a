/* vt-split: cut a video into chunks at keyframes, by stream copy. */
#include <getopt.h>
#include <stdlib.h>

#include <libavformat/avformat.h>

#include "vt.h"
#include "split.h"

enum { PLAN = 256 };

static const struct option longopts[] = {
	{ "chunk", required_argument, NULL, 'c' },
	{ "dir", required_argument, NULL, 'd' },
	{ "seg", required_argument, NULL, 's' },
	{ "plan", required_argument, NULL, PLAN },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: %s [-c seconds] [-s seconds] [--plan file] "
	    "-d dir [file]\n", vt_progname);
	if (!status)
		fputs("  -c, --chunk SECONDS  chunk length, rounded to whole segments (default 12)\n"
		    "  -s, --seg SECONDS    segment grid the chunks are cut on (default: the plan's,\n"
		    "                       else 6)\n"
		    "      --plan FILE      vt-encode --plan output for this source, carried in the\n"
		    "                       manifest for vt-encode\n"
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
	const char *dir = NULL, *path, *planfile = NULL;
	double chunk = 12, seg = -1;
	struct vt_plan plan;
	json_t *in = NULL, *fmt;
	int c;

	vt_init(argv);
	while ((c = getopt_long(argc, argv, "c:d:s:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': chunk = vt_parse_double(optarg, 0.5, 86400, "chunk length"); break;
		case 'd': dir = optarg; break;
		case 's': seg = vt_parse_double(optarg, VT_SEG_MIN, VT_SEG_MAX, "segment length"); break;
		case PLAN: planfile = optarg; break;
		case 'h': usage(0); break;
		case 'V': vt_version(); break;
		default: usage(VT_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || !dir)
		usage(VT_EX_USAGE);
	if (planfile) {
		vt_plan_load(&plan, vt_json_load_file(planfile), "plan");
		json_decref(plan.json);	/* plan holds the only reference now */
		if (seg > 0 && seg != plan.p.seg)
			vt_die(VT_EX_DATAERR, "-s asks for %g s segments, but the plan is for a %g s "
			    "grid (vt-encode --plan -s)", seg, plan.p.seg);
		seg = plan.p.seg;
	}
	if (seg < 0)
		seg = VT_SEG_DEFAULT;
	if (argc == 1) {
		path = argv[0];
	} else {
		in = vt_json_read(stdin, "standard input");
		fmt = json_object_get(in, "format");
		path = vt_json_str(in, "input", vt_json_str(fmt, "filename", NULL));
		if (!path)
			vt_die(VT_EX_DATAERR, "manifest: missing 'input' or 'format.filename'");
	}
	vt_json_print(vt_split(path, dir, chunk, seg, planfile ? &plan : NULL));
	if (planfile)
		vt_plan_free(&plan);
	json_decref(in);
	return vt_finish(0);
}
