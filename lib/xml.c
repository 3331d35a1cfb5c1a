/* Elements by name and entity decoding, for S3's XML answers. */
#include <stdlib.h>
#include <string.h>

#include "vt.h"
#include "xml.h"
#include "http.h"

static const char *
find(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	for (; p + n <= end; p++)
		if (!memcmp(p, s, n))
			return p;
	return NULL;
}

int
vt_xml_elem(const char **pp, const char *end, const char *tag, const char **cs,
    const char **ce)
{
	size_t n = strlen(tag);
	const char *p = *pp, *gt, *close;
	char *closing;

	while ((p = find(p, end, "<")) && p + 1 + n < end) {
		if (memcmp(p + 1, tag, n) || !p[1 + n] || !strchr(" \t\r\n/>", p[1 + n])) {
			p++;
			continue;
		}
		if (!(gt = find(p, end, ">")))
			return 0;
		if (gt[-1] == '/') {	/* <Tag/> */
			*cs = *ce = gt + 1;
			*pp = gt + 1;
			return 1;
		}
		closing = vt_asprintf("</%s>", tag);
		close = find(gt + 1, end, closing);
		free(closing);
		if (!close)
			return 0;
		*cs = gt + 1;
		*ce = close;
		*pp = close + n + 3;
		return 1;
	}
	return 0;
}

char *
vt_xml_get(const char *p, const char *end, const char *tag)
{
	const char *cs, *ce;

	return vt_xml_elem(&p, end, tag, &cs, &ce) ? vt_xml_text(cs, ce) : NULL;
}

/* Append code point c as UTF-8. */
static void
utf8(struct vt_buf *b, unsigned long c)
{
	char u[4];
	int n;

	if (c < 0x80) {
		u[0] = c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = 0xc0 | c >> 6;
		u[1] = 0x80 | (c & 0x3f);
		n = 2;
	} else if (c < 0x10000) {
		u[0] = 0xe0 | c >> 12;
		u[1] = 0x80 | (c >> 6 & 0x3f);
		u[2] = 0x80 | (c & 0x3f);
		n = 3;
	} else {
		u[0] = 0xf0 | c >> 18;
		u[1] = 0x80 | (c >> 12 & 0x3f);
		u[2] = 0x80 | (c >> 6 & 0x3f);
		u[3] = 0x80 | (c & 0x3f);
		n = 4;
	}
	vt_buf_add(b, u, n);
}

char *
vt_xml_text(const char *s, const char *e)
{
	static const struct { const char *name; char c; } ents[] = {
		{ "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' }, { "quot;", '"' }, { "apos;", '\'' },
	};
	struct vt_buf b = { 0 };
	unsigned long c;
	size_t i, n;
	char *end;

	vt_buf_add(&b, "", 0);
	while (s < e) {
		if (*s != '&') {
			const char *amp = memchr(s, '&', e - s);

			n = amp ? (size_t)(amp - s) : (size_t)(e - s);
			vt_buf_add(&b, s, n);
			s += n;
			continue;
		}
		for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
			n = strlen(ents[i].name);
			if ((size_t)(e - s - 1) >= n && !memcmp(s + 1, ents[i].name, n))
				break;
		}
		if (i < sizeof(ents) / sizeof(ents[0])) {
			vt_buf_add(&b, &ents[i].c, 1);
			s += 1 + strlen(ents[i].name);
		} else if (e - s > 3 && s[1] == '#') {
			c = s[2] == 'x' ? strtoul(s + 3, &end, 16) : strtoul(s + 2, &end, 10);
			if (end < e && *end == ';' && c > 0 && c <= 0x10ffff) {
				utf8(&b, c);
				s = end + 1;
			} else {
				vt_buf_add(&b, s++, 1);
			}
		} else {
			vt_buf_add(&b, s++, 1);
		}
	}
	return b.data;
}

char *
vt_xml_escape(const char *s)
{
	struct vt_buf b = { 0 };

	vt_buf_add(&b, "", 0);
	for (; *s; s++) {
		switch (*s) {
		case '<': vt_buf_add(&b, "&lt;", 4); break;
		case '>': vt_buf_add(&b, "&gt;", 4); break;
		case '&': vt_buf_add(&b, "&amp;", 5); break;
		case '"': vt_buf_add(&b, "&quot;", 6); break;
		default: vt_buf_add(&b, s, 1);
		}
	}
	return b.data;
}
