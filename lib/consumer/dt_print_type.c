/*
 * dt_print_type.c: print()'s output: a recorded value shown member by
 * member from the type layout code generation wrote (grammar in
 * lib/codegen/dt_cg_print.c), the way DTrace's print() shows it (mdb's
 * "::print -tn" look: "type name = value", structs in braces, arrays in
 * brackets, char arrays as strings when they hold one).
 *
 * The layout may come from an ELF file, so it is untrusted: every read is
 * bounded by the layout and by the recorded bytes, nesting is limited, and
 * anything malformed makes dt_print_type() return -1 before printing.
 * Owner: consumer.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer/dt_print_type.h"

#define DT_PT_DEPTH 40

enum { PT_INT, PT_FLOAT, PT_PTR, PT_ARRAY, PT_SOU, PT_ENUM, PT_FWD };

typedef struct pt_node pt_node_t;

typedef struct pt_member {
	uint64_t off_bits;
	uint32_t bits;
	char *name;
	pt_node_t *type;
} pt_member_t;

struct pt_node {
	int kind;
	uint64_t size;  /* bytes; ARRAY: element size */
	uint64_t n;     /* ARRAY: elements; SOU: members; ENUM: enumerators */
	unsigned flags; /* INT: 1 signed, 2 char, 4 bool */
	char *name;
	pt_node_t *elem;
	pt_member_t *members;
	int64_t *values;
	char **enames;
};

/* ---- reading the layout ---- */

typedef struct pt_rd {
	const char *p, *end;
	int bad;
} pt_rd_t;

static uint64_t rd_num(pt_rd_t *r, int is_signed)
{
	uint64_t v = 0;
	int neg = 0, digits = 0;

	if (is_signed && r->p < r->end && *r->p == '-') {
		neg = 1;
		r->p++;
	}
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			r->bad = 1;
		v = v * 10 + (uint64_t)(*r->p++ - '0');
		digits++;
	}
	if (!digits || r->p >= r->end || *r->p != ',')
		r->bad = 1;
	else
		r->p++;
	return neg ? (uint64_t)-(int64_t)v : v;
}

static char *rd_str(pt_rd_t *r)
{
	uint64_t n = 0;
	char *s;

	while (r->p < r->end && *r->p >= '0' && *r->p <= '9' && n < 1000000)
		n = n * 10 + (uint64_t)(*r->p++ - '0');
	if (r->p >= r->end || *r->p != ':' || n > (uint64_t)(r->end - r->p - 1)) {
		r->bad = 1;
		return NULL;
	}
	r->p++;
	s = strndup(r->p, (size_t)n);
	if (s == NULL)
		r->bad = 1;
	r->p += n;
	return s;
}

static void pt_free(pt_node_t *t)
{
	if (t == NULL)
		return;
	free(t->name);
	pt_free(t->elem);
	if (t->kind == PT_SOU)
		for (uint64_t i = 0; t->members && i < t->n; i++) {
			free(t->members[i].name);
			pt_free(t->members[i].type);
		}
	if (t->kind == PT_ENUM)
		for (uint64_t i = 0; t->enames && i < t->n; i++)
			free(t->enames[i]);
	free(t->members);
	free(t->values);
	free(t->enames);
	free(t);
}

