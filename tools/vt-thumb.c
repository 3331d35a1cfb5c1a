/* vt-thumb: a thumbnail and a scrubbing sprite sheet of a video. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "thumb.h"

static const struct option longopts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "mode", required_argument, NULL, 'm' },
	{ "time", required_argument, NULL, 't' },
	{ "scenes", required_argument, NULL, 's' },
	{ "width", required_argument, NULL, 'w' },
	{ "height", required_argument, NULL, 'H' },
	{ "quality", required_argument, NULL, 'q' },
	{ "sprite-interval", required_argument, NULL, 'i' },
	{ "tile-width", required_argument, NULL, 'T' },
	{ "columns", required_argument, NULL, 'c' },
	{ "rows", required_argument, NULL, 'r' },
	{ "check", no_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: %s [-m mode] [-t seconds] [-s file] "
	    "[-w width] [-H height] [-q quality] [-i seconds] [-T width] [-c columns] "
	    "[-r rows] -d dir [file]\n"
	    "       %s --check [options]\n", vt_progname, vt_progname);
	if (!status)
		fputs("  -d, --dir DIR              folder for thumbnail.jpg, sprite*.jpg, sprite.vtt\n"
		    "  -m, --mode MODE            auto, timestamp or scene (default auto)\n"
		    "  -t, --time SECONDS         timestamp mode: the frame shown then\n"
		    "  -s, --scenes FILE          scene mode: vt-scenes output\n"
		    "  -w, --width PIXELS         thumbnail width (default 1280, never upscaled)\n"
		    "  -H, --height PIXELS        thumbnail height\n"
		    "  -q, --quality Q            JPEG qscale, 1 (best) to 31 (default 3)\n"
		    "  -i, --sprite-interval SEC  seconds between sprite tiles; 0: none (default 10)\n"
		    "  -T, --tile-width PIXELS    sprite tile width (default 160)\n"
		    "  -c, --columns N            sprite tiles per row (default 10)\n"
		    "  -r, --rows N               rows per sprite sheet (default 10)\n"
		    "      --check                check the options, print the settings, and exit\n"
		    "  -h, --help                 show this help\n"
		    "  -V, --version              show the version\n"
		    "Without file, reads a manifest {\"input\": file} on standard input.\n", stdout);
	exit(status);
}

static double *
load_cuts(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	json_t *doc;
	double *cuts;

	if (!f)
		vt_die(errno == ENOENT ? VT_EX_NOINPUT : VT_EX_IOERR, "cannot open '%s': %s", path,
		    strerror(errno));
	doc = vt_json_read_all(f, path);
	fclose(f);
	cuts = vt_scene_cuts(doc, path, n);
	json_decref(doc);
	return cuts;
}

int
main(int argc, char *argv[])
{
	struct vt_thumb_opts o = { .quality = 3 };
	struct vt_sprite_opts sp = { .interval = 10, .tile_width = 160, .columns = 10, .rows = 10 };
	const char *dir = NULL, *path, *time = NULL, *scenes = NULL;
	double *cuts = NULL;
	json_t *in = NULL;
	int c, mode = -1, check = 0;

	vt_init(argv);
	while ((c = getopt_long(argc, argv, "d:m:t:s:w:H:q:i:T:c:r:khV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'm':
			if ((mode = vt_thumb_mode(optarg)) < 0)
				vt_die(VT_EX_USAGE, "invalid mode '%s' (auto, timestamp or scene)", optarg);
			break;
		case 't': time = optarg; break;
		case 's': scenes = optarg; break;
		case 'w': o.width = vt_parse_int(optarg, 2, 16384, "width"); break;
		case 'H': o.height = vt_parse_int(optarg, 2, 16384, "height"); break;
		case 'q': o.quality = vt_parse_int(optarg, 1, 31, "quality"); break;
		case 'i': sp.interval = vt_parse_double(optarg, 0, 86400, "sprite interval"); break;
		case 'T': sp.tile_width = vt_parse_int(optarg, 16, 1920, "tile width"); break;
		case 'c': sp.columns = vt_parse_int(optarg, 1, 100, "columns"); break;
		case 'r': sp.rows = vt_parse_int(optarg, 1, 100, "rows"); break;
		case 'k': check = 1; break;
		case 'h': usage(0); break;
		case 'V': vt_version(); break;
		default: usage(VT_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || (!dir && !check))
		usage(VT_EX_USAGE);
	o.mode = mode >= 0 ? mode : scenes ? VT_THUMB_SCENE : time ? VT_THUMB_TIMESTAMP : VT_THUMB_AUTO;
	if ((o.mode == VT_THUMB_TIMESTAMP) != !!time)
		vt_die(VT_EX_USAGE, time ? "--time is for --mode timestamp" : "--mode timestamp needs --time");
	if ((o.mode == VT_THUMB_SCENE) != !!scenes)
		vt_die(VT_EX_USAGE, scenes ? "--scenes is for --mode scene" : "--mode scene needs --scenes");
	if (sp.interval > 0 && sp.interval < 0.1)
		vt_die(VT_EX_USAGE, "sprite interval '%g' is under 0.1 s", sp.interval);
	sp.quality = o.quality;
	if (time)
		o.time = vt_parse_double(time, -1e9, 1e9, "time");
	if (check) {
		vt_json_print(vt_thumb_settings(&o, &sp));
		return vt_finish(0);
	}
	if (scenes)
		o.cuts = cuts = load_cuts(scenes, &o.ncuts);
	if (argc == 1) {
		path = argv[0];
	} else {
		in = vt_json_read(stdin, "standard input");
		if (!(path = vt_json_str(in, "input", vt_json_str(in, "source", NULL))))
			vt_die(VT_EX_DATAERR, "manifest: missing 'input'");
	}
	vt_json_print(vt_thumb_run(path, dir, &o, &sp));
	json_decref(in);
	free(cuts);
	return vt_finish(0);
}
