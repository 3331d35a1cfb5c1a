/* Building filter graphs through the API: filters are created one by one
 * with numeric arguments, so no text from input ever reaches a filter
 * graph parser. */
#ifndef VT_FILTER_H
#define VT_FILTER_H

#include <libavfilter/avfilter.h>

/* Create filter name in g with args (may be NULL), or die. */
AVFilterContext *vt_filter_add(AVFilterGraph *g, const char *name, const char *args);
/* Link from's output pad to to's first input and return to, or die. */
AVFilterContext *vt_filter_chain(AVFilterContext *from, unsigned pad, AVFilterContext *to);
/* Configure g, or die. */
void vt_filter_config(AVFilterGraph *g);

#endif
