/* Fuzz target: vt-split on a media file, half-second chunks so that a
 * short file makes several, and vt-encode --plan on its manifest. */
#include <stdlib.h>

#include "vt.h"
#include "split.h"
#include "fuzz.h"

static void
split(const struct vt_fuzz_input *in)
{
	char *path = vt_fuzz_file("media", in);
	char *dir = vt_path_join(vt_fuzz_dir(), "chunks");
	json_t *m = vt_split(path, dir, 0.5, 0.5, NULL);

	vt_fuzz_plan(m);
	json_decref(m);
	free(dir);
	free(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vt_fuzz_input in = { data, size };

	vt_fuzz_case("split", split, &in);
	return 0;
}
