/* The fuzz harness shared by the targets in fuzz/. A target is one file
 * defining LLVMFuzzerTestOneInput(); it runs each lib/ path it covers as a
 * case (vt_fuzz_case). Linked with fuzz/harness.c, it is built two ways:
 *
 * - replay (the suite; build/fuzz/, build-san/fuzz/): main() plays every
 *   file named on the command line (a folder: each file in it);
 * - libFuzzer (make fuzz; build-fuzz/fuzz/; clang, VT_LIBFUZZER).
 *
 * Cases run in the process. exit() is wrapped (-Wl,--wrap=exit), so that
 * vt_die() inside a case returns to the harness, which closes the files
 * the case left open. A case that ends with a status of bad input (64..69,
 * 73..77) is a normal outcome, its messages unseen. A sanitizer report, a
 * crash, VT_EX_SOFTWARE (70) or another status, or a case running past
 * $VT_FUZZ_TIMEOUT seconds (default 20) is a finding: the replay shows the
 * case's messages and exits non-zero, libFuzzer saves the input. Under
 * ASan the replay has LeakSanitizer ignore what a case that died
 * allocated; a leak of a case that ended normally is a finding. */
#ifndef VT_FUZZ_H
#define VT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct vt_fuzz_input {
	const uint8_t *data;
	size_t size;
};

/* Run fn(in) as one case named name. */
void vt_fuzz_case(const char *name, void (*fn)(const struct vt_fuzz_input *),
    const struct vt_fuzz_input *in);

/* A scratch folder private to this process, emptied before every case. */
const char *vt_fuzz_dir(void);

/* Write the input to name in the scratch folder; returns the path (to
 * free). */
char *vt_fuzz_file(const char *name, const struct vt_fuzz_input *in);

/* The input as a stream to read, as a tool reads its standard input. */
FILE *vt_fuzz_stream(const struct vt_fuzz_input *in);

/* What vt-encode --plan does with a vt-probe or vt-split manifest. */
void vt_fuzz_plan(const json_t *manifest);

/* fuzz/data, the committed files that manifests name by relative path
 * ($VT_FUZZ_DATA, else found beside the binary's build folder). */
const char *vt_fuzz_data(void);

#endif
