/* MD5 and SHA-256 of files and buffers, through libavutil: MD5 is what S3
 * ETags are made of, SHA-256 what SigV4 signs a payload with. */
#ifndef VT_DIGEST_H
#define VT_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct AVMD5;

struct vt_digest {
	uint8_t md5[16];
	uint8_t sha256[32];
};

enum { VT_MD5 = 1, VT_SHA256 = 2 };

/* The digests named by which (VT_MD5 | VT_SHA256) of [off, off + len) of
 * fd, read with pread; the bytes are also fed to whole, when not NULL, as
 * MD5. Returns 0, or -1 with errno set (EIO if the file is shorter). */
int vt_digest_fd(int fd, off_t off, int64_t len, int which, struct vt_digest *d,
    struct AVMD5 *whole);
void vt_digest_mem(const void *p, size_t len, struct vt_digest *d);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void vt_hex(const uint8_t *p, size_t n, char *out);
/* Base64 of the 16 bytes of an MD5, for Content-MD5 (25 bytes). */
void vt_md5_base64(const uint8_t md5[16], char out[25]);

#endif
