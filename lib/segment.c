/* Writing HLS media segments as MPEG-TS files or fragmented MP4. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/intreadwrite.h>
#include <libavutil/opt.h>

#include "vt.h"
#include "grid.h"
#include "segment.h"

struct vt_segwriter {
	char *dir;
	enum vt_segfmt fmt;
	AVCodecParameters *par;
	char lang[4];		/* ISO 639-2, "" for none */
	AVFormatContext *oc;	/* one muxer for the stream, so TS continuity
				 * counters run on across segments */
	char *path, *tmp;
	int fd;
	int64_t bytes;
	int fragments;		/* fMP4 fragments flushed */
	int pending;		/* packets written since the last flush */
	int started;		/* TS: the header is written */
	int keys;		/* key frames recorded (vt_seg_keys) */
	int prev_key;		/* the last packet written was a key frame */
	int64_t seg_pos;	/* the muxer's output position at the segment's start */
	struct vt_seg_range *ranges;	/* the segment's key frames */
	size_t nranges;
	int64_t kpos;		/* fMP4: the start of the fragment that a key
				 * frame leads, until it is flushed; else -1 */
	uint8_t *cap;		/* fMP4: that fragment's moof, as written */
	size_t caplen;
	int capturing;
	AVPacket *pes;		/* TS: AAC frames packed into one PES */
	int64_t shift;		/* fMP4: added to every timestamp, VT_TB */
	uint8_t *ibuf;		/* fMP4: the init segment, until it is patched */
	size_t ilen;
	/* the open partial segment (fMP4), written beside the segment */
	char *ppath, *ptmp;
	int pfd;
	int64_t pbytes;
};

const char *
vt_seg_ext(enum vt_segfmt fmt)
{
	return fmt == VT_SEG_TS ? "ts" : "m4s";
}

/* The muxer writes through this callback into whichever segment file is
 * open, and into the open partial segment too; the fMP4 header goes to
 * memory first. Between segments nothing may be written. */
static int
seg_write_cb(void *opaque, uint8_t *buf, int len)
{
	struct vt_segwriter *w = opaque;

	if (w->fd < 0 && w->ibuf) {
		w->ibuf = vt_realloc(w->ibuf, w->ilen + len);
		memcpy(w->ibuf + w->ilen, buf, len);
		w->ilen += len;
		return len;
	}
	if (w->fd < 0)
		vt_die(VT_EX_SOFTWARE, "media data outside a segment in '%s'", w->dir);
	if (w->capturing) {
		w->cap = vt_realloc(w->cap, w->caplen + len);
		memcpy(w->cap + w->caplen, buf, len);
		w->caplen += len;
		if (w->caplen >= 8 && w->caplen >= AV_RB32(w->cap))
			w->capturing = 0;
	}
	vt_write_all(w->fd, buf, len, w->path);
	w->bytes += len;
	if (w->pfd >= 0) {
		vt_write_all(w->pfd, buf, len, w->ppath);
		w->pbytes += len;
	}
	return len;
}

static void
file_begin(struct vt_segwriter *w, const char *name)
{
	w->path = vt_path_join(w->dir, name);
	w->tmp = vt_tmp_open(w->path, &w->fd);
	w->bytes = 0;
}

