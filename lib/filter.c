/* Building filter graphs through the API. */
#include "vt.h"
#include "filter.h"

AVFilterContext *
vt_filter_add(AVFilterGraph *g, const char *name, const char *args)
{
	AVFilterContext *f = NULL;
	int err;

	err = avfilter_graph_create_filter(&f, avfilter_get_by_name(name), NULL, args, NULL, g);
	if (err < 0)
		vt_die(VT_EX_SOFTWARE, "cannot create filter %s: %s", name, vt_averr(err));
	return f;
}

AVFilterContext *
vt_filter_chain(AVFilterContext *from, unsigned pad, AVFilterContext *to)
{
	int err;

	if ((err = avfilter_link(from, pad, to, 0)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot link filters: %s", vt_averr(err));
	return to;
}

void
vt_filter_config(AVFilterGraph *g)
{
	int err;

	if ((err = avfilter_graph_config(g, NULL)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot configure filter graph: %s", vt_averr(err));
}
