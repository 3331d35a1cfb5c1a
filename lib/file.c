/* Atomic output files and path handling. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt.h"

/* Open temp files, removed at exit or on a fatal signal. */
#define MAXTMP 256
static char *volatile tmps[MAXTMP];
static pthread_mutex_t tmplock = PTHREAD_MUTEX_INITIALIZER;	/* encoders open files in threads */

void
vt_tmp_cleanup(void)
{
	int i;

	for (i = 0; i < MAXTMP; i++)
		if (tmps[i]) {
			unlink(tmps[i]);
			tmps[i] = NULL;
		}
}

static volatile sig_atomic_t *stopflag;

static void
onsignal(int sig)
{
	/* The first SIGINT or SIGTERM asks a graceful tool to stop; a
	 * second one, or any other signal, ends it at once. */
	if (stopflag && !*stopflag && (sig == SIGINT || sig == SIGTERM)) {
		*stopflag = sig;
		return;
	}
	vt_tmp_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install(void)
{
	static int installed;
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa = { .sa_handler = onsignal };
	size_t i;

	if (installed)
		return;
	atexit(vt_tmp_cleanup);
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	installed = 1;
}

void
vt_graceful(volatile sig_atomic_t *flag)
{
	pthread_mutex_lock(&tmplock);
	stopflag = flag;
	install();
	pthread_mutex_unlock(&tmplock);
}

static void
track(char *tmp)
{
	size_t i;

	pthread_mutex_lock(&tmplock);
	install();
	for (i = 0; i < MAXTMP; i++)
		if (!tmps[i]) {
			tmps[i] = tmp;
			pthread_mutex_unlock(&tmplock);
			return;
		}
	pthread_mutex_unlock(&tmplock);
	vt_die(VT_EX_SOFTWARE, "too many open temp files");
}

static void
untrack(const char *tmp)
{
	int i;

	pthread_mutex_lock(&tmplock);
	for (i = 0; i < MAXTMP; i++)
		if (tmps[i] == tmp)
			tmps[i] = NULL;
	pthread_mutex_unlock(&tmplock);
}

char *
vt_tmp_open(const char *path, int *fdp)
{
	const char *slash = strrchr(path, '/');
	char *tmp;
	int fd;

	if (slash)
		tmp = vt_asprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	else
		tmp = vt_asprintf(".%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot create '%s': %s", path, strerror(errno));
	fchmod(fd, 0644);
	track(tmp);
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return tmp;
}

void
vt_tmp_commit(char *tmp, const char *path)
{
	if (rename(tmp, path) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot rename onto '%s': %s", path, strerror(errno));
	untrack(tmp);
	free(tmp);
}

void
vt_tmp_discard(char *tmp)
{
	unlink(tmp);
	untrack(tmp);
	free(tmp);
}

void
vt_write_all(int fd, const void *buf, size_t len, const char *path)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			vt_die(VT_EX_IOERR, "cannot write '%s': %s", path, strerror(errno));
		}
		p += n;
		len -= n;
	}
}

void
vt_write_file(const char *path, const char *buf, size_t len)
{
	char *tmp;
	int fd;

	tmp = vt_tmp_open(path, &fd);
	vt_write_all(fd, buf, len, path);
	if (close(fd) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", path, strerror(errno));
	vt_tmp_commit(tmp, path);
}

void
vt_mkdirs(const char *dir)
{
	char *p, *s = vt_strdup(dir);
	struct stat st;

	for (p = s + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(s, 0755) < 0 && errno != EEXIST)
			vt_die(VT_EX_CANTCREAT, "cannot create folder '%s': %s", s, strerror(errno));
		*p = c;
		if (!c)
			break;
	}
	if (stat(s, &st) < 0 || !S_ISDIR(st.st_mode))
		vt_die(VT_EX_CANTCREAT, "'%s' is not a folder", s);
	free(s);
}

char *
vt_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n && dir[n - 1] == '/')
		return vt_asprintf("%s%s", dir, name);
	return vt_asprintf("%s/%s", dir, name);
}

int
vt_safe_name(const char *s)
{
	size_t n = 0;

	if (!s || !*s || *s == '.')
		return 0;
	for (; *s; s++, n++)
		if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') ||
		    ('0' <= *s && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return n <= 64;
}

