/* Fuzz target: vt-probe -k on a media file, and vt-encode --plan on what
 * it says. */
#include <stdlib.h>

#include "vt.h"
#include "media.h"
#include "fuzz.h"

static void
probe(const struct vt_fuzz_input *in)
{
	char *path = vt_fuzz_file("media", in);
	AVFormatContext *fmt = vt_open_input(path);
	json_t *j = vt_probe(fmt, 1);

	vt_fuzz_plan(j);
	json_decref(j);
	avformat_close_input(&fmt);
	free(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vt_fuzz_input in = { data, size };

	vt_fuzz_case("probe", probe, &in);
	return 0;
}