static pt_node_t *rd_node(pt_rd_t *r, int depth)
{
	pt_node_t *t;
	char k;

	if (r->bad || r->p >= r->end || depth > DT_PT_DEPTH) {
		r->bad = 1;
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		r->bad = 1;
		return NULL;
	}
	k = *r->p++;
	switch (k) {
	case 'i':
		t->kind = PT_INT;
		t->size = rd_num(r, 0);
		t->flags = (unsigned)rd_num(r, 0);
		t->name = rd_str(r);
		break;
	case 'f':
	case 'p':
		t->kind = k == 'f' ? PT_FLOAT : PT_PTR;
		t->size = rd_num(r, 0);
		t->name = rd_str(r);
		break;
	case 'a':
		t->kind = PT_ARRAY;
		t->n = rd_num(r, 0);
		t->size = rd_num(r, 0);
		t->name = rd_str(r);
		t->elem = rd_node(r, depth + 1);
		break;
	case 's':
		t->kind = PT_SOU;
		t->n = rd_num(r, 0);
		t->name = rd_str(r);
		/* each member takes at least 7 bytes of layout */
		if (r->bad || t->n > (uint64_t)(r->end - r->p) / 7 + 1) {
			r->bad = 1;
			break;
		}
		t->members = calloc(t->n ? t->n : 1, sizeof(*t->members));
		if (t->members == NULL) {
			r->bad = 1;
			break;
		}
		for (uint64_t i = 0; i < t->n && !r->bad; i++) {
			t->members[i].off_bits = rd_num(r, 0);
			t->members[i].bits = (uint32_t)rd_num(r, 0);
			t->members[i].name = rd_str(r);
			t->members[i].type = rd_node(r, depth + 1);
		}
		break;
	case 'e':
		t->kind = PT_ENUM;
		t->size = rd_num(r, 0);
		t->name = rd_str(r);
		t->n = rd_num(r, 0);
		if (r->bad || t->n > (uint64_t)(r->end - r->p) / 4 + 1) {
			r->bad = 1;
			break;
		}
		t->values = calloc(t->n ? t->n : 1, sizeof(*t->values));
		t->enames = calloc(t->n ? t->n : 1, sizeof(*t->enames));
		if (t->values == NULL || t->enames == NULL) {
			r->bad = 1;
			break;
		}
		for (uint64_t i = 0; i < t->n && !r->bad; i++) {
			t->values[i] = (int64_t)rd_num(r, 1);
			t->enames[i] = rd_str(r);
		}
		break;
	case 'w':
		t->kind = PT_FWD;
		t->name = rd_str(r);
		break;
	default:
		r->bad = 1;
		break;
	}
	if (!r->bad && t->name == NULL)
		r->bad = 1;
	if (!r->bad && (t->kind == PT_INT || t->kind == PT_PTR ||
			t->kind == PT_ENUM || t->kind == PT_FLOAT) &&
	    t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8 &&
	    !(t->kind == PT_FLOAT && t->size == 16))
		r->bad = 1;
	if (r->bad) {
		pt_free(t);
		return NULL;
	}
	return t;
}

/* ---- printing ---- */

typedef struct pt_st {
	FILE *f;
	const uint8_t *data;
	size_t len;
	int depth; /* depth of the last member printed */
	int nest;  /* array nesting */
} pt_st_t;

static int structlike(const pt_node_t *t)
{
	return t->kind == PT_SOU;
}

static int pt_get(const pt_st_t *s, uint64_t off, uint64_t n, void *out)
{
	if (off > s->len || n > s->len - off)
		return -1;
	memcpy(out, s->data + off, n);
	return 0;
}

static uint64_t pt_uint(const pt_st_t *s, uint64_t off, uint64_t size,
			int *ok)
{
	uint8_t b[8] = {0};
	uint64_t v = 0;

	*ok = size <= 8 && pt_get(s, off, size, b) == 0;
	memcpy(&v, b, sizeof(v));
	if (size < 8)
		v &= (1ULL << (size * 8)) - 1;
	return v;
}

static void pt_braces(pt_st_t *s, int depth)
{
	for (int d = s->depth; d > depth; d--)
		fprintf(s->f, "%*s}%s", (d + s->nest - 1) * 4, "",
			d == depth + 1 ? "" : "\n");
}

static void pt_indent(const pt_st_t *s)
{
	fprintf(s->f, "%*s", (s->depth + s->nest) * 4, "");
}

static void pt_visit(pt_st_t *s, const pt_node_t *t, const char *name,
		     uint64_t off_bits, uint32_t bits, int depth);

static void pt_char(FILE *f, char c)
{
	if (isprint((unsigned char)c))
		fprintf(f, "'%c'", c);
	else if (c == 0)
		fprintf(f, "'\\0'");
	else
		fprintf(f, "'\\%03o'", (unsigned char)c);
}

static void pt_array(pt_st_t *s, const pt_node_t *t, uint64_t off)
{
	const pt_node_t *e = t->elem;
	int isstring = 0;
	uint64_t i;
	char c = 1;

	if (e->kind == PT_INT && (e->flags & 3) == 3 && e->size == 1) {
		for (i = 0; i < t->n; i++) {
			if (pt_get(s, off + i, 1, &c) != 0)
				break;
			if (!isprint((unsigned char)c) || c == '\0')
				break;
		}
		isstring = i != t->n && c == '\0';
	}
	if (!isstring || s->depth != 0)
		fprintf(s->f, "[ ");
	if (isstring)
		fprintf(s->f, "\"");
	for (i = 0; i < t->n; i++) {
		if (isstring) {
			if (pt_get(s, off + i, 1, &c) != 0 || c == '\0')
				break;
			fputc(c, s->f);
			continue;
		}
		pt_st_t sub = *s;

		sub.nest += s->depth + 1;
		sub.depth = 0;
		pt_visit(&sub, e, "", (off + i * t->size) * 8, 0, 0);
		pt_braces(&sub, 0);
		if (i + 1 != t->n)
			fprintf(s->f, ", ");
		else if (structlike(e))
			fprintf(s->f, "\n");
	}
	if (isstring)
		fprintf(s->f, "\"");
	if (!isstring || s->depth != 0) {
		if (structlike(e))
			pt_indent(s);
		else
			fprintf(s->f, " ");
		fprintf(s->f, "]");
	}
}

