/* vt: shared helpers linked into every tool. */
#ifndef VT_H
#define VT_H

#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define VT_VERSION "0.1.0"

/* Exit status, from sysexits(3); the same in every tool. */
enum {
	VT_EX_OK = 0,
	VT_EX_USAGE = 64,
	VT_EX_DATAERR = 65,
	VT_EX_NOINPUT = 66,
	VT_EX_UNAVAILABLE = 69,
	VT_EX_SOFTWARE = 70,
	VT_EX_CANTCREAT = 73,
	VT_EX_IOERR = 74,
	VT_EX_TEMPFAIL = 75,
	VT_EX_NOPERM = 77,
};

/* Set by vt_init() from argv[0]; prefixes every message. */
extern const char *vt_progname;

/* Names the program after argv[0] (basename, also for getopt), routes
 * libav logging through our prefix and sets the libav log level from
 * $VT_LOGLEVEL, a level name (quiet ... trace) or number (default: fatal
 * only, so that a failure is reported once, by us); dies VT_EX_USAGE on a
 * bad one. */
void vt_init(char *argv[]);

/* Seconds on the monotonic clock, and Unix time as a real number. */
double vt_now(void);
double vt_wallclock(void);
/* Unix time t as "2026-11-24T04:24:10.123Z" in buf (a t outside the
 * years 1970..9999 as 1970-01-01T00:00:00.000Z); and back (-1 if s is not
 * such a time). */
void vt_iso8601(char *buf, size_t n, double t);
double vt_parse_iso8601(const char *s);

/* Print "prog: message" to stderr; vt_die exits with status. */
void vt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vt_die(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
/* Verbose progress on stderr, only when $VT_VERBOSE is set. */
void vt_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* libav error code as text. */
const char *vt_averr(int err);

void *vt_malloc(size_t n);
void *vt_calloc(size_t n, size_t size);
void *vt_realloc(void *p, size_t n);
char *vt_strdup(const char *s);
char *vt_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *vt_vasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Parse a number in [min, max]; a bad or out-of-range value dies with
 * VT_EX_USAGE naming what. */
long long vt_parse_int(const char *s, long long min, long long max, const char *what);
double vt_parse_double(const char *s, double min, double max, const char *what);
/* Parse a bit rate such as "2800k", "5M" or "800000" into bits per second;
 * returns -1 if malformed. */
int64_t vt_parse_bitrate(const char *s);

/* Print "prog (vt) VERSION" and exit 0. */
void vt_version(void) __attribute__((noreturn));
/* Flush stdout; a failed flush (a full disk, a closed pipe) exits VT_EX_IOERR. */
int vt_finish(int status);

/* JSON manifests. */

/* Read one JSON value from a stream, or die with VT_EX_DATAERR naming what. */
json_t *vt_json_read(FILE *f, const char *what);
/* Read every JSON value in a stream (JSON Lines or concatenated documents)
 * into an array; dies with VT_EX_DATAERR on malformed input. */
json_t *vt_json_read_all(FILE *f, const char *what);
json_t *vt_json_load_file(const char *path);
/* Write a value as one line to stdout and flush it. Steals the reference. */
void vt_json_print(json_t *v);

/* Typed accessors; a present key of the wrong type dies with VT_EX_DATAERR. */
const char *vt_json_str(const json_t *o, const char *key, const char *def);
long long vt_json_int(const json_t *o, const char *key, long long def);
double vt_json_num(const json_t *o, const char *key, double def);
/* Range-checked forms: a present value outside [min, max] dies with
 * VT_EX_DATAERR naming the key; an absent one gives def, unchecked. */
long long vt_json_int_in(const json_t *o, const char *key, long long def, long long min,
    long long max);
double vt_json_num_in(const json_t *o, const char *key, double def, double min, double max);
/* A rational stored as [num, den]; returns 0 if absent. */
int vt_json_rational(const json_t *o, const char *key, int *num, int *den);
json_t *vt_json_rational_new(int num, int den);
/* Required forms: absent or wrong-typed dies naming the key. */
const char *vt_json_need_str(const json_t *o, const char *key);
long long vt_json_need_int(const json_t *o, const char *key);

/* Atomic output files. vt_tmp_open() creates a temp file beside path
 * (".name.XXXXXX" in the same folder) and returns its name; vt_tmp_commit()
 * renames it onto path. Temp files not committed by exit are removed, so an
 * error or signal never leaves a partial file under a final name. */
char *vt_tmp_open(const char *path, int *fd);
void vt_tmp_commit(char *tmp, const char *path);
/* Remove a temp file that will not be committed, and free its name. */
void vt_tmp_discard(char *tmp);
/* Remove the temp files not yet committed, as exit does; for a process
 * that goes on after an error (the fuzz harness). */
void vt_tmp_cleanup(void);
/* Let the first SIGINT or SIGTERM set *flag to the signal's number
 * instead of ending the program, for tools that stop cleanly. */
void vt_graceful(volatile sig_atomic_t *flag);

/* Write all of buf to fd, path naming it in the error; dies with
 * VT_EX_IOERR. */
void vt_write_all(int fd, const void *buf, size_t len, const char *path);
/* Write a whole buffer to path atomically. */
void vt_write_file(const char *path, const char *buf, size_t len);

/* mkdir -p; dies with VT_EX_CANTCREAT. */
void vt_mkdirs(const char *dir);
char *vt_path_join(const char *dir, const char *name);
/* True if s is a safe single path component: [A-Za-z0-9._-], not starting
 * with '.', at most 64 bytes. Names from input must pass this before they
 * become file names. */
int vt_safe_name(const char *s);

#endif
