/* Fuzz target: vt-hls --live on vt-livesegment's lines, once keeping a
 * window of 3 segments, once recording with a window of 1. */
#include <stdio.h>
#include <stdlib.h>

#include "vt.h"
#include "livehls.h"
#include "fuzz.h"

static void
run(const struct vt_fuzz_input *in, int window, int record)
{
	char *dir = vt_path_join(vt_fuzz_dir(), "live"), *path = vt_fuzz_file("lines", in);
	struct vt_livehls_opts o = { .dir = dir, .window = window, .record = record };
	FILE *f = fopen(path, "r");

	vt_livehls_run(&o, f);
	fclose(f);
	free(path);
	free(dir);
}

static void
window(const struct vt_fuzz_input *in)
{
	run(in, 3, 0);
}

static void
record(const struct vt_fuzz_input *in)
{
	run(in, 1, 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vt_fuzz_input in = { data, size };

	vt_fuzz_case("window", window, &in);
	vt_fuzz_case("record", record, &in);
	return 0;
}
