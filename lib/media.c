/* Opening media and reading stream facts. */
#include <errno.h>
#include <math.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>

#include "vt.h"
#include "media.h"

AVFormatContext *
vt_open_input(const char *path)
{
	AVFormatContext *fmt = NULL;
	struct stat st;
	int err;

	if (!strstr(path, "://")) {
		if (stat(path, &st) < 0)
			vt_die(VT_EX_NOINPUT, "cannot open '%s': %s", path, strerror(errno));
		if (S_ISDIR(st.st_mode))
			vt_die(VT_EX_DATAERR, "'%s' is a folder, not a media file", path);
		if (S_ISREG(st.st_mode) && st.st_size == 0)
			vt_die(VT_EX_DATAERR, "'%s' is empty", path);
	}
	if ((err = avformat_open_input(&fmt, path, NULL, NULL)) < 0) {
		if (err == AVERROR(ENOENT) || err == AVERROR(EACCES))
			vt_die(VT_EX_NOINPUT, "cannot open '%s': %s", path, vt_averr(err));
		vt_die(VT_EX_DATAERR, "'%s' is not a media file we can read: %s", path,
		    vt_averr(err));
	}
	if ((err = avformat_find_stream_info(fmt, NULL)) < 0)
		vt_die(VT_EX_DATAERR, "cannot read streams of '%s': %s", path, vt_averr(err));
	if (fmt->nb_streams == 0)
		vt_die(VT_EX_DATAERR, "'%s' has no streams", path);
	return fmt;
}

int
vt_best_stream(AVFormatContext *fmt, enum AVMediaType type)
{
	unsigned i;
	int best = av_find_best_stream(fmt, type, -1, -1, NULL, 0);

	if (best >= 0 && !(fmt->streams[best]->disposition & AV_DISPOSITION_ATTACHED_PIC))
		return best;
	for (i = 0; i < fmt->nb_streams; i++)
		if (fmt->streams[i]->codecpar->codec_type == type &&
		    !(fmt->streams[i]->disposition & AV_DISPOSITION_ATTACHED_PIC))
			return i;
	return -1;
}

int
vt_rotation(const AVStream *st)
{
	const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
	double theta;
	int r;

	if (!m)
		return 0;
	theta = -av_display_rotation_get((const int32_t *)m);
	if (isnan(theta))
		return 0;
	r = (int)lround(theta / 90.0) * 90 % 360;
	return r < 0 ? r + 360 : r;
}

void
vt_display_size(const AVStream *st, int *w, int *h)
{
	AVRational sar = st->sample_aspect_ratio.num ? st->sample_aspect_ratio :
	    st->codecpar->sample_aspect_ratio;
	int dw = st->codecpar->width, dh = st->codecpar->height, r;

	if (sar.num > 0 && sar.den > 0 && av_cmp_q(sar, (AVRational){ 1, 1 }))
		dw = (int)lround((double)dw * sar.num / sar.den);
	r = vt_rotation(st);
	*w = r % 180 ? dh : dw;
	*h = r % 180 ? dw : dh;
}

AVRational
vt_frame_rate(const AVStream *st)
{
	if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0 &&
	    av_q2d(st->avg_frame_rate) < 1000)
		return st->avg_frame_rate;
	if (st->r_frame_rate.num > 0 && st->r_frame_rate.den > 0)
		return st->r_frame_rate;
	return (AVRational){ 25, 1 };
}

json_t *
vt_json_time(int64_t ts, AVRational tb)
{
	if (ts == AV_NOPTS_VALUE)
		return json_null();
	return json_real(ts * av_q2d(tb));
}

static json_t *
qnum(AVRational q)
{
	return q.num && q.den ? json_real(av_q2d(q)) : json_null();
}