static void pt_value(pt_st_t *s, const pt_node_t *t, uint64_t off_bits,
		     uint32_t bits)
{
	uint64_t off = off_bits / 8, v;
	int ok;

	switch (t->kind) {
	case PT_INT:
		if (bits != 0 || off_bits % 8 != 0) {
			/* a bit-field: the bits above its first one */
			uint32_t nb = bits ? bits : (uint32_t)t->size * 8;
			uint64_t span = (off_bits % 8 + nb + 7) / 8;

			v = pt_uint(s, off, span > 8 ? 8 : span, &ok);
			v >>= off_bits % 8;
			if (nb < 64)
				v &= (1ULL << nb) - 1;
		} else {
			v = pt_uint(s, off, t->size, &ok);
			if (ok && (t->flags & 3) == 3 && t->size == 1) {
				pt_char(s->f, (char)v);
				return;
			}
		}
		if (!ok)
			fprintf(s->f, "<unreadable>");
		else
			fprintf(s->f, "%#llx", (unsigned long long)v);
		return;
	case PT_FLOAT: {
		if (t->size == 4) {
			float x;

			if (pt_get(s, off, 4, &x) == 0) {
				fprintf(s->f, "%+.7e", (double)x);
				return;
			}
		} else if (t->size == 8) {
			double x;

			if (pt_get(s, off, 8, &x) == 0) {
				fprintf(s->f, "%+.7e", x);
				return;
			}
		}
		fprintf(s->f, "<unknown encoding>");
		return;
	}
	case PT_PTR:
		v = pt_uint(s, off, t->size, &ok);
		if (ok)
			fprintf(s->f, "%#llx", (unsigned long long)v);
		else
			fprintf(s->f, "<unreadable>");
		return;
	case PT_ARRAY:
		pt_array(s, t, off);
		return;
	case PT_SOU:
		fprintf(s->f, "{");
		return;
	case PT_ENUM: {
		int64_t sv;

		v = pt_uint(s, off, t->size, &ok);
		if (!ok) {
			fprintf(s->f, "<unreadable>");
			return;
		}
		sv = t->size == 8   ? (int64_t)v
		     : t->size == 4 ? (int32_t)v
		     : t->size == 2 ? (int16_t)v
				    : (int8_t)v;
		for (uint64_t i = 0; i < t->n; i++)
			if (t->values[i] == sv) {
				fprintf(s->f, "%s", t->enames[i]);
				return;
			}
		fprintf(s->f, "%lld", (long long)sv);
		return;
	}
	default:
		fprintf(s->f, "<forward decl>");
		return;
	}
}

/* One member (or the value itself, name ""), then a struct's members. */
static void pt_visit(pt_st_t *s, const pt_node_t *t, const char *name,
		     uint64_t off_bits, uint32_t bits, int depth)
{
	int arraymember, brief;
	size_t tl = strlen(t->name);

	pt_braces(s, depth);
	if (depth < s->depth)
		fprintf(s->f, "\n");
	s->depth = depth;
	arraymember = s->nest != 0 && depth == 0;
	brief = arraymember && !structlike(t);
	if (!brief) {
		if (arraymember)
			fprintf(s->f, "\n");
		pt_indent(s);
		fprintf(s->f, "%s", t->name);
		if (name[0] != '\0') {
			if (tl == 0 || (t->name[tl - 1] != '*' &&
					t->name[tl - 1] != ' '))
				fprintf(s->f, " ");
			fprintf(s->f, "%s", name);
			if (t->kind == PT_INT && (bits != 0 || off_bits % 8 != 0))
				fprintf(s->f, " :%u",
					bits ? bits : (uint32_t)t->size * 8);
			fprintf(s->f, " =");
		}
		fprintf(s->f, " ");
	}
	pt_value(s, t, off_bits, bits);
	if (!brief)
		fprintf(s->f, "\n");
	if (t->kind == PT_SOU)
		for (uint64_t i = 0; i < t->n; i++) {
			const pt_member_t *m = &t->members[i];

			pt_visit(s, m->type, m->name, off_bits + m->off_bits,
				 m->bits, depth + 1);
		}
}

int dt_print_type(FILE *f, const char *layout, const void *data, size_t len)
{
	pt_rd_t r = {layout, layout ? layout + strlen(layout) : NULL, 0};
	pt_node_t *t = layout ? rd_node(&r, 0) : NULL;
	pt_st_t s = {f, data, len, 0, 0};

	if (t == NULL || r.bad || r.p != r.end) {
		pt_free(t);
		return -1;
	}
	pt_visit(&s, t, "", 0, 0, 0);
	pt_braces(&s, 0);
	pt_free(t);
	return 0;
}
