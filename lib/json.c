/* JSON manifests through jansson: reading, typed access, writing. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "vt.h"

static void
badjson(const char *what, const json_error_t *err)
{
	if (err->line > 0)
		vt_die(VT_EX_DATAERR, "bad JSON in %s at line %d: %s", what, err->line, err->text);
	vt_die(VT_EX_DATAERR, "bad JSON in %s: %s", what, err->text);
}

json_t *
vt_json_read(FILE *f, const char *what)
{
	json_error_t err;
	json_t *v;

	if (!(v = json_loadf(f, JSON_REJECT_DUPLICATES, &err)))
		badjson(what, &err);
	return v;
}

json_t *
vt_json_read_all(FILE *f, const char *what)
{
	json_t *all = json_array(), *v;
	json_error_t err;
	int c;

	for (;;) {
		while ((c = getc(f)) == ' ' || c == '\n' || c == '\t' || c == '\r')
			;
		if (c == EOF)
			break;
		ungetc(c, f);
		if (!(v = json_loadf(f, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &err)))
			badjson(what, &err);
		json_array_append_new(all, v);
	}
	if (ferror(f))
		vt_die(VT_EX_IOERR, "cannot read %s: %s", what, strerror(errno));
	return all;
}

json_t *
vt_json_load_file(const char *path)
{
	json_error_t err;
	json_t *v;
	FILE *f;

	if (!(f = fopen(path, "r")))
		vt_die(errno == ENOENT ? VT_EX_NOINPUT : VT_EX_IOERR,
		    "cannot open '%s': %s", path, strerror(errno));
	v = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
	fclose(f);
	if (!v)
		badjson(path, &err);
	return v;
}

void
vt_json_print(json_t *v)
{
	if (json_dumpf(v, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10)) < 0 ||
	    putchar('\n') == EOF || fflush(stdout) == EOF)
		vt_die(VT_EX_IOERR, "write error on standard output: %s", strerror(errno));
	json_decref(v);
}

static json_t *
get(const json_t *o, const char *key)
{
	return json_is_object(o) ? json_object_get(o, key) : NULL;
}

static void
wrongtype(const char *key, const char *want)
{
	vt_die(VT_EX_DATAERR, "manifest: '%s' must be %s", key, want);
}

const char *
vt_json_str(const json_t *o, const char *key, const char *def)
{
	json_t *v = get(o, key);

	if (!v || json_is_null(v))
		return def;
	if (!json_is_string(v))
		wrongtype(key, "a string");
	return json_string_value(v);
}

long long
vt_json_int(const json_t *o, const char *key, long long def)
{
	json_t *v = get(o, key);
	double d;

	if (!v || json_is_null(v))
		return def;
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v)) {
		d = json_real_value(v);
		/* outside long long, the cast would be undefined */
		if (d >= -0x1p63 && d < 0x1p63 && d == (double)(long long)d)
			return (long long)d;
	}
	wrongtype(key, "an integer");
	return def;
}

double
vt_json_num(const json_t *o, const char *key, double def)
{
	json_t *v = get(o, key);

	if (!v || json_is_null(v))
		return def;
	if (!json_is_number(v))
		wrongtype(key, "a number");
	return json_number_value(v);
}

long long
vt_json_int_in(const json_t *o, const char *key, long long def, long long min, long long max)
{
	long long v = vt_json_int(o, key, def);

	if (get(o, key) && !json_is_null(get(o, key)) && (v < min || v > max))
		vt_die(VT_EX_DATAERR, "manifest: '%s' must be from %lld to %lld", key, min, max);
	return v;
}

double
vt_json_num_in(const json_t *o, const char *key, double def, double min, double max)
{
	double v = vt_json_num(o, key, def);

	if (get(o, key) && !json_is_null(get(o, key)) && !(v >= min && v <= max))
		vt_die(VT_EX_DATAERR, "manifest: '%s' must be from %g to %g", key, min, max);
	return v;
}

int
vt_json_rational(const json_t *o, const char *key, int *num, int *den)
{
	json_t *v = get(o, key), *n, *d;

	if (!v || json_is_null(v))
		return 0;
	n = json_array_get(v, 0);
	d = json_array_get(v, 1);
	if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_integer(n) ||
	    !json_is_integer(d) || json_integer_value(d) <= 0 ||
	    json_integer_value(n) < 0 || json_integer_value(n) > 0x7fffffff ||
	    json_integer_value(d) > 0x7fffffff)
		wrongtype(key, "a rational [num, den]");
	*num = (int)json_integer_value(n);
	*den = (int)json_integer_value(d);
	return 1;
}

json_t *
vt_json_rational_new(int num, int den)
{
	return json_pack("[ii]", num, den);
}

const char *
vt_json_need_str(const json_t *o, const char *key)
{
	const char *s = vt_json_str(o, key, NULL);

	if (!s)
		vt_die(VT_EX_DATAERR, "manifest: missing '%s'", key);
	return s;
}

long long
vt_json_need_int(const json_t *o, const char *key)
{
	if (!get(o, key) || json_is_null(get(o, key)))
		vt_die(VT_EX_DATAERR, "manifest: missing '%s'", key);
	return vt_json_int(o, key, 0);
}
