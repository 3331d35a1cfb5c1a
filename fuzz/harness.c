/* The fuzz harness: cases, scratch files and, for the replay build, main().
 * See fuzz.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt.h"
#include "ladder.h"
#include "fuzz.h"

#if defined(__SANITIZE_ADDRESS__)
#define VT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VT_ASAN 1
#endif
#endif

#ifdef VT_ASAN
#include <sanitizer/lsan_interface.h>
int __sanitizer_install_malloc_and_free_hooks(void (*)(const volatile void *, size_t),
    void (*)(const volatile void *));
void __sanitizer_set_death_callback(void (*)(void));
#endif

static char scratch[PATH_MAX];
static pid_t owner;		/* the process that made scratch */
static char data[PATH_MAX + 32];

/* Statuses a tool ends with on bad input: the outcome of most cases. */
static int
expected(int status)
{
	return (status >= VT_EX_USAGE && status <= VT_EX_UNAVAILABLE) ||
	    (status >= VT_EX_CANTCREAT && status <= VT_EX_NOPERM);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (ftw->level > 0)
		remove(path);
	return 0;
}

static void
empty_scratch(void)
{
	nftw(vt_fuzz_dir(), rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
remove_scratch(void)
{
	char *log;

	if (*scratch && getpid() == owner) {
		empty_scratch();
		rmdir(scratch);
		unlink(log = vt_asprintf("%s.log", scratch));
		free(log);
	}
}

const char *
vt_fuzz_dir(void)
{
	const char *t = getenv("TMPDIR");

	if (!*scratch) {
		snprintf(scratch, sizeof(scratch), "%s/vt-fuzz.XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(scratch)) {
			perror("vt-fuzz: mkdtemp");
			abort();
		}
		owner = getpid();
		atexit(remove_scratch);
	}
	return scratch;
}

char *
vt_fuzz_file(const char *name, const struct vt_fuzz_input *in)
{
	char *path = vt_path_join(vt_fuzz_dir(), name);
	FILE *f = fopen(path, "wb");

	if (!f || (in->size && fwrite(in->data, 1, in->size, f) != in->size) || fclose(f)) {
		perror(path);
		abort();
	}
	return path;
}

FILE *
vt_fuzz_stream(const struct vt_fuzz_input *in)
{
	FILE *f = in->size ? fmemopen((void *)in->data, in->size, "r") : fopen("/dev/null", "r");

	if (!f) {
		perror("vt-fuzz: fmemopen");
		abort();
	}
	return f;
}

void
vt_fuzz_plan(const json_t *m)
{
	struct vt_rung rungs[VT_MAX_RUNGS];
	json_t *skipped = json_array(), *notes = json_array(), *jr = json_array();
	struct vt_source src;
	struct vt_params p;
	int i, n;

	vt_params_defaults(&p);
	if (vt_source_from_manifest(&src, m)) {
		n = vt_ladder_plan(&src, &p, rungs, skipped, notes);
		for (i = 0; i < n; i++)
			json_array_append_new(jr, vt_rung_json(&rungs[i]));
	}
	json_decref(jr);
	json_decref(skipped);
	json_decref(notes);
}

const char *
vt_fuzz_data(void)
{
	const char *env = getenv("VT_FUZZ_DATA");
	char exe[PATH_MAX];
	ssize_t n;

	if (*data)
		return data;
	if (env && *env) {
		if (!realpath(env, data))
			snprintf(data, sizeof(data), "%s", env);
	} else if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 32)) > 0) {
		exe[n] = '\0';
		/* build-san/fuzz/x -> fuzz/data */
		strcpy(strrchr(exe, '/'), "/../../fuzz/data");
		if (!realpath(exe, data))
			snprintf(data, sizeof(data), "%s", exe);
	}
	return data;
}

/* Cases run in the process, and exit() (wrapped: -Wl,--wrap=exit) inside
 * one comes back here by longjmp. Then what the case had open is closed,
 * and what it allocated is lost: under ASan, the replay tells
 * LeakSanitizer to ignore it, so that a leak is reported only where a case
 * ended normally. */
static jmp_buf back;
static volatile int in_case;
static const char *case_name;
static const char *current = "(input)";	/* the input being played */
static int findings;

void __real_exit(int status) __attribute__((noreturn));

