/* A bounded queue of frames between a producer thread and one consumer. */
#include "vt.h"
#include "frameq.h"

void
vt_frameq_init(struct vt_frameq *q, int cap)
{
	q->slot = vt_calloc(cap, sizeof(*q->slot));
	q->cap = cap;
	q->head = q->count = 0;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->less, NULL);
}

void
vt_frameq_push(struct vt_frameq *q, AVFrame *f)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == q->cap)
		pthread_cond_wait(&q->less, &q->lock);
	q->slot[(q->head + q->count++) % q->cap] = f;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
}

AVFrame *
vt_frameq_pop(struct vt_frameq *q)
{
	AVFrame *f;

	pthread_mutex_lock(&q->lock);
	while (q->count == 0)
		pthread_cond_wait(&q->more, &q->lock);
	f = q->slot[q->head];
	q->head = (q->head + 1) % q->cap;
	q->count--;
	pthread_cond_signal(&q->less);
	pthread_mutex_unlock(&q->lock);
	return f;
}

void
vt_frameq_destroy(struct vt_frameq *q)
{
	while (q->count > 0) {
		AVFrame *f = q->slot[q->head];

		av_frame_free(&f);
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	free(q->slot);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->more);
	pthread_cond_destroy(&q->less);
}
