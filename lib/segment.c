/* Writing HLS media segments as MPEG-TS files or fragmented MP4. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/opt.h>

#include "vt.h"
#include "grid.h"
#include "segment.h"

struct vt_segwriter {
	char *dir;
	enum vt_segfmt fmt;
	AVCodecParameters *par;
	AVFormatContext *oc;	/* TS: per segment; fMP4: one for the stream */
	char *path, *tmp;
	int fd;
	int64_t bytes;
	int fragments;		/* fMP4 fragments flushed */
	int pending;		/* packets written since the last flush */
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

/* fMP4: the muxer writes through this callback into whichever segment
 * file is open, and into the open partial segment too; between segments
 * nothing may be written. */
static int
fmp4_write(void *opaque, uint8_t *buf, int len)
{
	struct vt_segwriter *w = opaque;

	if (w->fd < 0)
		vt_die(VT_EX_SOFTWARE, "fMP4 data outside a segment in '%s'", w->dir);
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
	st->time_base = VT_TB;
	return oc;
}

struct vt_segwriter *
vt_seg_open(const char *dir, enum vt_segfmt fmt, const AVCodecParameters *par,
    const char *init)
{
	struct vt_segwriter *w = vt_calloc(1, sizeof(*w));
	AVDictionary *opt = NULL;
	unsigned char *buf;
	int err;

	w->dir = vt_strdup(dir);
	w->fmt = fmt;
	w->fd = -1;
	w->pfd = -1;
	w->par = avcodec_parameters_alloc();
	avcodec_parameters_copy(w->par, par);
	vt_mkdirs(dir);
	if (fmt == VT_SEG_TS)
		return w;

	w->oc = new_muxer(w, "mp4");
	buf = av_malloc(65536);
	w->oc->pb = avio_alloc_context(buf, 65536, 1, w, NULL, fmp4_write, NULL);
	if (!w->oc->pb)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	/* Fragments cut on request; tfdt keeps the absolute decode time
	 * (frag_discont), so audio and video renditions stay in sync. No
	 * cmaf flag: its negative composition offsets make libavformat-based
	 * players shift video by the B-frame delay. */
	av_dict_set(&opt, "movflags",
	    "+frag_custom+empty_moov+default_base_moof+frag_discont+skip_trailer", 0);
	av_dict_set(&opt, "use_editlist", "0", 0);
	/* Our timestamps are positive already; without this the muxer would
	 * shift each rendition to start at zero, each by its own amount. */
	w->oc->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
	file_begin(w, init ? init : VT_SEG_INIT);
	if ((err = avformat_write_header(w->oc, &opt)) < 0)
		vt_die(VT_EX_SOFTWARE, "cannot start fMP4 in '%s': %s", dir, vt_averr(err));
	av_dict_free(&opt);
	avio_flush(w->oc->pb);
	file_end(w);
	return w;
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

/* fMP4: write out the packets since the last flush as one fragment. */
static void
fragment_flush(struct vt_segwriter *w)
{
	int err;

	if (!w->pending)
		return;
	if ((err = av_write_frame(w->oc, NULL)) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", w->path, vt_averr(err));
	avio_flush(w->oc->pb);
	w->pending = 0;
	w->fragments++;
}

void
vt_seg_begin(struct vt_segwriter *w, const char *name)
{
	int err;

	file_begin(w, name);
	if (w->fmt == VT_SEG_FMP4) {
		fragment_begin(w);
		return;
	}
	close(w->fd);	/* libavformat writes the file by name */
	w->fd = -1;
	w->oc = new_muxer(w, "mpegts");
	if ((err = avio_open(&w->oc->pb, w->tmp, AVIO_FLAG_WRITE)) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot create '%s': %s", w->path, vt_averr(err));
	av_opt_set_int(w->oc->priv_data, "mpegts_copyts", 1, 0);
	if ((err = avformat_write_header(w->oc, NULL)) < 0)
		vt_die(VT_EX_CANTCREAT, "cannot write '%s': %s", w->path, vt_averr(err));
}

void
vt_seg_write(struct vt_segwriter *w, AVPacket *pkt)
{
	int err;

	pkt->stream_index = 0;
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
	if ((err = av_write_frame(w->oc, pkt)) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", w->path, vt_averr(err));
	w->pending++;
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
	int err;

	if (w->fmt == VT_SEG_FMP4) {
		vt_seg_part_end(w);
		fragment_flush(w);
		return file_end(w);
	}
	if ((err = av_write_trailer(w->oc)) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", w->path, vt_averr(err));
	w->bytes = avio_size(w->oc->pb);
	if ((err = avio_closep(&w->oc->pb)) < 0)
		vt_die(VT_EX_IOERR, "cannot write '%s': %s", w->path, vt_averr(err));
	avformat_free_context(w->oc);
	w->oc = NULL;
	return file_end(w);
}

void
vt_seg_close(struct vt_segwriter *w)
{
	if (!w)
		return;
	if (w->fmt == VT_SEG_FMP4 && w->oc) {
		av_freep(&w->oc->pb->buffer);
		avio_context_free(&w->oc->pb);
		avformat_free_context(w->oc);
	}
	avcodec_parameters_free(&w->par);
	free(w->dir);
	free(w);
}
