/* Progress lines on standard error. */
#include <stdio.h>
#include <unistd.h>

#include "vt.h"
#include "http.h"
#include "progress.h"

void
vt_progress_init(struct vt_progress *p, int force)
{
	p->mode = isatty(2) ? 1 : force ? 2 : 0;
	p->shown = 0;
	p->last_tenth = p->last_obj = -1;
	p->t0 = vt_now();
}

static void
mib(char *buf, size_t n, int64_t b)
{
	snprintf(buf, n, "%.1f", b / 1048576.0);
}

void
vt_progress_show(struct vt_progress *p, const char *label, int64_t done, int64_t total,
    int obj, int nobj)
{
	char d[32], t[32], objs[48] = "";
	double secs = vt_now() - p->t0;
	int tenth;

	if (!p->mode)
		return;
	if (total > 0 && done > total)
		done = total;
	tenth = total > 0 ? (int)(done * 10 / total) : 0;
	if (p->mode == 2 && tenth == p->last_tenth && (obj == p->last_obj || obj < nobj))
		return;
	p->last_tenth = tenth;
	p->last_obj = obj;
	mib(d, sizeof(d), done);
	mib(t, sizeof(t), total);
	if (nobj >= 0)
		snprintf(objs, sizeof(objs), ", %d of %d objects", obj, nobj);
	fprintf(stderr, "%s%s: %s: %s%s%s MiB", p->mode == 1 ? "\r\033[K" : "", vt_progname, label,
	    d, total >= 0 ? " of " : "", total >= 0 ? t : "");
	if (total > 0)
		fprintf(stderr, " (%d%%)", (int)(done * 100 / total));
	fprintf(stderr, "%s, %.1f MiB/s%s", objs, secs > 0 ? done / 1048576.0 / secs : 0.0,
	    p->mode == 1 ? "" : "\n");
	fflush(stderr);
	p->shown = p->mode == 1;
}

void
vt_progress_clear(struct vt_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = 0;
	}
}