/* The dispositions that choose and name renditions, as ffprobe names them. */
static json_t *
disposition_json(int d)
{
	static const struct { const char *name; int flag; } f[] = {
		{ "default", AV_DISPOSITION_DEFAULT }, { "dub", AV_DISPOSITION_DUB },
		{ "original", AV_DISPOSITION_ORIGINAL }, { "comment", AV_DISPOSITION_COMMENT },
		{ "forced", AV_DISPOSITION_FORCED },
		{ "hearing_impaired", AV_DISPOSITION_HEARING_IMPAIRED },
		{ "visual_impaired", AV_DISPOSITION_VISUAL_IMPAIRED },
		{ "captions", AV_DISPOSITION_CAPTIONS }, { "descriptions", AV_DISPOSITION_DESCRIPTIONS },
	};
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		json_object_set_new(o, f[i].name, json_integer(!!(d & f[i].flag)));
	return o;
}

/* The language and title tags, where the source has them. */
static json_t *
tags_json(const AVDictionary *m)
{
	static const char *const keys[] = { "language", "title" };
	const AVDictionaryEntry *e;
	json_t *o = json_object(), *v;
	size_t i;

	/* json_string refuses text that is not UTF-8: such a tag is left out */
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((e = av_dict_get(m, keys[i], NULL, 0)) && *e->value && (v = json_string(e->value)))
			json_object_set_new(o, keys[i], v);
	return o;
}

json_t *
vt_stream_json(const AVStream *st)
{
	const AVCodecParameters *par = st->codecpar;
	const AVCodecDescriptor *desc = avcodec_descriptor_get(par->codec_id);
	const char *prof = avcodec_profile_name(par->codec_id, par->profile);
	json_t *s = json_object();
	char layout[128];
	int w, h;

	json_object_set_new(s, "index", json_integer(st->index));
	json_object_set_new(s, "codec_type",
	    json_string(av_get_media_type_string(par->codec_type) ?
	    av_get_media_type_string(par->codec_type) : "unknown"));
	json_object_set_new(s, "codec_name", json_string(desc ? desc->name : "unknown"));
	if (prof)
		json_object_set_new(s, "profile", json_string(prof));
	json_object_set_new(s, "time_base", vt_json_rational_new(st->time_base.num, st->time_base.den));
	json_object_set_new(s, "start_pts", st->start_time == AV_NOPTS_VALUE ? json_null() :
	    json_integer(st->start_time));
	json_object_set_new(s, "start_time", vt_json_time(st->start_time, st->time_base));
	json_object_set_new(s, "duration", vt_json_time(st->duration, st->time_base));
	if (par->bit_rate > 0)
		json_object_set_new(s, "bit_rate", json_integer(par->bit_rate));
	if (st->nb_frames > 0)
		json_object_set_new(s, "nb_frames", json_integer(st->nb_frames));
	json_object_set_new(s, "disposition", disposition_json(st->disposition));
	json_object_set_new(s, "tags", tags_json(st->metadata));
	if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
		AVRational fr = vt_frame_rate(st);
		AVRational sar = st->sample_aspect_ratio.num ? st->sample_aspect_ratio :
		    par->sample_aspect_ratio;
		const char *pix = av_get_pix_fmt_name(par->format);

		json_object_set_new(s, "width", json_integer(par->width));
		json_object_set_new(s, "height", json_integer(par->height));
		json_object_set_new(s, "pix_fmt", pix ? json_string(pix) : json_null());
		if (par->bits_per_raw_sample > 0)
			json_object_set_new(s, "bits_per_raw_sample", json_integer(par->bits_per_raw_sample));
		if (sar.num <= 0 || sar.den <= 0)
			sar = (AVRational){ 1, 1 };
		json_object_set_new(s, "sample_aspect_ratio", vt_json_rational_new(sar.num, sar.den));
		json_object_set_new(s, "r_frame_rate", qnum(st->r_frame_rate));
		json_object_set_new(s, "avg_frame_rate", qnum(st->avg_frame_rate));
		json_object_set_new(s, "frame_rate", vt_json_rational_new(fr.num, fr.den));
		json_object_set_new(s, "rotation", json_integer(vt_rotation(st)));
		vt_display_size(st, &w, &h);
		json_object_set_new(s, "display_width", json_integer(w));
		json_object_set_new(s, "display_height", json_integer(h));
		if (st->disposition & AV_DISPOSITION_ATTACHED_PIC)
			json_object_set_new(s, "attached_pic", json_true());
	} else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
		const char *sf = av_get_sample_fmt_name(par->format);

		json_object_set_new(s, "sample_rate", json_integer(par->sample_rate));
		json_object_set_new(s, "channels", json_integer(par->ch_layout.nb_channels));
		if (av_channel_layout_describe(&par->ch_layout, layout, sizeof(layout)) > 0)
			json_object_set_new(s, "channel_layout", json_string(layout));
		json_object_set_new(s, "sample_fmt", sf ? json_string(sf) : json_null());
	}
	return s;
}

