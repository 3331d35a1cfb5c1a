/* Fuzz target: decoding a media file as vt-scenes does (the video, with
 * shot changes and chapters) and as vt-encode --audio does (the audio). */
#include <stdlib.h>

#include "vt.h"
#include "chapters.h"
#include "decode.h"
#include "media.h"
#include "scene.h"
#include "fuzz.h"

static void
scenes(const struct vt_fuzz_input *in)
{
	char *path = vt_fuzz_file("media", in);
	AVFormatContext *fmt = vt_open_input(path);
	struct vt_scene_opts o = { .threshold = 0.3, .min_scene = 0.1, .threads = 1 };
	struct vt_scenes sc;
	struct vt_chapters ch;

	vt_scenes_detect(fmt, &o, &sc);
	vt_chapters_plan(&sc, 0.2, NULL, 0, "en", &ch);
	json_decref(vt_chapters_json(&ch));
	json_decref(vt_chapters_hls_json(&ch));
	free(vt_chapters_vtt(&ch));
	vt_chapters_free(&ch);
	json_decref(vt_scenes_json(&sc, path, o.threshold));
	vt_scenes_free(&sc);
	avformat_close_input(&fmt);
	free(path);
}

static void
count(void *arg, AVFrame *f)
{
	(*(int64_t *)arg) += f->nb_samples;
}

static void
audio(const struct vt_fuzz_input *in)
{
	char *path = vt_fuzz_file("media", in);
	AVFormatContext *fmt = vt_open_input(path);
	AVCodecContext *dec;
	int64_t samples = 0;
	int idx = vt_best_stream(fmt, AVMEDIA_TYPE_AUDIO);

	if (idx >= 0) {
		dec = vt_open_decoder(fmt->streams[idx], path, 1);
		vt_decode_all(fmt, idx, dec, count, &samples);
		avcodec_free_context(&dec);
	}
	avformat_close_input(&fmt);
	free(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vt_fuzz_input in = { data, size };

	vt_fuzz_case("scenes", scenes, &in);
	vt_fuzz_case("audio", audio, &in);
	return 0;
}
