/* vt-encode: transcode chunks to every rung of the ladder, or the audio. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "encode.h"
#include "plan.h"

/* Watermark options, in the order of vt_wm_keys: their values are checked
 * after the params file is read, which they override. */
enum { WM_TEXT = 256, WM_IMAGE, WM_FONT, WM_POSITION, WM_SIZE, WM_OPACITY, WM_END };
static const char *const wmopts[] = { "--watermark-text", "--watermark-image",
    "--watermark-font", "--watermark-position", "--watermark-size", "--watermark-opacity" };

static const struct option longopts[] = {
	{ "res", required_argument, NULL, 'r' },
	{ "seg", required_argument, NULL, 's' },
	{ "params", required_argument, NULL, 'p' },
	{ "preset", required_argument, NULL, 'P' },
	{ "threads", required_argument, NULL, 't' },
	{ "chunk", required_argument, NULL, 'c' },
	{ "dir", required_argument, NULL, 'd' },
	{ "plan", no_argument, NULL, 'L' },
	{ "audio", no_argument, NULL, 'A' },
	{ "audio-streams", required_argument, NULL, 'a' },
	{ "check", no_argument, NULL, 'C' },
	{ "watermark-text", required_argument, NULL, WM_TEXT },
	{ "watermark-image", required_argument, NULL, WM_IMAGE },
	{ "watermark-font", required_argument, NULL, WM_FONT },
	{ "watermark-position", required_argument, NULL, WM_POSITION },
	{ "watermark-size", required_argument, NULL, WM_SIZE },
	{ "watermark-opacity", required_argument, NULL, WM_OPACITY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f, "usage: %s [-r list] [-s seconds] [-p file] [-P preset] [-t threads] "
	    "[-c chunk] [--watermark-text text | --watermark-image file] -d dir < chunks.json\n",
	    vt_progname);
	fprintf(f, "       %s --audio [-a list] [-p file] -d dir < chunks.json\n", vt_progname);
	fprintf(f, "       %s --plan [-r list] [-a list] [-p file] < manifest.json\n", vt_progname);
	fprintf(f, "       %s --check [options]\n", vt_progname);
	if (!status)
		fputs("  -r, --res LIST       rungs, e.g. 1080p,720p,360p (default: the usual ladder)\n"
		    "  -s, --seg SECONDS    segment grid; IDR frames are forced on it (default: the\n"
		    "                       manifest's, else 6)\n"
		    "  -p, --params FILE    JSON encoding parameters; options override them\n"
		    "  -P, --preset NAME    x264 preset (default medium)\n"
		    "  -t, --threads N      threads per rung encoder and chunk decoder, 0 = auto (default 0)\n"
		    "  -c, --chunk N        encode only chunk N (default: every chunk)\n"
		    "      --audio          encode each audio rendition, whole, to AAC\n"
		    "  -a, --audio-streams LIST\n"
		    "                       audio streams by language or index, e.g. eng,fra or 1,3\n"
		    "                       (default: every one)\n"
		    "      --plan           print the plan and exit; reads vt-split or vt-probe output\n"
		    "      --check          check the options and exit\n"
		    "      --watermark-text TEXT\n"
		    "                       burn TEXT into every rung, drawn exactly as given\n"
		    "      --watermark-image FILE\n"
		    "                       burn a PNG logo (alpha kept) into every rung\n"
		    "      --watermark-position POS\n"
		    "                       top_left, top_right, bottom_left, bottom_right or\n"
		    "                       center (default bottom_right)\n"
		    "      --watermark-size FRACTION\n"
		    "                       text size or logo height over the rung's height (default 0.05)\n"
		    "      --watermark-opacity FRACTION\n"
		    "                       more than 0, at most 1 (default 0.8)\n"
		    "      --watermark-font FILE\n"
		    "                       font for the text (default DejaVu Sans)\n"
		    "  -d, --dir DIR        output folder\n"
		    "  -h, --help           show this help\n"
		    "  -V, --version        show the version\n", stdout);
	exit(status);
}

/* The chunks were cut on vt-split's segment grid, which its manifest
 * gives: keyframes forced on another grid would fall mid-segment. A
 * length asked for here (by -s or the params file) must agree. */
static void
grid_from_manifest(struct vt_params *p, const json_t *m)
{
	const char *asked = p->who[VT_ASK_SEG];
	double seg;

	if (!json_object_get(m, "seg"))
		return;
	seg = vt_json_num_in(m, "seg", 0, VT_SEG_MIN, VT_SEG_MAX);
	if (asked && p->seg != seg)
		vt_die(VT_EX_DATAERR, "%s asks for %g s segments, but the manifest's chunks are "
		    "cut on a %g s grid (vt-split -s)", asked, p->seg, seg);
	p->seg = seg;
}

/* The plan that comes with the manifest, if it fits it and agrees with
 * what was asked for here; else one planned here, once. */
