/* vt-hls: package encoded chunks into HLS playlists and segments. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "livehls.h"
#include "package.h"
#include "playlist.h"

static const struct option longopts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'f' },
	{ "live", no_argument, NULL, 'L' },
	{ "window", required_argument, NULL, 'w' },
	{ "record", no_argument, NULL, 'R' },
	{ "open", no_argument, NULL, 'O' },
	{ "listen", required_argument, NULL, 'l' },
	{ "status", required_argument, NULL, 's' },
	{ "metrics", required_argument, NULL, 'm' },
	{ "label", required_argument, NULL, 'b' },
	{ "stream-master", no_argument, NULL, 'M' },
	{ "check", no_argument, NULL, 'k' },
	{ "session-data", required_argument, NULL, 'S' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f, "usage: %s [-f fmp4|ts] [-S id=uri] -d dir < encoded.jsonl\n", vt_progname);
	fprintf(f, "       %s --live [-w segments] [-ROM] [-l addr] [-s file] [-m file] [-b name=value] "
	    "-d dir | dir < segments.jsonl\n", vt_progname);
	fprintf(f, "       %s --check [options]\n", vt_progname);
	if (!status)
		fputs("  -d, --dir DIR        output folder\n"
		    "  -f, --format FORMAT  segment format: fmp4 (default) or ts\n"
		    "  -L, --live           keep live playlists from vt-livesegment's lines\n"
		    "  -w, --window N       live: segments in a playlist (default 6)\n"
		    "  -R, --record         live: keep every segment; write recording.m3u8 at the end\n"
		    "  -O, --open           live: at the end of the input, leave the playlists open\n"
		    "  -l, --listen ADDR    live: serve LL-HLS playlists with blocking reload on\n"
		    "                       [HOST:]PORT or a Unix socket path\n"
		    "  -s, --status FILE    live: keep the stream's status in FILE (JSON)\n"
		    "  -m, --metrics FILE   live: keep the stream's metrics in FILE (Prometheus)\n"
		    "  -b, --label NAME=VALUE\n"
		    "                       live: a label on every metric\n"
		    "  -M, --stream-master  live: also write the master one folder up, its URIs\n"
		    "                       into this folder\n"
		    "  -S, --session-data ID=URI\n"
		    "                       name URI in the master as EXT-X-SESSION-DATA ID\n"
		    "      --check          check the options, print the settings, and exit\n"
		    "  -h, --help           show this help\n"
		    "  -V, --version        show the version\n"
		    "Reads vt-encode result lines, or with --live vt-livesegment lines, on\n"
		    "standard input.\n", stdout);
	exit(status);
}

/* "ID=URI" into sd; both parts go between the master's quotes. */
static void
session_data(char *arg, struct vt_session_data *sd)
{
	char *eq = strchr(arg, '=');

	if (!vt_playlist_text_ok(arg))
		vt_die(VT_EX_USAGE, "session data with a double quote or a control character");
	if (!eq || eq == arg || !eq[1])
		vt_die(VT_EX_USAGE, "bad session data '%s' (want ID=URI)", arg);
	*eq = '\0';
	sd->id = arg;
	sd->uri = eq + 1;
}

/* "NAME=VALUE": a Prometheus label name, other than the one vt-hls sets,
 * and a printable value. */
static const char *
label(const char *arg)
{
	const char *eq = strchr(arg, '='), *p;

	for (p = arg; eq && p < eq; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (p > arg && *p >= '0' && *p <= '9')))
			break;
	if (!eq || p != eq || eq == arg || !strncmp(arg, "__", 2) ||
	    !strncmp(arg, "rendition=", 10))
		vt_die(VT_EX_USAGE, "bad label '%s' (want NAME=VALUE, NAME a Prometheus label "
		    "other than rendition)", arg);
	for (p = eq; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			vt_die(VT_EX_USAGE, "a label value with a control character");
	return arg;
}

/* The settings as --check prints them. */
static json_t *
settings(int live, const char *dir, enum vt_segfmt fmt, const struct vt_livehls_opts *lo,
    const struct vt_session_data *sd, size_t nsd)
{
	json_t *a = json_array();
	size_t i;

	if (live) {
		for (i = 0; i < lo->nlabels; i++)
			json_array_append_new(a, json_string(lo->labels[i]));
		return json_pack("{s:b,s:s?,s:i,s:b,s:b,s:s?,s:s?,s:s?,s:o,s:b}", "live", 1,
		    "dir", dir, "window", lo->window, "record", lo->record, "open", lo->open,
		    "listen", lo->listen, "status", lo->status, "metrics", lo->metrics,
		    "labels", a, "stream_master", lo->stream_master);
	}
	for (i = 0; i < nsd; i++)
		json_array_append_new(a, json_pack("{s:s,s:s}", "id", sd[i].id, "uri", sd[i].uri));
	return json_pack("{s:b,s:s?,s:s,s:o}", "live", 0, "dir", dir,
	    "format", fmt == VT_SEG_TS ? "ts" : "fmp4", "session_data", a);
}

int
main(int argc, char *argv[])
{
	enum vt_segfmt fmt = VT_SEG_FMP4;
	struct vt_livehls_opts lo = { .window = 6 };
	struct vt_session_data sd[16];
	const char *labels[16];
	const char *dir = NULL;
	json_t *lines;
	int c, live = 0, check = 0;
	size_t nsd = 0;

	vt_init(argv);
	while ((c = getopt_long(argc, argv, "d:f:Lw:ROl:s:m:b:MS:hV", longopts, NULL)) != -1) {
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
		case 'L': live = 1; break;
		case 'w': lo.window = (int)vt_parse_int(optarg, 1, 100000, "window"); break;
		case 'R': lo.record = 1; break;
		case 'O': lo.open = 1; break;
		case 'l': lo.listen = optarg; break;
		case 's': lo.status = optarg; break;
		case 'm': lo.metrics = optarg; break;
		case 'b':
			if (lo.nlabels == sizeof(labels) / sizeof(labels[0]))
				vt_die(VT_EX_USAGE, "too many --label (at most %zu)", lo.nlabels);
			labels[lo.nlabels++] = label(optarg);
			break;
		case 'M': lo.stream_master = 1; break;
		case 'k': check = 1; break;
		case 'S':
			if (nsd == sizeof(sd) / sizeof(sd[0]))
				vt_die(VT_EX_USAGE, "too many --session-data (at most %zu)", nsd);
			session_data(optarg, &sd[nsd++]);
			break;
		case 'h': usage(0); break;
		case 'V': vt_version(); break;
		default: usage(VT_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (live && !dir && argc == 1) {
		dir = argv[0];
		argc--;
	}
	if (argc || (!dir && !check))
		usage(VT_EX_USAGE);
	if (live && nsd)
		vt_die(VT_EX_USAGE, "--session-data is for VOD only");
	if (!live && (lo.listen || lo.status || lo.metrics || lo.nlabels || lo.stream_master))
		vt_die(VT_EX_USAGE, "--listen, --status, --metrics, --label and --stream-master are "
		    "for --live only");
	lo.labels = labels;
	if (check) {
		vt_json_print(settings(live, dir, fmt, &lo, sd, nsd));
		return vt_finish(0);
	}
	if (live) {
		lo.dir = dir;
		return vt_finish(vt_livehls_run(&lo, stdin));
	}
	lines = vt_json_read_all(stdin, "standard input");
	vt_json_print(vt_package_vod(lines, dir, fmt, sd, nsd));
	json_decref(lines);
	return vt_finish(0);
}
