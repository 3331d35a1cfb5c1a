/* Messages, allocation and number parsing shared by every tool. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include <libavutil/error.h>
#include <libavutil/log.h>

#include "vt.h"

const char *vt_progname = "vt";

/* Writes "prefix: msg" as one line, in one write: a control character in a
 * quoted file name or manifest string is escaped, so that it can neither
 * split the line nor hide the rest of it. */
static void
put_line(const char *prefix, const char *msg, size_t len)
{
	size_t n = strlen(vt_progname) + strlen(prefix) + 4 * len + 4;
	char small[2048], *line = n <= sizeof(small) ? small : malloc(n), *q;
	const unsigned char *p = (const unsigned char *)msg;

	if (!line) {
		fprintf(stderr, "%s: out of memory\n", vt_progname);
		return;
	}
	q = line + sprintf(line, "%s: %s", vt_progname, prefix);
	for (; len > 0; p++, len--) {
		if (*p == '\n')
			q += sprintf(q, "\\n");
		else if (*p == '\r')
			q += sprintf(q, "\\r");
		else if (*p == '\t')
			q += sprintf(q, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			q += sprintf(q, "\\x%02x", *p);
		else
			*q++ = (char)*p;
	}
	*q++ = '\n';
	fwrite(line, 1, q - line, stderr);
	if (line != small)
		free(line);
}

static void
vmsg(const char *fmt, va_list ap)
{
	char small[1024], *msg = small;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small) && (msg = malloc(n + 1)))
		vsnprintf(msg, n + 1, fmt, again);
	else
		msg = small;
	va_end(again);
	if (n > 0)
		put_line("", msg, strlen(msg));
	if (msg != small)
		free(msg);
}

void
vt_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void
vt_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(status);
}

void
vt_info(const char *fmt, ...)
{
	static int verbose = -1;
	va_list ap;

	if (verbose < 0)
		verbose = getenv("VT_VERBOSE") && *getenv("VT_VERBOSE");
	if (!verbose)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

/* libav messages are diagnostics too: keep our prefix on them and show
 * only errors unless asked, so stderr stays one line per failure. */
static void
avlog(void *avcl, int level, const char *fmt, va_list ap)
{
	char line[1024];
	int print = 1;
	size_t n;

	if (level > av_log_get_level())
		return;
	av_log_format_line(avcl, level, fmt, ap, line, sizeof(line), &print);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		n--;
	if (n > 0)
		put_line("libav: ", line, n);
}

/* libav's level names, as ffmpeg's -loglevel takes them. */
static int
loglevel(const char *s)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
		{ "quiet", AV_LOG_QUIET }, { "panic", AV_LOG_PANIC }, { "fatal", AV_LOG_FATAL },
		{ "error", AV_LOG_ERROR }, { "warning", AV_LOG_WARNING }, { "info", AV_LOG_INFO },
		{ "verbose", AV_LOG_VERBOSE }, { "debug", AV_LOG_DEBUG }, { "trace", AV_LOG_TRACE },
	};
	size_t i;

	if (!s || !*s)
		return AV_LOG_FATAL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].level;
	return vt_parse_int(s, AV_LOG_QUIET, AV_LOG_TRACE, "VT_LOGLEVEL");
}

void
vt_init(char *argv[])
{
	const char *p;

	if (argv[0] && *argv[0]) {
		p = strrchr(argv[0], '/');
		vt_progname = p ? p + 1 : argv[0];
		argv[0] = (char *)vt_progname;	/* getopt's messages use it */
	}
	av_log_set_level(loglevel(getenv("VT_LOGLEVEL")));
	av_log_set_callback(avlog);
}

const char *
vt_averr(int err)
{
	static char buf[AV_ERROR_MAX_STRING_SIZE];

	av_strerror(err, buf, sizeof(buf));
	return buf;
}

void *
vt_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	return p;
}

void *
vt_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	return p;
}

void *
vt_realloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	return p;
}

char *
vt_strdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(vt_malloc(n), s, n);
}

char *
vt_vasprintf(const char *fmt, va_list ap)
{
	va_list again;
	char *s;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0)
		vt_die(VT_EX_SOFTWARE, "bad format");
	s = vt_malloc(n + 1);
	vsnprintf(s, n + 1, fmt, again);
	va_end(again);
	return s;
}

char *
vt_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vt_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

long long
vt_parse_int(const char *s, long long min, long long max, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno)
		vt_die(VT_EX_USAGE, "invalid %s '%s'", what, s);
	if (v < min || v > max)
		vt_die(VT_EX_USAGE, "%s '%s' out of range %lld..%lld", what, s, min, max);
	return v;
}

double
vt_parse_double(const char *s, double min, double max, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v))
		vt_die(VT_EX_USAGE, "invalid %s '%s'", what, s);
	if (v < min || v > max)
		vt_die(VT_EX_USAGE, "%s '%s' out of range %g..%g", what, s, min, max);
	return v;
}

int64_t
vt_parse_bitrate(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v <= 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': v *= 1e3; end++; break;
	case 'm': case 'M': v *= 1e6; end++; break;
	}
	if (*end || v < 1000 || v > 1e9)
		return -1;
	return (int64_t)llround(v);
}

void
vt_version(void)
{
	printf("%s (vt) %s\n", vt_progname, VT_VERSION);
	exit(vt_finish(0));
}

int
vt_finish(int status)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		vt_warn("write error on standard output: %s", strerror(errno));
		return VT_EX_IOERR;
	}
	return status;
}

double
vt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double
vt_wallclock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void
vt_iso8601(char *buf, size_t n, double t)
{
	struct tm tm;
	char d[24];
	time_t s;
	int ms;

	/* t may come from a file: keep the cast defined and the year in %Y's
	 * four digits */
	if (!(t >= 0 && t < 253402300800.0))
		t = 0;
	s = (time_t)t;
	ms = (int)((t - s) * 1000);
	gmtime_r(&s, &tm);
	strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%03dZ", d, ms);
}

double
vt_parse_iso8601(const char *s)
{
	struct tm tm = { 0 };
	int ms = 0, k = 0;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &k) != 7 || s[k])
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) + ms / 1000.0;
}
