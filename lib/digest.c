/* Digests through libavutil's av_md5 and av_sha. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <libavutil/base64.h>
#include <libavutil/md5.h>
#include <libavutil/mem.h>
#include <libavutil/sha.h>

#include "vt.h"
#include "digest.h"

#define CHUNK (1 << 20)

int
vt_digest_fd(int fd, off_t off, int64_t len, int which, struct vt_digest *d,
    struct AVMD5 *whole)
{
	struct AVMD5 *md5 = av_md5_alloc();
	struct AVSHA *sha = av_sha_alloc();
	uint8_t *buf = vt_malloc(CHUNK);
	int ret = 0, e = 0;
	ssize_t n;

	if (!md5 || !sha)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	av_md5_init(md5);
	av_sha_init(sha, 256);
	while (len > 0) {
		n = pread(fd, buf, len < CHUNK ? len : CHUNK, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			ret = -1;
			break;
		}
		if (which & VT_MD5)
			av_md5_update(md5, buf, n);
		if (which & VT_SHA256)
			av_sha_update(sha, buf, n);
		if (whole)
			av_md5_update(whole, buf, n);
		off += n;
		len -= n;
	}
	if (which & VT_MD5)
		av_md5_final(md5, d->md5);
	if (which & VT_SHA256)
		av_sha_final(sha, d->sha256);
	av_free(md5);
	av_free(sha);
	free(buf);
	errno = e;
	return ret;
}

void
vt_digest_mem(const void *p, size_t len, struct vt_digest *d)
{
	struct AVSHA *sha = av_sha_alloc();

	if (!sha)
		vt_die(VT_EX_SOFTWARE, "out of memory");
	av_md5_sum(d->md5, p, len);
	av_sha_init(sha, 256);
	av_sha_update(sha, p, len);
	av_sha_final(sha, d->sha256);
	av_free(sha);
}

void
vt_hex(const uint8_t *p, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = x[p[i] >> 4];
		out[2 * i + 1] = x[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
vt_md5_base64(const uint8_t md5[16], char out[25])
{
	av_base64_encode(out, 25, md5, 16);
}