void
__wrap_exit(int status)
{
	/* longjmp works only in the thread that called setjmp */
	if (!in_case || gettid() != getpid())
		__real_exit(status);
	in_case = 0;
	if (!expected(status)) {
		fprintf(stderr, "vt-fuzz: %s %s: %s: exit status %d\n", vt_progname, current,
		    case_name, status);
#ifdef VT_LIBFUZZER
		abort();
#endif
		findings++;
	}
	longjmp(back, 1);
}

static void
close_new_fds(const unsigned char *open_before, int n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd, self = d ? dirfd(d) : -1;

	while (d && (e = readdir(d))) {
		fd = atoi(e->d_name);
		if (*e->d_name != '.' && fd != self && (fd >= n || !open_before[fd]))
			close(fd);
	}
	if (d)
		closedir(d);
}

#if defined(VT_ASAN) && !defined(VT_LIBFUZZER)
/* UBSan's runtime does not call the death callback: let it abort, so that
 * on_fatal() names the input. */
const char *__ubsan_default_options(void);

const char *
__ubsan_default_options(void)
{
	return "abort_on_error=1:print_stacktrace=1";
}

/* The blocks a case allocated and has not freed, in an open-addressing
 * set that never allocates (these hooks run inside malloc). */
#define LIVE_BITS 20
#define LIVE_MAX (1u << LIVE_BITS)
#define TOMB ((const void *)1)
static const void *live[LIVE_MAX];
static uint32_t used[LIVE_MAX / 2];	/* the slots taken, to clear */
static size_t nused;
static int tracking, overflow;

