/* S3 addressing, signing settings and error answers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "s3.h"
#include "xml.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* A bucket name that can be a host name label: virtual-host addressing
 * works for it, over TLS too. */
static int
dns_bucket(const char *b)
{
	size_t n = strlen(b);
	const char *p;

	if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
		return 0;
	for (p = b; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
			return 0;
	return 1;
}

void
vt_s3_open(struct vt_s3 *s, const char *url, int addressing)
{
	const char *b, *slash, *ep, *key, *secret;
	size_t n;

	memset(s, 0, sizeof(*s));
	if (strncmp(url, "s3://", 5))
		vt_die(VT_EX_USAGE, "'%s' is not an s3:// URL", url);
	b = url + 5;
	slash = strchr(b, '/');
	n = slash ? (size_t)(slash - b) : strlen(b);
	if (!n)
		vt_die(VT_EX_USAGE, "'%s' names no bucket", url);
	s->bucket = vt_asprintf("%.*s", (int)n, b);
	if (strspn(s->bucket, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != n)
		vt_die(VT_EX_USAGE, "bad bucket name '%s'", s->bucket);
	s->key = vt_strdup(slash ? slash + 1 : "");

	s->region = vt_strdup(env("AWS_REGION") ? env("AWS_REGION") :
	    env("AWS_DEFAULT_REGION") ? env("AWS_DEFAULT_REGION") : "us-east-1");
	if (strspn(s->region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(s->region))
		vt_die(VT_EX_USAGE, "bad AWS_REGION '%s'", s->region);
	ep = env("AWS_ENDPOINT_URL_S3") ? env("AWS_ENDPOINT_URL_S3") : env("AWS_ENDPOINT_URL");
	if (ep) {
		if (strncmp(ep, "http://", 7) && strncmp(ep, "https://", 8))
			vt_die(VT_EX_USAGE, "AWS_ENDPOINT_URL must start with http:// or https://");
		n = strlen(ep);
		while (n > 8 && ep[n - 1] == '/')
			n--;
		s->endpoint = vt_asprintf("%.*s", (int)n, ep);
		if (strchr(strstr(s->endpoint, "://") + 3, '/'))
			vt_die(VT_EX_USAGE, "AWS_ENDPOINT_URL may not have a path");
	} else {
		s->endpoint = vt_asprintf("https://s3.%s.amazonaws.com", s->region);
	}
	switch (addressing) {
	case VT_S3_PATH: s->path_style = 1; break;
	case VT_S3_VIRTUAL: s->path_style = 0; break;
	default: s->path_style = ep || !dns_bucket(s->bucket);
	}
	if (!s->path_style && !dns_bucket(s->bucket))
		vt_die(VT_EX_USAGE, "bucket '%s' cannot be a host name; use path addressing", s->bucket);

	key = env("AWS_ACCESS_KEY_ID");
	secret = env("AWS_SECRET_ACCESS_KEY");
	if (!key || !secret)
		vt_die(VT_EX_NOPERM, "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
	s->sign.provider = vt_asprintf("aws:amz:%s:s3", s->region);
	s->sign.key = vt_strdup(key);
	s->sign.secret = vt_strdup(secret);
	s->sign.token = env("AWS_SESSION_TOKEN") ? vt_strdup(env("AWS_SESSION_TOKEN")) : NULL;
}

void
vt_s3_close(struct vt_s3 *s)
{
	free(s->bucket);
	free(s->key);
	free(s->endpoint);
	free(s->region);
	free(s->sign.provider);
	free(s->sign.key);
	if (s->sign.secret)
		memset(s->sign.secret, 0, strlen(s->sign.secret));
	free(s->sign.secret);
	free(s->sign.token);
	memset(s, 0, sizeof(*s));
}

char *
vt_s3_escape(const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = vt_malloc(3 * strlen(s) + 1), *o = out;
	unsigned char c;

	for (; (c = *s); s++) {
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
			*o++ = c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

struct vt_req *
vt_s3_req(const struct vt_s3 *s, const char *method, const char *key, const char *query,
    const char *sha256hex)
{
	const char *host = strstr(s->endpoint, "://") + 3;
	char *path = vt_s3_escape(key, 1), *url;
	struct vt_req *r;

	if (s->path_style)
		url = vt_asprintf("%s/%s/%s%s%s", s->endpoint, s->bucket, path,
		    query ? "?" : "", query ? query : "");
	else
		url = vt_asprintf("%.*s%s.%s/%s%s%s", (int)(host - s->endpoint), s->endpoint,
		    s->bucket, host, path, query ? "?" : "", query ? query : "");
	free(path);
	r = vt_req_new(method, url);
	r->sign = &s->sign;
	r->path_as_is = 1;
	vt_req_header(r, "x-amz-content-sha256: %s", sha256hex ? sha256hex : EMPTY_SHA256);
	if (s->sign.token)
		vt_req_header(r, "x-amz-security-token: %s", s->sign.token);
	return r;
}

static char *
s3_field(const struct vt_req *r, const char *tag)
{
	const char *p = r->resp.data;

	if (!p || !strstr(p, "<Error"))
		return NULL;
	return vt_xml_get(p, p + r->resp.len, tag);
}

const char *
vt_req_why(const struct vt_req *r)
{
	static char buf[512];
	char *code, *msg;

	size_t n;

	if (r->ioerr || r->cc != CURLE_OK) {
		snprintf(buf, sizeof(buf), "%s", vt_req_error(r));
	} else {
		code = s3_field(r, "Code");
		msg = s3_field(r, "Message");
		if (code && msg && *msg)
			snprintf(buf, sizeof(buf), "%s: %s", code, msg);
		else if (code)
			snprintf(buf, sizeof(buf), "%s (%s)", vt_req_error(r), code);
		else
			snprintf(buf, sizeof(buf), "%s", vt_req_error(r));
		free(code);
		free(msg);
	}
	n = strlen(buf);
	if (r->temporary && r->attempts > 1)
		snprintf(buf + n, sizeof(buf) - n, " (gave up after %d tries)", r->attempts);
	return buf;
}

int
vt_req_exit(const struct vt_req *r, int writing)
{
	char *code;
	int ret;

	if (r->temporary)
		return VT_EX_TEMPFAIL;
	if (r->ioerr)
		return VT_EX_IOERR;
	if (r->cc != CURLE_OK)
		return VT_EX_UNAVAILABLE;
	if (r->status == 401 || r->status == 403)
		return VT_EX_NOPERM;
	if (r->status != 404 && r->status != 410)
		return VT_EX_UNAVAILABLE;
	code = s3_field(r, "Code");
	ret = writing && code && !strcmp(code, "NoSuchBucket") ? VT_EX_CANTCREAT : VT_EX_NOINPUT;
	free(code);
	return ret;
}
