/* Fuzz target: the files vt-hls --live keeps in its folder and reads on
 * a restart: the state (.vt-hls.json) and, with --record, the list of
 * recorded segments (.vt-hls-recorded.jsonl). */
#include <stdio.h>
#include <stdlib.h>

#include "vt.h"
#include "livehls.h"
#include "fuzz.h"

/* A state of one rendition with one segment, for the recorded list: that
 * of the corpus (fuzz/make-corpus) with the segments recorded before. */
static const char state[] = "{\"target\":2,\"record\":true,\"ended\":false,\"renditions\":"
    "[{\"name\":\"36p\",\"video\":true,\"width\":64,\"height\":36,\"channels\":0,"
    "\"frame_rate\":25,\"bitrate\":800000,\"maxrate\":800000,\"peak\":0,"
    "\"codecs\":\"avc1.64001e\",\"seq0\":3,\"disc0\":0,\"segments\":[{\"uri\":"
    "\"seg_00000009.m4s\",\"init\":\"init_00000000.mp4\",\"duration\":2,\"wallclock\":1e9,"
    "\"discontinuity\":false,\"bytes\":1000,\"left\":0,\"keep\":0}]}]}\n";

/* Restart vt-hls --live --record on a folder holding the files given,
 * with no new lines. */
static void
restart(const char *state_file, const struct vt_fuzz_input *st, const char *list_file,
    const struct vt_fuzz_input *list)
{
	char *dir = vt_path_join(vt_fuzz_dir(), "live");
	struct vt_livehls_opts o = { .dir = dir, .window = 3, .record = 1 };
	FILE *f = fopen("/dev/null", "r");

	vt_mkdirs(dir);
	free(vt_fuzz_file(state_file, st));
	if (list)
		free(vt_fuzz_file(list_file, list));
	vt_livehls_run(&o, f);
	fclose(f);
	free(dir);
}

static void
state_file(const struct vt_fuzz_input *in)
{
	restart("live/.vt-hls.json", in, NULL, NULL);
}

static void
recorded_list(const struct vt_fuzz_input *in)
{
	struct vt_fuzz_input st = { (const uint8_t *)state, sizeof(state) - 1 };

	restart("live/.vt-hls.json", &st, "live/.vt-hls-recorded.jsonl", in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vt_fuzz_input in = { data, size };

	vt_fuzz_case("state", state_file, &in);
	vt_fuzz_case("recorded", recorded_list, &in);
	return 0;
}
