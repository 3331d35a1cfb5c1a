/* vt-put: publish a folder to S3 or a local folder, or fetch an object. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "put.h"
#include "s3.h"

enum { OPT_PROGRESS = 256 };

static const struct option longopts[] = {
	{ "addressing", required_argument, NULL, 'a' },
	{ "exclude", required_argument, NULL, 'x' },
	{ "force", no_argument, NULL, 'f' },
	{ "get", no_argument, NULL, 'g' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "media", no_argument, NULL, 'm' },
	{ "part-size", required_argument, NULL, 'p' },
	{ "post", no_argument, NULL, 'P' },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "retries", required_argument, NULL, 'r' },
	{ "timeout", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f, "usage: %s [-fP] [-a style] [-j jobs] [-p size] [-r retries] [-t seconds] "
	    "[-x glob] source dest\n", vt_progname);
	fprintf(f, "       %s -g [-m] [-a style] [-j jobs] [-r retries] [-t seconds] source dest\n",
	    vt_progname);
	if (!status)
		fputs("  -a, --addressing STYLE  S3 addressing: auto, path or virtual (default auto)\n"
		    "  -f, --force             upload objects the destination has already\n"
		    "  -g, --get               fetch the object source (s3://, http(s)://) to dest or -,\n"
		    "                          or every object under s3://bucket/prefix/ into dest\n"
		    "  -j, --jobs N            transfers at once (default 8)\n"
		    "  -m, --media             with -g: fail unless the object is audio or video\n"
		    "  -p, --part-size SIZE    multipart upload above SIZE, in parts of SIZE\n"
		    "                          (default 8M; 5M to 5G)\n"
		    "  -P, --post              POST the file to an http(s) dest instead of PUT\n"
		    "      --progress          show progress even when stderr is not a terminal\n"
		    "  -r, --retries N         retries of a temporary failure (default 5)\n"
		    "  -t, --timeout SECONDS   a transfer stalled this long fails (default 30)\n"
		    "  -x, --exclude GLOB      leave out files whose name or path matches\n"
		    "  -h, --help              show this help\n"
		    "  -V, --version           show the version\n"
		    "dest: s3://bucket/prefix, file:///folder, or for one file an http(s) URL.\n"
		    "Credentials and endpoint: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,\n"
		    "AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL.\n", stdout);
	exit(status);
}

static int64_t
parse_size(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || v <= 0)
		v = -1;
	else if (!strcmp(end, "k") || !strcmp(end, "K"))
		v <<= 10;
	else if (!strcmp(end, "M"))
		v <<= 20;
	else if (!strcmp(end, "G"))
		v <<= 30;
	else if (*end)
		v = -1;
	if (v < VT_PART_MIN || v > VT_PART_MAX)
		vt_die(VT_EX_USAGE, "invalid part size '%s': 5M to 5G", s);
	return v;
}

int
main(int argc, char *argv[])
{
	struct vt_put_opts o = { .parallel = 8, .retries = 5, .stall = 30, .part_size = 8 << 20 };
	char *excl[64];
	int c, get = 0;

	vt_init(argv);
	o.exclude = excl;
	while ((c = getopt_long(argc, argv, "a:fgj:mp:Pr:t:x:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (!strcmp(optarg, "auto")) o.addressing = VT_S3_AUTO;
			else if (!strcmp(optarg, "path")) o.addressing = VT_S3_PATH;
			else if (!strcmp(optarg, "virtual")) o.addressing = VT_S3_VIRTUAL;
			else vt_die(VT_EX_USAGE, "invalid addressing '%s': auto, path or virtual", optarg);
			break;
		case 'f': o.force = 1; break;
		case 'g': get = 1; break;
		case 'j': o.parallel = vt_parse_int(optarg, 1, 64, "jobs"); break;
		case 'm': o.media = 1; break;
		case 'p': o.part_size = parse_size(optarg); break;
		case 'P': o.post = 1; break;
		case OPT_PROGRESS: o.progress = 1; break;
		case 'r': o.retries = vt_parse_int(optarg, 0, 20, "retries"); break;
		case 't': o.stall = vt_parse_int(optarg, 1, 3600, "timeout"); break;
		case 'x':
			if (o.nexclude == sizeof(excl) / sizeof(excl[0]))
				vt_die(VT_EX_USAGE, "more than 64 --exclude patterns");
			excl[o.nexclude++] = optarg;
			break;
		case 'h': usage(0); break;
		case 'V': vt_version(); break;
		default: usage(VT_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 || (get && (o.post || o.force || o.nexclude)) || (!get && o.media))
		usage(VT_EX_USAGE);
	return vt_finish(get ? vt_get(argv[0], argv[1], &o) : vt_put(argv[0], argv[1], &o));
}