static void
plan(struct vt_plan *pl, struct vt_source *src, struct vt_params *p, json_t *m)
{
	int video = vt_source_from_manifest(src, m);
	json_t *jp = json_object_get(m, "plan"), *audio;

	grid_from_manifest(p, m);
	if (!jp || json_is_null(jp)) {
		vt_plan_make(pl, video ? src : NULL, audio = vt_audio_streams(m), p);
		json_decref(audio);
		return;
	}
	vt_plan_load(pl, jp, "manifest: plan");
	vt_plan_fits(pl, video ? src : NULL, p->seg, "the manifest");
	vt_plan_agree(pl, p);
}

int
main(int argc, char *argv[])
{
	struct vt_params p;
	struct vt_plan pl;
	struct vt_source src;
	const char *dir = NULL, *params = NULL;
	json_t *m, *chunks, *pj = NULL;
	const char *wm[WM_END - WM_TEXT] = { NULL };
	const char *res = NULL, *preset = NULL, *astreams = NULL;
	double seg = -1;
	int c, threads = -1, print = 0, audio = 0, check = 0;
	long long only = -1;
	size_t i;

	vt_init(argv);
	while ((c = getopt_long(argc, argv, "r:s:p:P:t:c:d:a:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': res = optarg; break;
		case 's': seg = vt_parse_double(optarg, VT_SEG_MIN, VT_SEG_MAX, "segment length"); break;
		case 'p': params = optarg; break;
		case 'P': vt_check_preset(preset = optarg); break;
		case 't': threads = (int)vt_parse_int(optarg, 0, 64, "thread count"); break;
		case 'c': only = vt_parse_int(optarg, 0, 1000000, "chunk number"); break;
		case 'd': dir = optarg; break;
		case 'L': print = 1; break;
		case 'A': audio = 1; break;
		case 'a': vt_audio_select_check(astreams = optarg, VT_EX_USAGE); break;
		case 'C': check = 1; break;
		case WM_TEXT: case WM_IMAGE: case WM_FONT:
		case WM_POSITION: case WM_SIZE: case WM_OPACITY: wm[c - WM_TEXT] = optarg; break;
		case 'h': usage(0); break;
		case 'V': vt_version(); break;
		default: usage(VT_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc || (!dir && !print && !check) || (print + audio + check > 1))
		usage(VT_EX_USAGE);
	if (wm[0] && wm[1])
		vt_die(VT_EX_USAGE, "--watermark-text and --watermark-image exclude each other");

	/* What is asked for: the params file, then the options over it. */
	vt_params_defaults(&p);
	if (params)
		vt_params_load(&p, pj = vt_json_load_file(params));
	if (res) {
		p.res = res;
		p.who[VT_ASK_RES] = "-r";
	}
	if (seg > 0) {
		p.seg = seg;
		p.who[VT_ASK_SEG] = "-s";
	}
	if (threads >= 0) {
		p.threads = threads;
		p.who[VT_ASK_THREADS] = "-t";
	}
	if (preset) {
		p.preset = preset;
		p.who[VT_ASK_PRESET] = "-P";
	}
	if (astreams) {
		p.audio = astreams;
		p.who[VT_ASK_AUDIO] = "-a";
	}
	for (i = 0; i < WM_END - WM_TEXT; i++)
		if (wm[i]) {
			vt_watermark_option(&p.wm, vt_wm_keys[i], wm[i]);
			p.who[VT_ASK_WM + i] = wmopts[i];
		}

	if (check) {
		json_decref(pj);
		return vt_finish(0);
	}
	m = vt_json_read(stdin, "standard input");
	chunks = json_object_get(m, "chunks");
	if (!json_is_array(chunks) && !(print && json_is_array(json_object_get(m, "streams"))))
		vt_die(VT_EX_DATAERR, "manifest: missing 'chunks' (want vt-split output)");
	plan(&pl, &src, &p, m);
	vt_watermark_open(&pl.p.wm);
	if (print) {
		vt_json_print(vt_plan_json(&pl));
	} else if (audio) {
		if (!pl.naudio)
			vt_die(VT_EX_DATAERR, "manifest: source has no audio");
		for (i = 0; i < (size_t)pl.naudio; i++)
			vt_json_print(vt_encode_audio(m, &pl, &pl.audio[i], dir));
	} else {
		if (!pl.n)
			vt_die(VT_EX_DATAERR, "manifest: source has no video");
		vt_encode_check_chunks(chunks);
		if (only >= 0 && (size_t)only >= json_array_size(chunks)) {
			i = json_array_size(chunks);
			vt_plan_free(&pl);
			json_decref(m);
			json_decref(pj);
			vt_die(VT_EX_USAGE, "no chunk %lld (manifest has %zu)", only, i);
		}
		for (i = 0; i < json_array_size(chunks); i++)
			if (only < 0 || vt_json_int(json_array_get(chunks, i), "index", -1) == only)
				vt_json_print(vt_encode_chunk(m, json_array_get(chunks, i), &src,
				    &pl, dir));
	}
	vt_plan_free(&pl);
	json_decref(m);
	json_decref(pj);
	return vt_finish(0);
}
