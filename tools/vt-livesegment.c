/* vt-livesegment: transcode a live stream to a ladder of HLS segments. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "live.h"
#include "venc.h"
#include "watermark.h"

static const struct option longopts[] = {
	{ "input", required_argument, NULL, 'i' },
	{ "listen", required_argument, NULL, 'l' },
	{ "res", required_argument, NULL, 'r' },
	{ "seg", required_argument, NULL, 's' },
	{ "params", required_argument, NULL, 'p' },
	{ "preset", required_argument, NULL, 'P' },
	{ "threads", required_argument, NULL, 't' },
	{ "format", required_argument, NULL, 'f' },
	{ "part", required_argument, NULL, 'n' },
	{ "queue", required_argument, NULL, 'q' },
	{ "realtime", no_argument, NULL, 'R' },
	{ "wait", no_argument, NULL, 'w' },
	{ "stall", required_argument, NULL, 'S' },
	{ "dir", required_argument, NULL, 'd' },
	{ "check", no_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f, "usage: %s -i url | -l url [-r list] [-s seconds] [-p file] [-P preset] "
	    "[-t threads] [-f fmp4|ts] [-n seconds|auto] [-q frames] [-S seconds] [-Rw] -d dir\n"
	    "       %s --check [options]\n", vt_progname, vt_progname);
	if (!status)
		fputs("  -i, --input URL      read URL: rtmp://, srt://, http://, a file...\n"
		    "  -l, --listen URL     wait for a publisher on URL (rtmp://host:port/app/key,\n"
		    "                       srt://host:port)\n"
		    "  -r, --res LIST       rungs, e.g. 720p,480p,360p (default: the usual ladder)\n"
		    "  -s, --seg SECONDS    segment length (default 2)\n"
		    "  -p, --params FILE    JSON encoding parameters; options override them\n"
		    "  -P, --preset NAME    x264 preset (default veryfast)\n"
		    "  -t, --threads N      threads per rung encoder, 0 = auto (default 1)\n"
		    "  -f, --format FORMAT  segment format: fmp4 (default) or ts\n"
		    "  -n, --part SECONDS   also write partial segments this long, for\n"
		    "                       low-latency HLS (fmp4 only; e.g. 0.5); auto: a\n"
		    "                       quarter segment; 0: none (default)\n"
		    "  -q, --queue FRAMES   frames an encoder may fall behind before frames are\n"
		    "                       dropped (default 8)\n"
		    "  -S, --stall SECONDS  no data this long ends a publish (default 5; 0 = never)\n"
		    "  -R, --realtime       read the input no faster than its own clock\n"
		    "  -w, --wait           when the publisher leaves, wait for it to return\n"
		    "  -d, --dir DIR        output folder\n"
		    "      --check          check the options, print the settings, and exit\n"
		    "  -h, --help           show this help\n"
		    "  -V, --version        show the version\n"
		    "Writes a JSON line on standard output for every segment.\n", stdout);
	exit(status);
}

/* The settings as --check prints them: those a run would use. */
static json_t *
settings(const struct vt_live_opts *o)
{
	json_t *res = json_null();
	int want[VT_MAX_RUNGS], n, i;

	if (o->p.res) {
		n = vt_res_parse(o->p.res, want);
		res = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(res, json_sprintf("%dp", want[i]));
	}
	return json_pack("{s:s?,s:b,s:s?,s:s,s:f,s:f,s:o,s:s,s:i,s:i,s:f,s:b,s:b,s:o}",
	    "input", o->url, "listen", o->listen, "dir", o->dir,
	    "format", o->fmt == VT_SEG_TS ? "ts" : "fmp4", "seg", o->p.seg, "part", o->part,
	    "resolutions", res, "preset", o->p.preset, "threads", o->p.threads,
	    "queue", o->queue > 0 ? o->queue : VT_VENC_QUEUE, "stall", o->stall,
	    "realtime", o->realtime, "wait", o->wait, "watermark", vt_watermark_json(&o->p.wm));
}

int
main(int argc, char *argv[])
{
	struct vt_live_opts o = { .stall = 5, .fmt = VT_SEG_FMP4 };
	struct vt_params cli = { .seg = -1, .threads = -1 };
	const char *params = NULL, *part = NULL;
	json_t *pj = NULL, *set;
	int c, check = 0;

	vt_init(argv);
	while ((c = getopt_long(argc, argv, "i:l:r:s:p:P:t:f:n:q:RwS:d:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o.url = optarg; o.listen = 0; break;
		case 'l': o.url = optarg; o.listen = 1; break;
		case 'r': cli.res = optarg; break;
		case 's': cli.seg = vt_parse_double(optarg, 0.5, 60, "segment length"); break;
		case 'p': params = optarg; break;
		case 'P': vt_check_preset(cli.preset = optarg); break;
		case 't': cli.threads = (int)vt_parse_int(optarg, 0, 64, "thread count"); break;
		case 'f':
			if (!strcmp(optarg, "ts"))
				o.fmt = VT_SEG_TS;
			else if (!strcmp(optarg, "fmp4"))
				o.fmt = VT_SEG_FMP4;
			else
				vt_die(VT_EX_USAGE, "unknown format '%s' (want fmp4 or ts)", optarg);
			break;
		case 'n': part = optarg; break;
		case 'q': o.queue = (int)vt_parse_int(optarg, 1, 1000, "queue length"); break;
		case 'R': o.realtime = 1; break;
		case 'w': o.wait = 1; break;
		case 'S': o.stall = vt_parse_double(optarg, 0, 3600, "stall time"); break;
		case 'd': o.dir = optarg; break;
		case 'k': check = 1; break;
		case 'h': usage(0); break;
		case 'V': vt_version(); break;
		default: usage(VT_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc || (!check && (!o.url || !o.dir)))
		usage(VT_EX_USAGE);

	vt_params_defaults(&o.p);
	o.p.seg = 2;
	o.p.preset = "veryfast";
	o.p.threads = 1;
	if (params)
		vt_params_load(&o.p, pj = vt_json_load_file(params));
	if (cli.res) o.p.res = cli.res;
	if (cli.seg > 0) o.p.seg = cli.seg;
	if (cli.threads >= 0) o.p.threads = cli.threads;
	if (cli.preset) o.p.preset = cli.preset;
	if (part && !strcmp(part, "auto"))
		o.part = o.p.seg / 4;
	else if (part && (o.part = vt_parse_double(part, 0, 10, "part length")) > 0 && o.part < 0.1)
		vt_die(VT_EX_USAGE, "part length '%s' out of range: 0, or 0.1..10", part);
	if (o.part > 0 && o.fmt != VT_SEG_FMP4)
		vt_die(VT_EX_USAGE, "--part needs fmp4 segments");
	if (o.part > 0 && o.part * 2 > o.p.seg + 1e-9)
		vt_die(VT_EX_USAGE, "--part %g: at most half the segment length (%g s)", o.part,
		    o.p.seg);
	set = settings(&o);	/* which checks the rungs before any work */
	vt_watermark_open(&o.p.wm);
	if (check) {
		vt_json_print(set);
		c = 0;
	} else {
		json_decref(set);
		c = vt_live_run(&o);
	}
	vt_watermark_close(&o.p.wm);
	json_decref(pj);
	return vt_finish(c);
}