static size_t
slot(const volatile void *p)
{
	return ((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull >> (64 - LIVE_BITS);
}

static void
on_malloc(const volatile void *p, size_t n)
{
	size_t i;

	if (!tracking || !p)
		return;
	if (nused >= LIVE_MAX / 2) {
		overflow = 1;
		return;
	}
	for (i = slot(p); live[i] && live[i] != TOMB; i = (i + 1) & (LIVE_MAX - 1))
		;
	if (!live[i])
		used[nused++] = i;
	live[i] = (const void *)p;
}

static void
on_free(const volatile void *p)
{
	size_t i;

	if (!tracking || !p)
		return;
	for (i = slot(p); live[i]; i = (i + 1) & (LIVE_MAX - 1))
		if (live[i] == p) {
			live[i] = TOMB;
			return;
		}
}

static void
track_begin(void)
{
	static int installed;

	if (!installed)
		installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
	while (nused > 0)
		live[used[--nused]] = NULL;
	overflow = 0;
	tracking = 1;
}

static void
track_end(int died)
{
	size_t i;

	tracking = 0;
	if (!died)
		return;
	if (overflow) {
		fprintf(stderr, "vt-fuzz: %s: too many blocks to follow; leaks not checked\n",
		    current);
		__lsan_disable();	/* for good: the lost blocks are not all known */
	}
	for (i = 0; i < nused; i++)
		if (live[used[i]] != TOMB)
			__lsan_ignore_object(live[used[i]]);
}
#else
static void track_begin(void) { }
static void track_end(int died) { (void)died; }
#endif

#ifndef VT_LIBFUZZER
/* A case's messages (most end with an expected error) go to a log through
 * stdio's stderr, shown only when the case ends in a finding. Sanitizer
 * reports, written to file descriptor 2, are always seen. */
static FILE *saved_stderr;
static char *log_path;
static int shown;

static void
show_log(void)
{
	char buf[4096];
	size_t n;

	if (!saved_stderr || shown++)
		return;
	fflush(stderr);
	rewind(stderr);
	fprintf(saved_stderr, "vt-fuzz: %s %s: %s:\n", vt_progname, current, case_name);
	while ((n = fread(buf, 1, sizeof(buf), stderr)) > 0)
		fwrite(buf, 1, n, saved_stderr);
	fflush(saved_stderr);
}

static void
log_begin(void)
{
	FILE *f;

	if (!log_path)
		log_path = vt_asprintf("%s.log", vt_fuzz_dir());
	if (!(f = fopen(log_path, "w+")))
		return;
	saved_stderr = stderr;
	stderr = f;
	shown = 0;
}

static void
log_end(int show)
{
	if (!saved_stderr)
		return;
	if (show)
		show_log();
	fclose(stderr);
	stderr = saved_stderr;
	saved_stderr = NULL;
}

static void
on_fatal(int sig)
{
	show_log();
	if (sig == SIGALRM)
		dprintf(2, "vt-fuzz: %s %s: %s: timed out\n", vt_progname, current, case_name);
	else
		dprintf(2, "vt-fuzz: %s %s: %s: %s\n", vt_progname, current, case_name,
		    strsignal(sig));
	signal(sig, SIG_DFL);
	raise(sig);
}

static unsigned
timeout(void)
{
	const char *t = getenv("VT_FUZZ_TIMEOUT");

	return t && atoi(t) > 0 ? (unsigned)atoi(t) : 20;
}
#else
static void log_begin(void) { }
static void log_end(int show) { (void)show; }
static unsigned timeout(void) { return 0; }
#endif

void
vt_fuzz_case(const char *name, void (*fn)(const struct vt_fuzz_input *),
    const struct vt_fuzz_input *in)
{
	unsigned char before[256] = { 0 };
	int fd, had = findings, cwd = open(".", O_RDONLY | O_DIRECTORY);

	empty_scratch();
	case_name = name;
	for (fd = 0; fd < (int)sizeof(before); fd++)
		before[fd] = fcntl(fd, F_GETFD) >= 0;
	log_begin();
	track_begin();
	if (!setjmp(back)) {
		in_case = 1;
		alarm(timeout());
		fn(in);
		alarm(0);
		in_case = 0;
		track_end(0);
		log_end(0);
	} else {
		alarm(0);
		track_end(1);
		log_end(findings > had);
		close_new_fds(before, sizeof(before));
		vt_tmp_cleanup();
	}
	/* a case may change the working folder (vod's lines name files in
	 * fuzz/data) */
	if (cwd >= 0 && fchdir(cwd) < 0)
		abort();
	if (cwd >= 0)
		close(cwd);
}

#ifdef VT_LIBFUZZER

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* an input may name a file such as /dev/stdin */
	if (!freopen("/dev/null", "r", stdin))
		abort();
	return 0;
}

#else

static void
play(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		vt_die(VT_EX_NOINPUT, "cannot open '%s': %s", path, strerror(errno));
	do {
		if (cap - n < 65536)
			buf = vt_realloc(buf, cap = cap * 2 + 65536);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f))
		vt_die(VT_EX_IOERR, "cannot read '%s': %s", path, strerror(errno));
	fclose(f);
	current = path;
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
main(int argc, char *argv[])
{
	static const int fatal[] = { SIGALRM, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
	struct dirent **names;
	struct stat st;
	int i, k, n, played = 0;
	double t0;

	vt_init(argv);
	if (argc < 2) {
		fprintf(stderr, "usage: %s file|folder...\n", vt_progname);
		return VT_EX_USAGE;
	}
#ifdef VT_ASAN
	__sanitizer_set_death_callback(show_log);
	signal(SIGALRM, on_fatal);
	signal(SIGABRT, on_fatal);
#else
	for (i = 0; i < (int)(sizeof(fatal) / sizeof(fatal[0])); i++)
		signal(fatal[i], on_fatal);
#endif
	(void)fatal;
	/* an input may name a file such as /dev/stdin */
	if (!freopen("/dev/null", "r", stdin))
		vt_die(VT_EX_SOFTWARE, "cannot open /dev/null");
	t0 = vt_now();
	vt_fuzz_data();
	for (i = 1; i < argc; i++) {
		/* a target may change the working folder */
		char *arg = realpath(argv[i], NULL);

		if (!arg || stat(arg, &st) < 0)
			vt_die(VT_EX_NOINPUT, "cannot open '%s': %s", argv[i], strerror(errno));
		if (!S_ISDIR(st.st_mode)) {
			play(arg);
			played++;
			free(arg);
			continue;
		}
		if ((n = scandir(arg, &names, NULL, by_name)) < 0)
			vt_die(VT_EX_NOINPUT, "cannot read '%s': %s", argv[i], strerror(errno));
		for (k = 0; k < n; k++) {
			char *p = vt_path_join(arg, names[k]->d_name);

			if (*names[k]->d_name != '.' && !stat(p, &st) && S_ISREG(st.st_mode)) {
				play(p);
				played++;
			}
			free(p);
			free(names[k]);
		}
		free(names);
		free(arg);
	}
	fprintf(stderr, "%s: %d inputs, %d findings, %.1f s\n", vt_progname, played, findings,
	    vt_now() - t0);
	current = "(end)";
	return findings ? 1 : 0;
}

#endif
