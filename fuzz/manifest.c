/* Fuzz target: the single-document JSON readers of the tools. Each input
 * is read as a tool's standard input manifest (vt-probe, vt-split,
 * vt-thumb, vt-scenes, and vt-encode --plan), as a params file
 * (vt-encode, vt-livesegment), as a plan (vt-split --plan, a manifest's
 * "plan"), as vt-thumb's --scenes file and as vt-scenes' --titles file. */
#include <stdio.h>
#include <stdlib.h>

#include "vt.h"
#include "plan.h"
#include "chapters.h"
#include "thumb.h"
#include "fuzz.h"

/* vt-probe, vt-thumb, vt-split, vt-scenes: the input named; vt-encode
 * --plan: the ladder for the source described. */
static void
standard_input(const struct vt_fuzz_input *in)
{
	FILE *f = vt_fuzz_stream(in);
	json_t *m = vt_json_read(f, "standard input");

	fclose(f);
	vt_json_str(m, "input", vt_json_str(m, "source",
	    vt_json_str(json_object_get(m, "format"), "filename", NULL)));
	if (!json_is_array(json_object_get(m, "chunks")) &&
	    !json_is_array(json_object_get(m, "streams")))
		vt_die(VT_EX_DATAERR, "manifest: missing 'chunks'");
	vt_fuzz_plan(m);
	json_decref(m);
}

static void
params(const struct vt_fuzz_input *in)
{
	char *path = vt_fuzz_file("params.json", in);
	json_t *o = vt_json_load_file(path), *skipped = json_array(), *notes = json_array();
	struct vt_rung rungs[VT_MAX_RUNGS];
	struct vt_params p;
	struct vt_source src = { .width = 1920, .height = 1080, .sar = { 1, 1 },
	    .fps = { 30000, 1001 }, .tb = { 1, 90000 } };

	vt_params_defaults(&p);
	vt_params_load(&p, o);
	vt_ladder_plan(&src, &p, rungs, skipped, notes);
	json_decref(skipped);
	json_decref(notes);
	json_decref(o);
	free(path);
}

static void
plan(const struct vt_fuzz_input *in)
{
	char *path = vt_fuzz_file("plan.json", in);
	struct vt_plan pl;

	vt_plan_load(&pl, vt_json_load_file(path), "plan");
	json_decref(pl.json);
	vt_plan_free(&pl);
	free(path);
}

static void
scenes(const struct vt_fuzz_input *in)
{
	FILE *f = vt_fuzz_stream(in);
	json_t *doc = vt_json_read_all(f, "scenes");
	size_t n;

	fclose(f);
	free(vt_scene_cuts(doc, "scenes", &n));
	json_decref(doc);
}

static void
titles(const struct vt_fuzz_input *in)
{
	char *path = vt_fuzz_file("titles.txt", in);
	size_t n;
	char **t = vt_titles_load(path, &n);

	vt_titles_free(t, n);
	free(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vt_fuzz_input in = { data, size };

	vt_fuzz_case("standard input", standard_input, &in);
	vt_fuzz_case("params", params, &in);
	vt_fuzz_case("plan", plan, &in);
	vt_fuzz_case("scenes", scenes, &in);
	vt_fuzz_case("titles", titles, &in);
	return 0;
}
