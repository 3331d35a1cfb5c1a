/* Frame-accurate access to the video of a file, seeking where it pays. */
#include <math.h>
#include <string.h>

#include "vt.h"
#include "decode.h"
#include "media.h"
#include "thumbseek.h"

/* Open path, or open it again (idx >= 0), with only the video read. */
static void
open_input(struct vt_seeker *s, const char *path, int idx)
{
	unsigned i;

	s->fmt = vt_open_input(path);
	if (idx < 0 && (idx = vt_best_stream(s->fmt, AVMEDIA_TYPE_VIDEO)) < 0)
		vt_die(VT_EX_DATAERR, "'%s' has no video stream", path);
	if ((unsigned)idx >= s->fmt->nb_streams)
		vt_die(VT_EX_DATAERR, "'%s' changed while being read", path);
	s->st = s->fmt->streams[idx];
	for (i = 0; i < s->fmt->nb_streams; i++)
		if ((int)i != idx)
			s->fmt->streams[i]->discard = AVDISCARD_ALL;
}

void
vt_seeker_open(struct vt_seeker *s, const char *path)
{
	AVFormatContext *fmt;
	AVStream *st;

	memset(s, 0, sizeof(*s));
	open_input(s, path, -1);
	fmt = s->fmt;
	st = s->st;
	vt_display_size(st, &s->display_w, &s->display_h);
	if (st->codecpar->width <= 0 || st->codecpar->height <= 0 ||
	    s->display_w <= 0 || s->display_h <= 0)
		vt_die(VT_EX_DATAERR, "'%s': video of unknown size", path);
	s->dec = vt_open_decoder(st, path, 1);
	s->rotation = vt_rotation(st);
	s->start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
	s->frame_ticks = FFMAX(1, av_rescale_q(1, av_inv_q(vt_frame_rate(st)), st->time_base));
	s->duration = -1;
	if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
		s->duration = st->duration * av_q2d(st->time_base);
		s->known_end = 1;
	} else if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0) {
		/* the container's span may include other streams: no truncation check */
		s->duration = fmt->duration / (double)AV_TIME_BASE -
		    (fmt->start_time != AV_NOPTS_VALUE ?
		    vt_seeker_sec(s, av_rescale_q(fmt->start_time, AV_TIME_BASE_Q, st->time_base)) : 0);
	}
	s->pkt = av_packet_alloc();
	s->cur = av_frame_alloc();
	s->ahead = av_frame_alloc();
	if (!s->pkt || !s->cur || !s->ahead)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	s->fresh = 1;
	s->last_pts = AV_NOPTS_VALUE;
}

void
vt_seeker_close(struct vt_seeker *s)
{
	av_packet_free(&s->pkt);
	av_frame_free(&s->cur);
	av_frame_free(&s->ahead);
	avcodec_free_context(&s->dec);
	avformat_close_input(&s->fmt);
}

double
vt_seeker_duration(struct vt_seeker *s)
{
	const AVFrame *f;

	if (s->duration < 0) {
		f = vt_seeker_frame_at(s, INT64_MAX / 2);
		s->duration = vt_seeker_sec(s, f->pts + (f->pkt_duration > 0 ? f->pkt_duration : s->frame_ticks));
	}
	return s->duration;
}

int64_t
vt_seeker_ts(const struct vt_seeker *s, double sec)
{
	return s->start + llrint(sec * s->st->time_base.den / s->st->time_base.num);
}

double
vt_seeker_sec(const struct vt_seeker *s, int64_t ts)
{
	return (ts - s->start) * av_q2d(s->st->time_base);
}

static void
bad_packet(struct vt_seeker *s, int err)
{
	if (++s->errors <= 3)
		vt_warn("'%s': decoding: %s; skipped", s->fmt->url, vt_averr(err));
}

/* A file that ends more than a second (and 5%) short of its stream's
 * stated duration has lost its tail. */
static void
check_end(struct vt_seeker *s, int64_t pts)
{
	double last, want = s->duration;

	if (!s->known_end || pts == AV_NOPTS_VALUE)
		return;
	last = vt_seeker_sec(s, pts);
	if (last < want - fmax(1, want * 0.05))
		vt_die(VT_EX_DATAERR, "'%s' is truncated: its video stops at %.3f s of %.3f s",
		    s->fmt->url, last, want);
}

/* Decode the next frame into f; 0 at the end. */
static int
decode(struct vt_seeker *s, AVFrame *f)
{
	int err;

	for (;;) {
		err = avcodec_receive_frame(s->dec, f);
		if (err >= 0) {
			if (f->best_effort_timestamp != AV_NOPTS_VALUE)
				f->pts = f->best_effort_timestamp;
			else if (s->last_pts != AV_NOPTS_VALUE)
				f->pts = s->last_pts + s->frame_ticks;
			else
				f->pts = s->start;
			if (s->last_pts == AV_NOPTS_VALUE || f->pts > s->last_pts)
				s->last_pts = f->pts;
			s->decoded++;
			s->fresh = 0;
			return 1;
		}
		if (err == AVERROR_EOF) {
			check_end(s, s->last_pts);
			return 0;
		}
		if (err == AVERROR_INVALIDDATA) {
			bad_packet(s, err);
			continue;
		}
		if (err != AVERROR(EAGAIN))
			vt_die(VT_EX_DATAERR, "'%s': decoding: %s", s->fmt->url, vt_averr(err));
		err = av_read_frame(s->fmt, s->pkt);
		if (err == AVERROR_EOF) {
			s->eof = 1;
			avcodec_send_packet(s->dec, NULL);
			continue;
		}
		if (err < 0)
			vt_die(VT_EX_DATAERR, "cannot read '%s': %s", s->fmt->url, vt_averr(err));
		if (s->pkt->stream_index == s->st->index &&
		    (err = avcodec_send_packet(s->dec, s->pkt)) < 0)
			bad_packet(s, err);
		av_packet_unref(s->pkt);
	}
}

