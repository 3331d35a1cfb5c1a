/* ISO 639 codes to BCP 47 tags and names. */
#include <ctype.h>
#include <string.h>

#include "lang.h"

static const struct lang {
	const char *t, *b, *two, *name;
} langs[] = {
#include "langtab.h"
};

static const struct lang *
find(const char *code, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		const struct lang *l = &langs[i];

		if (len == 3 ? !strncmp(code, l->t, 3) || (*l->b && !strncmp(code, l->b, 3)) :
		    len == 2 && *l->two && !strncmp(code, l->two, 2))
			return l;
	}
	return NULL;
}

/* The primary subtag, lower case, and the length of the whole tag if the
 * rest is well formed: '-' then 1 to 8 letters or digits, repeated. */
static size_t
split(const char *code, char *prim, size_t *plen)
{
	size_t i = 0, k;

	while (i < 3 && isalpha((unsigned char)code[i])) {
		prim[i] = (char)tolower((unsigned char)code[i]);
		i++;
	}
	*plen = i;
	if (i < 2 || (code[i] && code[i] != '-'))
		return 0;
	while (code[i] == '-') {
		for (k = 1; k <= 8 && isalnum((unsigned char)code[i + k]); k++)
			;
		if (k == 1)
			return 0;
		i += k;
	}
	return code[i] ? 0 : i;
}

int
vt_lang_bcp47(const char *code, char *buf, size_t n)
{
	const struct lang *l;
	char prim[3];
	size_t plen, len;

	buf[0] = '\0';
	if (!code || !(len = split(code, prim, &plen)) || !(l = find(prim, plen)))
		return 0;
	if (strlen(code + plen) + 4 > n)
		return 0;
	strcpy(buf, *l->two ? l->two : l->t);
	strcat(buf, code + plen);
	return 1;
}

static const struct lang *
of_tag(const char *tag)
{
	char prim[3];
	size_t plen;

	return tag && split(tag, prim, &plen) ? find(prim, plen) : NULL;
}

const char *
vt_lang_name(const char *tag)
{
	const struct lang *l = of_tag(tag);

	return l ? l->name : NULL;
}

const char *
vt_lang_iso639_2(const char *tag)
{
	const struct lang *l = of_tag(tag);

	return l ? l->t : NULL;
}
