/* Just enough XML for the small documents S3 answers with: elements found
 * by name, text with its entities decoded. No DTDs, no prefixes, and an
 * element never holds another of its own name. */
#ifndef VT_XML_H
#define VT_XML_H

/* Find the next element named tag in [*p, end): return 1 with its content
 * in [*cs, *ce) and *p moved past it, or 0. */
int vt_xml_elem(const char **p, const char *end, const char *tag, const char **cs,
    const char **ce);
/* The decoded text of the first element named tag in [p, end), or NULL;
 * a string to free. */
char *vt_xml_get(const char *p, const char *end, const char *tag);
/* [s, e) with &lt; &gt; &amp; &quot; &apos; and &#N; &#xN; decoded. */
char *vt_xml_text(const char *s, const char *e);
/* s escaped for element content; a string to free. */
char *vt_xml_escape(const char *s);

#endif
