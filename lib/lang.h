/* Language tags: a stream's ISO 639 code (as containers store it) to the
 * BCP 47 tag HLS wants, and a name a person can read. */
#ifndef VT_LANG_H
#define VT_LANG_H

#include <stddef.h>

/* The BCP 47 tag for code into buf (n >= 4): an ISO 639-2 code (B or T)
 * becomes its ISO 639-1 code where there is one ("fre" -> "fr"), else its
 * 639-2/T code ("tib" -> "bo", "gsw" -> "gsw"); a 639-1 code stays. Region and other subtags after a '-' are kept. Returns
 * 0, buf empty, for no language ("und", "mis", "mul", "zxx", empty) and
 * for a code that is not ISO 639. */
int vt_lang_bcp47(const char *code, char *buf, size_t n);
/* The English name of a BCP 47 tag's language ("fr-CA" -> "French"), or
 * NULL. */
const char *vt_lang_name(const char *tag);
/* The ISO 639-2/T code of a BCP 47 tag's language ("fr" -> "fra"), as
 * MP4 and MPEG-TS name languages, or NULL. */
const char *vt_lang_iso639_2(const char *tag);

#endif