void
vt_seeker_check_tail(struct vt_seeker *s)
{
	int64_t end = AV_NOPTS_VALUE;
	int err, corrupt = 0;

	if (!s->known_end) {
		vt_seeker_seek(s, s->start);	/* finds out whether it can */
		return;
	}
	vt_seeker_seek(s, vt_seeker_ts(s, fmax(0, s->duration - 2)));
	while ((err = av_read_frame(s->fmt, s->pkt)) >= 0) {
		if (s->pkt->stream_index == s->st->index) {
			if (s->pkt->flags & AV_PKT_FLAG_CORRUPT)
				corrupt = 1;
			else if (s->pkt->pts != AV_NOPTS_VALUE && (end == AV_NOPTS_VALUE || s->pkt->pts > end))
				end = s->pkt->pts;
		}
		av_packet_unref(s->pkt);
	}
	if (err != AVERROR_EOF)
		vt_die(VT_EX_DATAERR, "cannot read '%s': %s", s->fmt->url, vt_averr(err));
	if (corrupt || end == AV_NOPTS_VALUE)
		vt_die(VT_EX_DATAERR, "'%s' is truncated: its video ends in damaged data", s->fmt->url);
	check_end(s, end);
	s->fresh = 0;
}

/* A file that cannot seek (a raw stream) is read again from the start. */
static void
reopen(struct vt_seeker *s)
{
	char *url = vt_strdup(s->fmt->url);
	int idx = s->st->index;

	avformat_close_input(&s->fmt);
	open_input(s, url, idx);
	free(url);
	s->noseek = 1;
	s->last_pts = AV_NOPTS_VALUE;	/* frames without timestamps count again */
}

void
vt_seeker_seek(struct vt_seeker *s, int64_t ts)
{
	int idx = s->st->index, err = -1;

	if (ts < s->start)
		ts = s->start;
	if (s->noseek && s->fresh)
		return;
	if (!s->noseek && (err = avformat_seek_file(s->fmt, idx, INT64_MIN, ts, ts, 0)) < 0 &&
	    (err = av_seek_frame(s->fmt, idx, ts, AVSEEK_FLAG_BACKWARD)) < 0)
		err = avformat_seek_file(s->fmt, idx, INT64_MIN, s->start, INT64_MAX, 0);
	if (err < 0)
		reopen(s);
	avcodec_flush_buffers(s->dec);
	s->have_cur = s->have_ahead = s->eof = 0;
	s->fresh = s->noseek;
	s->seeks++;
}

const AVFrame *
vt_seeker_next(struct vt_seeker *s)
{
	AVFrame *t;

	if (!s->have_ahead && !decode(s, s->ahead))
		return NULL;
	t = s->cur;
	s->cur = s->ahead;
	s->ahead = t;
	s->have_ahead = 0;
	s->have_cur = 1;
	return s->cur;
}

/* Decode on while the next frame is shown at or before ts. */
static void
advance(struct vt_seeker *s, int64_t ts)
{
	for (;;) {
		if (!s->have_ahead) {
			if (!decode(s, s->ahead))
				return;
			s->have_ahead = 1;
		}
		if (s->ahead->pts > ts)
			return;
		vt_seeker_next(s);
	}
}

int
vt_seeker_must_seek(struct vt_seeker *s, int64_t ts)
{
	const AVIndexEntry *e;
	int64_t pos;

	if (s->have_cur)
		pos = s->cur->pts;
	else if (s->fresh)
		pos = s->start;
	else
		return 1;
	if (ts < pos)
		return 1;
	if (s->noseek)
		return 0;
	if (avformat_index_get_entries_count(s->st) > 0) {
		e = avformat_index_get_entry_from_timestamp(s->st, ts, AVSEEK_FLAG_BACKWARD);
		return e && e->timestamp > pos;
	}
	return vt_seeker_sec(s, ts) - vt_seeker_sec(s, pos) > 2;
}

int
vt_seeker_keyframes(struct vt_seeker *s, int64_t lo, int64_t hi)
{
	int i, n = avformat_index_get_entries_count(s->st), k = 0;
	const AVIndexEntry *e;

	if (n <= 0 || s->noseek)
		return -1;
	for (i = 0; i < n; i++)
		if ((e = avformat_index_get_entry(s->st, i)) && (e->flags & AVINDEX_KEYFRAME) &&
		    e->timestamp >= lo && e->timestamp <= hi)
			k++;
	return k;
}

const AVFrame *
vt_seeker_frame_at(struct vt_seeker *s, int64_t ts)
{
	int64_t target = ts < s->start ? s->start : ts, back;
	int tries;

	if (vt_seeker_must_seek(s, ts))
		vt_seeker_seek(s, target);
	/* A seek may land past ts (keyframes indexed by decode time, formats
	 * seeked by bytes): step back further until a frame at or before ts
	 * is reached, or the start. */
	for (tries = 0; ; tries++) {
		advance(s, ts);
		if (s->have_cur || target <= s->start || tries == 8)
			break;
		back = av_rescale_q(1LL << tries, (AVRational){ 1, 1 }, s->st->time_base);
		target = (s->have_ahead ? FFMIN(target, s->ahead->pts) : target) - FFMAX(back, 1);
		vt_seeker_seek(s, target);
	}
	if (s->have_cur)
		return s->cur;
	if (s->have_ahead)
		return s->ahead;
	vt_die(VT_EX_DATAERR, "'%s': no video frame could be decoded", s->fmt->url);
}