/* Per-stream counts and keyframe lists, grown with fmt->nb_streams: a
 * demuxer such as MPEG-TS adds streams it meets after the probe. */
struct scan {
	json_t **kf;
	int64_t *count;
	unsigned n;
};

static void
scan_grow(struct scan *sc, const AVFormatContext *fmt)
{
	unsigned i;

	if (fmt->nb_streams <= sc->n)
		return;
	sc->kf = vt_realloc(sc->kf, fmt->nb_streams * sizeof(*sc->kf));
	sc->count = vt_realloc(sc->count, fmt->nb_streams * sizeof(*sc->count));
	for (i = sc->n; i < fmt->nb_streams; i++) {
		sc->kf[i] = fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO ?
		    json_array() : NULL;
		sc->count[i] = 0;
	}
	sc->n = fmt->nb_streams;
}

/* Reads every packet. Streams found on the way are added to streams. */
static void
scan_keyframes(AVFormatContext *fmt, json_t *streams)
{
	struct scan sc = { 0 };
	AVPacket *pkt = av_packet_alloc();
	unsigned i;
	int err;

	scan_grow(&sc, fmt);
	while ((err = av_read_frame(fmt, pkt)) >= 0) {
		scan_grow(&sc, fmt);
		i = pkt->stream_index;
		if (i < sc.n) {
			sc.count[i]++;
			if (sc.kf[i] && (pkt->flags & AV_PKT_FLAG_KEY) &&
			    !(pkt->flags & AV_PKT_FLAG_DISCARD))
				json_array_append_new(sc.kf[i], vt_json_time(pkt->pts != AV_NOPTS_VALUE ?
				    pkt->pts : pkt->dts, fmt->streams[i]->time_base));
		}
		av_packet_unref(pkt);
	}
	if (err != AVERROR_EOF)
		vt_die(VT_EX_DATAERR, "cannot read '%s': %s", fmt->url, vt_averr(err));
	for (i = json_array_size(streams); i < sc.n; i++)
		json_array_append_new(streams, vt_stream_json(fmt->streams[i]));
	for (i = 0; i < sc.n; i++) {
		json_t *s = json_array_get(streams, i);

		json_object_set_new(s, "nb_read_packets", json_integer(sc.count[i]));
		if (sc.kf[i])
			json_object_set_new(s, "keyframes", sc.kf[i]);
	}
	av_packet_free(&pkt);
	free(sc.kf);
	free(sc.count);
}

json_t *
vt_probe(AVFormatContext *fmt, int keyframes)
{
	json_t *f = json_object(), *streams = json_array();
	int64_t size = fmt->pb ? avio_size(fmt->pb) : -1;
	unsigned i;

	json_object_set_new(f, "filename", json_string(fmt->url));
	json_object_set_new(f, "format_name", json_string(fmt->iformat->name));
	json_object_set_new(f, "duration", vt_json_time(fmt->duration, AV_TIME_BASE_Q));
	json_object_set_new(f, "start_time", vt_json_time(fmt->start_time, AV_TIME_BASE_Q));
	if (size >= 0)
		json_object_set_new(f, "size", json_integer(size));
	if (fmt->bit_rate > 0)
		json_object_set_new(f, "bit_rate", json_integer(fmt->bit_rate));
	for (i = 0; i < fmt->nb_streams; i++)
		json_array_append_new(streams, vt_stream_json(fmt->streams[i]));
	if (keyframes)
		scan_keyframes(fmt, streams);
	json_object_set_new(f, "nb_streams", json_integer(json_array_size(streams)));
	return json_pack("{s:o,s:o}", "format", f, "streams", streams);
}
