/* Fuzz target: vt-hls (VOD) on vt-encode result lines. The lines name
 * chunk files by paths relative to fuzz/data, which holds a small encode;
 * the output goes to the scratch folder, as fMP4 and as TS. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vt.h"
#include "package.h"
#include "fuzz.h"

static void
package(const struct vt_fuzz_input *in, enum vt_segfmt fmt)
{
	FILE *f = vt_fuzz_stream(in);
	json_t *lines = vt_json_read_all(f, "standard input");
	char *out = vt_path_join(vt_fuzz_dir(), "out");

	fclose(f);
	if (chdir(vt_fuzz_data()) < 0)
		vt_die(VT_EX_NOINPUT, "cannot enter '%s'", vt_fuzz_data());
	json_decref(vt_package_vod(lines, out, fmt, NULL, 0));
	json_decref(lines);
	free(out);
}

static void
fmp4(const struct vt_fuzz_input *in)
{
	package(in, VT_SEG_FMP4);
}

static void
ts(const struct vt_fuzz_input *in)
{
	package(in, VT_SEG_TS);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vt_fuzz_input in = { data, size };

	vt_fuzz_case("fmp4", fmp4, &in);
	vt_fuzz_case("ts", ts, &in);
	return 0;
}