static int64_t
file_end(struct vt_segwriter *w)
{
	int64_t bytes = w->bytes;

	if (w->fd >= 0 && close(w->fd) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", w->path, strerror(errno));
	w->fd = -1;
	vt_tmp_commit(w->tmp, w->path);
	free(w->path);
	w->tmp = w->path = NULL;
	return bytes;
}

static AVFormatContext *
new_muxer(struct vt_segwriter *w, const char *format)
{
	AVFormatContext *oc = NULL;
	AVStream *st;
	int err;

	if ((err = avformat_alloc_output_context2(&oc, NULL, format, NULL)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot set up %s output: %s", format, vt_averr(err));
	if (!(st = avformat_new_stream(oc, NULL)))
		vt_die(VT_EX_SOFTWARE, "out of memory");
	avcodec_parameters_copy(st->codecpar, w->par);
	st->codecpar->codec_tag = 0;
	if (*w->lang)
		av_dict_set(&st->metadata, "language", w->lang, 0);
	st->time_base = VT_TB;
	return oc;
}

/* The offset of the box of this type in b[off, end), or end if none. */
static size_t
box_find(const uint8_t *b, size_t off, size_t end, const char *type)
{
	while (off + 8 <= end) {
		size_t size = AV_RB32(b + off);

		if (size < 8 || size > end - off)
			break;
		if (!memcmp(b + off + 4, type, 4))
			return off;
		off += size;
	}
	return end;
}

/* Put an edit list (edts) into the init segment's track, after tkhd: one
 * edit that starts the presentation at media_time (track time base), led
 * by an empty edit of no duration if lead is set. */
static void
add_edit_list(struct vt_segwriter *w, int64_t media_time, int lead)
{
	uint8_t box[8 + 8 + 8 + 2 * 12], *p = box, *b = w->ibuf;
	size_t moov, trak, tkhd, n = 8 + 8 + 8 + (lead ? 2 : 1) * 12;
	int i;

	moov = box_find(b, 0, w->ilen, "moov");
	if (moov == w->ilen || (trak = box_find(b, moov + 8, moov + AV_RB32(b + moov),
	    "trak")) == moov + AV_RB32(b + moov))
		vt_die(VT_EX_SOFTWARE, "no track in the fMP4 header for '%s'", w->dir);
	tkhd = box_find(b, trak + 8, trak + AV_RB32(b + trak), "tkhd");
	if (tkhd == trak + AV_RB32(b + trak))
		vt_die(VT_EX_SOFTWARE, "no tkhd in the fMP4 header for '%s'", w->dir);
	AV_WB32(p, n);
	memcpy(p + 4, "edts", 4);
	AV_WB32(p + 8, n - 8);
	memcpy(p + 12, "elst", 4);
	AV_WB32(p + 16, 0);	/* version 0, no flags */
	AV_WB32(p + 20, lead ? 2 : 1);
	p += 24;
	for (i = lead ? 0 : 1; i < 2; i++, p += 12) {
		AV_WB32(p, 0);	/* duration: the whole track (fragmented) */
		AV_WB32(p + 4, i ? (uint32_t)media_time : UINT32_MAX);
		AV_WB32(p + 8, 0x10000);	/* rate 1.0 */
	}
	tkhd += AV_RB32(b + tkhd);
	w->ibuf = b = vt_realloc(b, w->ilen + n);
	memmove(b + tkhd + n, b + tkhd, w->ilen - tkhd);
	memcpy(b + tkhd, box, n);
	w->ilen += n;
	AV_WB32(b + moov, AV_RB32(b + moov) + n);
	AV_WB32(b + trak, AV_RB32(b + trak) + n);
}

/* The fMP4 timeline starts at origin: a stream whose first frame is at
 * origin is presented from 0.
 * - video: trun version 1; the muxer takes the first sample's composition
 *   offset off every sample's (negative_cts_offsets) and adds it to the
 *   decode times, so the first frame is shown at its decode time, tfdt 0,
 *   as CMAF wants and as MSE players (hls.js, Shaka) read it. libavformat
 *   and GStreamer move such a track later by its largest negative offset;
 *   an edit list takes that back out for libavformat (GStreamer 1.22
 *   ignores edit lists in HLS), led by an empty edit so that Chromium,
 *   which then ignores the list, does not move the track too.
 * - audio: decode times start at 0 with the encoder's priming, which an
 *   edit list skips. */
static void
fmp4_header(struct vt_segwriter *w, int64_t origin, const AVPacket *first, const char *init)
{
	AVDictionary *opt = NULL;
	int64_t lead = 0, skip = 0;
	int err;

	if (w->par->codec_type == AVMEDIA_TYPE_VIDEO && first->dts != AV_NOPTS_VALUE &&
	    first->pts > first->dts)
		lead = first->pts - first->dts;
	if (first->pts < origin)
		skip = origin - first->pts;
	w->shift = skip - origin;
	/* Fragments cut on request; tfdt keeps each fragment's own decode
	 * time (frag_discont), so renditions stay in sync. */
	av_dict_set(&opt, "movflags", "+frag_custom+empty_moov+default_base_moof+frag_discont"
	    "+skip_trailer+negative_cts_offsets", 0);
	av_dict_set(&opt, "use_editlist", "0", 0);
	/* Our timestamps are positive already; without this the muxer would
	 * shift each rendition to start at zero, each by its own amount. */
	w->oc->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
	w->ibuf = vt_malloc(1);
	if ((err = avformat_write_header(w->oc, &opt)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot start fMP4 in '%s': %s", w->dir, vt_averr(err));
	av_dict_free(&opt);
	avio_flush(w->oc->pb);
	if (lead)
		add_edit_list(w, av_rescale_q(lead + skip, VT_TB, w->oc->streams[0]->time_base), 1);
	else if (skip)
		add_edit_list(w, av_rescale_q(skip, VT_TB, w->oc->streams[0]->time_base), 0);
	file_begin(w, init ? init : VT_SEG_INIT);
	vt_write_all(w->fd, w->ibuf, w->ilen, w->path);
	free(w->ibuf);
	w->ibuf = NULL;
	file_end(w);
}

struct vt_segwriter *
vt_seg_open(const char *dir, enum vt_segfmt fmt, const AVCodecParameters *par,
    const char *init, int64_t origin, const AVPacket *first)
{
	return vt_seg_open_lang(dir, fmt, par, init, origin, first, NULL);
}

struct vt_segwriter *
vt_seg_open_lang(const char *dir, enum vt_segfmt fmt, const AVCodecParameters *par,
    const char *init, int64_t origin, const AVPacket *first, const char *lang)
{
	struct vt_segwriter *w = vt_calloc(1, sizeof(*w));
	unsigned char *buf;

	if (lang)
		snprintf(w->lang, sizeof(w->lang), "%s", lang);
	w->dir = vt_strdup(dir);
	w->fmt = fmt;
	w->fd = -1;
	w->pfd = -1;
	w->kpos = -1;
	w->par = avcodec_parameters_alloc();
	avcodec_parameters_copy(w->par, par);
	vt_mkdirs(dir);
	w->oc = new_muxer(w, fmt == VT_SEG_TS ? "mpegts" : "mp4");
	buf = av_malloc(65536);
	w->oc->pb = avio_alloc_context(buf, 65536, 1, w, NULL, seg_write_cb, NULL);
	if (!buf || !w->oc->pb)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	if (fmt == VT_SEG_FMP4)
		fmp4_header(w, origin, first, init);
	else if (par->codec_id == AV_CODEC_ID_AAC && !(w->pes = av_packet_alloc()))
		vt_die(VT_EX_SOFTWARE, "out of memory");
	return w;
}

/* TS: the muxer starts at the first segment. PAT and PMT lead every
 * segment and repeat once a second within it. */
static void
ts_header(struct vt_segwriter *w)
{
	AVDictionary *opt = NULL;
	int err;

	av_dict_set(&opt, "mpegts_copyts", "1", 0);
	av_dict_set(&opt, "pat_period", "1", 0);
	av_dict_set(&opt, "sdt_period", "1", 0);
	if ((err = avformat_write_header(w->oc, &opt)) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot write '%s': %s", w->path, vt_averr(err));
	av_dict_free(&opt);
}

/* Each fragment's tfdt is its first packet's own decode time, not a sum
 * of the durations before it, so a dropped frame shifts nothing. The first
 * fragment has it from the header options; setting it again before the
 * first packet would re-base the track wrongly. */
static void
fragment_begin(struct vt_segwriter *w)
{
	if (w->fragments > 0)
		av_opt_set(w->oc->priv_data, "movflags", "+frag_discont", 0);
}

static void
mux(struct vt_segwriter *w, AVPacket *pkt)
{
	int err;

	if ((err = av_write_frame(w->oc, pkt)) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", w->path, vt_averr(err));
}

static void
pes_flush(struct vt_segwriter *w)
{
	if (w->pes && w->pes->size) {
		mux(w, w->pes);
		av_packet_unref(w->pes);
	}
}

/* TS: AAC frames (with their ADTS headers) go into one PES until it would
 * pass PES_BYTES, as broadcast muxers do: a PES of its own for each frame
 * costs about 70% on top of 128 kb/s audio in headers and stuffing. The
 * PES's time stamp is the first frame's; the others follow at the ADTS
 * frame rate. */
#define PES_BYTES 2930

static void
pes_add(struct vt_segwriter *w, AVPacket *pkt)
{
	int err, n = w->pes->size;

	if (n && n + pkt->size > PES_BYTES) {
		pes_flush(w);
		n = 0;
	}
	if (!n) {
		if ((err = av_packet_ref(w->pes, pkt)) < 0 || (err = av_packet_make_writable(w->pes)) < 0)
			vt_die(VT_EX_SOFTWARE, "cannot pack audio: %s", vt_averr(err));
		return;
	}
	if ((err = av_grow_packet(w->pes, pkt->size)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot pack audio: %s", vt_averr(err));
	memcpy(w->pes->data + n, pkt->data, pkt->size);
	if (pkt->duration > 0)
		w->pes->duration += pkt->duration;
}

/* The bytes at the start of an fMP4 fragment, its moof b[0, len), that
 * hold its first sample: the moof and the mdat up to that sample's end
 * (trun's data offset, from the moof, plus the sample's size); 0 if the
 * moof does not say. */
static int64_t
first_sample_end(const uint8_t *b, size_t len)
{
	size_t end, traf, tend, tfhd, trun, p;
	uint32_t tf, rf, size = 0;
	int64_t off;

	if (len < 8 || AV_RB32(b) > len || memcmp(b + 4, "moof", 4))
		return 0;
	end = AV_RB32(b);
	if ((traf = box_find(b, 8, end, "traf")) == end)
		return 0;
	tend = traf + AV_RB32(b + traf);
	tfhd = box_find(b, traf + 8, tend, "tfhd");
	trun = box_find(b, traf + 8, tend, "trun");
	if (tfhd + 16 > tend || trun + 16 > tend)
		return 0;
	tf = AV_RB24(b + tfhd + 9);
	p = tfhd + 16 + (tf & 0x1 ? 8 : 0) + (tf & 0x2 ? 4 : 0) + (tf & 0x8 ? 4 : 0);
	if ((tf & 0x10) && p + 4 <= tend)
		size = AV_RB32(b + p);
	rf = AV_RB24(b + trun + 9);
	p = trun + 16;
	off = end + 8;
	if (rf & 0x1) {
		if (p + 4 > tend)
			return 0;
		off = (int32_t)AV_RB32(b + p);
		p += 4;
	}
	p += (rf & 0x4 ? 4 : 0) + (rf & 0x100 ? 4 : 0);
	if ((rf & 0x200) && p + 4 <= tend)
		size = AV_RB32(b + p);
	return size && off > 0 ? off + size : 0;
}

static void
add_range(struct vt_segwriter *w, int64_t pos, int64_t size)
{
	w->ranges = vt_realloc(w->ranges, (w->nranges + 1) * sizeof(*w->ranges));
	w->ranges[w->nranges++] = (struct vt_seg_range){ pos - w->seg_pos, size };
}

/* Write out the packets since the last flush: an fMP4 fragment, or the
 * TS muxer's buffers, so that nothing of this segment goes to the next. */
static void
fragment_flush(struct vt_segwriter *w)
{
	int64_t n;

	if (!w->pending)
		return;
	pes_flush(w);
	mux(w, NULL);
	avio_flush(w->oc->pb);
	w->pending = 0;
	w->fragments++;
	if (w->kpos < 0)
		return;
	n = first_sample_end(w->cap, w->caplen);
	if (n <= 0 || w->kpos + n > avio_tell(w->oc->pb))
		vt_die(VT_EX_SOFTWARE, "no key frame at the start of a fragment in '%s'", w->path);
	add_range(w, w->kpos, n);
	w->kpos = -1;
	w->capturing = 0;
}

void
vt_seg_begin(struct vt_segwriter *w, const char *name)
{
	file_begin(w, name);
	w->seg_pos = avio_tell(w->oc->pb);
	w->nranges = 0;
	if (w->fmt == VT_SEG_FMP4) {
		fragment_begin(w);
	} else if (!w->started) {
		ts_header(w);
		w->started = 1;
	} else {
		/* PAT and PMT before the segment's first packet. */
		av_opt_set(w->oc->priv_data, "mpegts_flags", "+resend_headers", 0);
	}
}

void
vt_seg_keys(struct vt_segwriter *w)
{
	w->keys = 1;
}

size_t
vt_seg_key_ranges(const struct vt_segwriter *w, const struct vt_seg_range **r)
{
	*r = w->ranges;
	return w->nranges;
}

void
vt_seg_write(struct vt_segwriter *w, AVPacket *pkt)
{
	int key = w->keys && (pkt->flags & AV_PKT_FLAG_KEY);
	int64_t pos;

	pkt->stream_index = 0;
	if (w->fmt == VT_SEG_FMP4) {
		pkt->pts += w->shift;
		if (pkt->dts != AV_NOPTS_VALUE)
			pkt->dts += w->shift;
	}
	/* The muxer may have chosen its own time base (MP4 audio: 1/rate). */
	av_packet_rescale_ts(pkt, VT_TB, w->oc->streams[0]->time_base);
	/* MP4 carries raw AAC frames: drop the ADTS header (7 bytes, or 9
	 * with a CRC) that MPEG-TS needs. */
	if (w->fmt == VT_SEG_FMP4 && w->par->codec_id == AV_CODEC_ID_AAC && pkt->size > 9 &&
	    pkt->data[0] == 0xff && (pkt->data[1] & 0xf0) == 0xf0) {
		int n = pkt->data[1] & 1 ? 7 : 9;

		pkt->data += n;
		pkt->size -= n;
	}
	/* fMP4: a key frame leads a fragment (one inside a segment starts a
	 * new one); its range is the moof and the mdat up to its end, which
	 * decode after the init section. TS: the muxer writes PAT and PMT
	 * before a video key frame's PES, unless the frame before was one. */
	if (key && w->fmt == VT_SEG_FMP4) {
		fragment_flush(w);
		fragment_begin(w);
		w->kpos = avio_tell(w->oc->pb);
		w->caplen = 0;
		w->capturing = 1;
	} else if (key && w->prev_key) {
		av_opt_set(w->oc->priv_data, "mpegts_flags", "+resend_headers", 0);
	}
	w->prev_key = pkt->flags & AV_PKT_FLAG_KEY;
	pos = avio_tell(w->oc->pb);
	if (w->pes && pkt->size > 2 && (AV_RB16(pkt->data) & 0xfff0) == 0xfff0)
		pes_add(w, pkt);
	else
		mux(w, pkt);
	w->pending++;
	if (key && w->fmt == VT_SEG_TS)
		add_range(w, pos, avio_tell(w->oc->pb) - pos);
}

void
vt_seg_part_begin(struct vt_segwriter *w, const char *name)
{
	if (w->fmt != VT_SEG_FMP4 || w->fd < 0 || w->pfd >= 0)
		vt_die(VT_EX_SOFTWARE, "a partial segment outside an fMP4 segment in '%s'", w->dir);
	fragment_flush(w);
	fragment_begin(w);
	w->ppath = vt_path_join(w->dir, name);
	w->ptmp = vt_tmp_open(w->ppath, &w->pfd);
	w->pbytes = 0;
}

int64_t
vt_seg_part_end(struct vt_segwriter *w)
{
	int64_t bytes;

	if (w->pfd < 0)
		return -1;
	fragment_flush(w);
	fragment_begin(w);
	bytes = w->pbytes;
	if (close(w->pfd) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", w->ppath, strerror(errno));
	w->pfd = -1;
	vt_tmp_commit(w->ptmp, w->ppath);
	free(w->ppath);
	w->ptmp = w->ppath = NULL;
	return bytes;
}

int64_t
vt_seg_end(struct vt_segwriter *w)
{
	vt_seg_part_end(w);
	/* TS: the audio PES being packed ends with the segment. */
	fragment_flush(w);
	return file_end(w);
}

void
vt_seg_close(struct vt_segwriter *w)
{
	if (!w)
		return;
	if (w->oc) {
		av_freep(&w->oc->pb->buffer);
		avio_context_free(&w->oc->pb);
		avformat_free_context(w->oc);
	}
	av_packet_free(&w->pes);
	avcodec_parameters_free(&w->par);
	free(w->ibuf);
	free(w->ranges);
	free(w->cap);
	free(w->dir);
	free(w);
}
