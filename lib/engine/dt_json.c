/*
 * dt_json.c: D's json(json, selector) subroutine: the text of the value a
 * selector names in a JSON document ("top.array[2].bb", "0.first", "[3]"),
 * or nothing. Strings come back without their quotes, escapes as written;
 * objects and arrays as their exact text.
 *
 * The document is read lazily, as DTrace reads it: what comes after the
 * selected value is never looked at, so a malformed element only hides the
 * values at and after it. Everything is bounded by the text's length and a
 * nesting limit; nothing is allocated. Owner: engine.
 */
#include <stddef.h>
#include <string.h>

#include "engine/dt_json.h"

#define DT_JSON_DEPTH 64

typedef struct jrd {
	const char *p, *end;
} jrd_t;

static void ws(jrd_t *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
				 *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* A string at r->p ('"'): sets its contents' span. 0 or -1. */
static int jstring(jrd_t *r, const char **s, size_t *n)
{
	const char *b;

	if (r->p >= r->end || *r->p != '"')
		return -1;
	b = ++r->p;
	while (r->p < r->end && *r->p != '"') {
		unsigned char c = (unsigned char)*r->p;

		if (c < 0x20)
			return -1;
		if (c != '\\') {
			r->p++;
			continue;
		}
		if (++r->p >= r->end)
			return -1;
		switch (*r->p) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			r->p++;
			break;
		case 'u':
			if (r->end - r->p < 5 || !is_hex(r->p[1]) ||
			    !is_hex(r->p[2]) || !is_hex(r->p[3]) ||
			    !is_hex(r->p[4]))
				return -1;
			r->p += 5;
			break;
		default:
			return -1;
		}
	}
	if (r->p >= r->end)
		return -1;
	*s = b;
	*n = (size_t)(r->p - b);
	r->p++;
	return 0;
}

static int digits(jrd_t *r)
{
	const char *b = r->p;

	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return r->p > b ? 0 : -1;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int jnumber(jrd_t *r)
{
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p < r->end && *r->p == '0')
		r->p++;
	else if (digits(r) != 0)
		return -1;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (digits(r) != 0)
			return -1;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (digits(r) != 0)
			return -1;
	}
	/* what follows a number must end it (0x1000 is not JSON) */
	if (r->p < r->end && ((*r->p >= 'a' && *r->p <= 'z') ||
			      (*r->p >= 'A' && *r->p <= 'Z') ||
			      (*r->p >= '0' && *r->p <= '9') || *r->p == '.'))
		return -1;
	return 0;
}

static int jvalue(jrd_t *r, int depth);

/* An object or array at r->p, read whole (to skip it). */
static int jcompound(jrd_t *r, int depth)
{
	char close = *r->p == '{' ? '}' : ']';
	int obj = close == '}';

	if (depth > DT_JSON_DEPTH)
		return -1;
	r->p++;
	ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		if (obj) {
			const char *k;
			size_t kn;

			if (jstring(r, &k, &kn) != 0)
				return -1;
			ws(r);
			if (r->p >= r->end || *r->p != ':')
				return -1;
			r->p++;
		}
		if (jvalue(r, depth + 1) != 0)
			return -1;
		ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			ws(r);
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return 0;
		}
		return -1;
	}
}

/* Any value at r->p (after white space), read whole. */
static int jvalue(jrd_t *r, int depth)
{
	const char *s;
	size_t n;

	ws(r);
	if (r->p >= r->end)
		return -1;
	switch (*r->p) {
	case '{': case '[':
		return jcompound(r, depth);
	case '"':
		return jstring(r, &s, &n);
	case 't':
		n = 4, s = "true";
		break;
	case 'f':
		n = 5, s = "false";
		break;
	case 'n':
		n = 4, s = "null";
		break;
	default:
		return jnumber(r);
	}
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, s, n) != 0)
		return -1;
	r->p += n;
	return 0;
}

/* The next selector component: a key, or an index ("[n]", or bare digits
 * where an array is selected). Returns its span, 0 at the end, -1 if bad. */
static int next_comp(const char **sel, const char **c, size_t *n, int *bracket)
{
	const char *p = *sel;

	if (*p == '\0')
		return 0;
	if (*p == '.')
		p++;
	*bracket = *p == '[';
	if (*bracket) {
		*c = ++p;
		while (*p != '\0' && *p != ']')
			p++;
		if (*p != ']')
			return -1;
		*n = (size_t)(p - *c);
		*sel = p + 1;
		return 1;
	}
	*c = p;
	while (*p != '\0' && *p != '.' && *p != '[')
		p++;
	*n = (size_t)(p - *c);
	*sel = p;
	return *n > 0 ? 1 : -1;
}

static int parse_index(const char *c, size_t n, size_t *idx)
{
	size_t v = 0;

	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (c[i] < '0' || c[i] > '9')
			return -1;
		v = v * 10 + (size_t)(c[i] - '0');
	}
	*idx = v;
	return 0;
}

int dt_json_select(const char *json, size_t len, const char *sel,
		   const char **val, size_t *vlen)
{
	jrd_t r = {json, json + len};
	const char *c, *k;
	size_t n, kn;
	int br, rc;

	ws(&r);
	while ((rc = next_comp(&sel, &c, &n, &br)) == 1) {
		size_t idx, i;

		ws(&r);
		if (r.p >= r.end || (*r.p != '[' && *r.p != '{'))
			return -1; /* a scalar has no members */
		if (*r.p == '[') {
			if (parse_index(c, n, &idx) != 0)
				return -1;
			r.p++;
			for (i = 0;; i++) {
				ws(&r);
				if (r.p < r.end && *r.p == ']' && i == 0)
					return -1;
				if (i == idx)
					break;
				if (jvalue(&r, 1) != 0)
					return -1;
				ws(&r);
				if (r.p >= r.end || *r.p != ',')
					return -1; /* ']' : no such element */
				r.p++;
			}
			continue;
		}
		if (br)
			return -1; /* an object has no [n] */
		r.p++;
		for (;;) {
			ws(&r);
			if (jstring(&r, &k, &kn) != 0)
				return -1; /* '}' ends it: no such key */
			ws(&r);
			if (r.p >= r.end || *r.p != ':')
				return -1;
			r.p++;
			ws(&r);
			if (kn == n && memcmp(k, c, n) == 0)
				break;
			if (jvalue(&r, 1) != 0)
				return -1;
			ws(&r);
			if (r.p >= r.end || *r.p != ',')
				return -1;
			r.p++;
		}
	}
	if (rc < 0)
		return -1;
	/* r.p is at the selected value: read it to know where it ends */
	ws(&r);
	c = r.p;
	if (r.p < r.end && *r.p == '"') {
		if (jstring(&r, val, vlen) != 0)
			return -1;
		return 0;
	}
	if (jvalue(&r, 0) != 0)
		return -1;
	*val = c;
	*vlen = (size_t)(r.p - c);
	return 0;
}
