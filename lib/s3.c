/* S3 addressing, signing, listings and error answers. */
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

static void
sigv4(CURL *e, const void *arg)
{
	const struct vt_sigv4 *s = arg;

	curl_easy_setopt(e, CURLOPT_AWS_SIGV4, s->provider);
	curl_easy_setopt(e, CURLOPT_USERNAME, s->key);
	curl_easy_setopt(e, CURLOPT_PASSWORD, s->secret);
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
	r->auth = sigv4;
	r->auth_arg = &s->sign;
	r->temporary_answer = vt_s3_temporary;
	r->path_as_is = 1;
	vt_req_header(r, "x-amz-content-sha256: %s", sha256hex ? sha256hex : EMPTY_SHA256);
	if (s->sign.token)
		vt_req_header(r, "x-amz-security-token: %s", s->sign.token);
	return r;
}

void
vt_s3_list_open(struct vt_s3_list *l, const struct vt_s3 *s, struct vt_http *h,
    const char *prefix, int uploads)
{
	memset(l, 0, sizeof(*l));
	l->s3 = s;
	l->http = h;
	l->uploads = uploads;
	l->prefix = vt_s3_escape(prefix, 0);
}

/* The query of the next page, canonical: its keys sorted. */
static char *
list_query(const struct vt_s3_list *l)
{
	char *a, *b, *q;

	if (!l->next[0])
		return l->uploads ? vt_asprintf("prefix=%s&uploads=", l->prefix) :
		    vt_asprintf("list-type=2&prefix=%s", l->prefix);
	a = vt_s3_escape(l->next[0], 0);
	if (l->uploads) {
		b = vt_s3_escape(l->next[1], 0);
		q = vt_asprintf("key-marker=%s&prefix=%s&upload-id-marker=%s&uploads=", a, l->prefix, b);
		free(b);
	} else {
		q = vt_asprintf("continuation-token=%s&list-type=2&prefix=%s", a, l->prefix);
	}
	free(a);
	return q;
}

int
vt_s3_list_next(struct vt_s3_list *l, const char **cs, const char **ce)
{
	struct vt_req *r = l->page;
	char *q, *trunc;

	while (!r || !vt_xml_elem(&l->pos, l->end, l->uploads ? "Upload" : "Contents", cs, ce)) {
		if (r && (r->cc != CURLE_OK || r->status != 200))
			return -1;
		if (r && !l->next[0])
			return 0;
		vt_req_free(r);
		q = list_query(l);
		l->page = r = vt_s3_req(l->s3, "GET", "", q, NULL);
		free(q);
		free(l->next[0]);
		free(l->next[1]);
		l->next[0] = l->next[1] = NULL;
		vt_http_one(l->http, r);
		if (r->cc != CURLE_OK || r->status != 200)
			return -1;
		l->pos = r->resp.data ? r->resp.data : "";
		l->end = l->pos + r->resp.len;
		trunc = vt_xml_get(l->pos, l->end, "IsTruncated");
		if (trunc && !strcmp(trunc, "true")) {
			l->next[0] = vt_xml_get(l->pos, l->end, l->uploads ? "NextKeyMarker" :
			    "NextContinuationToken");
			if (l->uploads && !(l->next[1] = vt_xml_get(l->pos, l->end, "NextUploadIdMarker"))) {
				free(l->next[0]);
				l->next[0] = NULL;
			}
		}
		free(trunc);
	}
	return 1;
}

void
vt_s3_list_close(struct vt_s3_list *l)
{
	vt_req_free(l->page);
	free(l->next[0]);
	free(l->next[1]);
	free(l->prefix);
	memset(l, 0, sizeof(*l));
}

static char *
s3_field(const struct vt_req *r, const char *tag)
{
	const char *p = r->resp.data;

	if (!p || !strstr(p, "<Error"))
		return NULL;
	return vt_xml_get(p, p + r->resp.len, tag);
}

char *
vt_s3_code(const struct vt_req *r)
{
	return s3_field(r, "Code");
}

const char *
vt_s3_why(const struct vt_req *r)
{
	static char buf[512];
	char *code, *msg;
	int known;

	if (r->ioerr || r->cc != CURLE_OK)
		return vt_req_why(r, NULL);
	code = vt_s3_code(r);
	msg = s3_field(r, "Message");
	if (code && msg && *msg)
		snprintf(buf, sizeof(buf), "%s: %s", code, msg);
	else if (code)
		snprintf(buf, sizeof(buf), "%s (%s)", vt_req_error(r), code);
	known = code != NULL;
	free(code);
	free(msg);
	return vt_req_why(r, known ? buf : NULL);
}

int
vt_s3_exit(const struct vt_req *r, int writing)
{
	int ret = vt_req_exit(r);
	char *code;

	if (ret != VT_EX_NOINPUT || !writing)
		return ret;
	code = vt_s3_code(r);
	if (code && !strcmp(code, "NoSuchBucket"))
		ret = VT_EX_CANTCREAT;
	free(code);
	return ret;
}

int
vt_s3_temporary(const struct vt_req *r)
{
	return r->status == 400 && r->resp.data && strstr(r->resp.data, "<Code>RequestTimeout</Code>");
}
