/* Publishing: the destination's URL picks where the objects go. */
#include <string.h>

#include "vt.h"
#include "put.h"
#include "sink.h"
#include "upload.h"

int
vt_put(const char *src, const char *dest, const struct vt_put_opts *o)
{
	if (!strncmp(dest, "s3://", 5))
		return vt_upload(src, dest, o);
	if (!strncmp(dest, "file://", 7))
		return vt_sink_file(src, dest, o);
	if (!strncmp(dest, "http://", 7) || !strncmp(dest, "https://", 8))
		return vt_sink_http(src, dest, o);
	vt_die(VT_EX_USAGE, "'%s': the destination must be an s3://, file://, http:// or "
	    "https:// URL", dest);
}
