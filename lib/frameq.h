/* A bounded queue of frames between a producer thread and one consumer.
 * A full queue blocks the producer, so memory stays bounded. */
#ifndef VT_FRAMEQ_H
#define VT_FRAMEQ_H

#include <pthread.h>
#include <libavutil/frame.h>

struct vt_frameq {
	AVFrame **slot;
	int cap, head, count;
	pthread_mutex_t lock;
	pthread_cond_t more, less;
};

void vt_frameq_init(struct vt_frameq *q, int cap);
/* Queue f (taken over by the queue), or NULL to mark the end. */
void vt_frameq_push(struct vt_frameq *q, AVFrame *f);
/* The next frame, or NULL at the end; the caller frees it. */
AVFrame *vt_frameq_pop(struct vt_frameq *q);
void vt_frameq_destroy(struct vt_frameq *q);

#endif
