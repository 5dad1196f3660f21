/* dt_ltype.c: resolution of relocation type names and member paths in a
 * machine's BTF (see dt_ltype.h). */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypertrace/dif.h"
#include "link/dt_ltype.h"

#define WHY(...)                                                               \
	do {                                                                   \
		if (why != NULL)                                               \
			snprintf(why, whylen, __VA_ARGS__);                    \
		return -1;                                                     \
	} while (0)

struct btf *dt_ltype_load(const char *path, char *why, size_t whylen)
{
	struct btf *btf = btf__parse(path, NULL);
	int e = errno;

	if (btf == NULL) {
		if (why != NULL)
			snprintf(why, whylen, "cannot load BTF from %s: %s",
				 path, strerror(e ? e : EINVAL));
		return NULL;
	}
	return btf;
}

/* D spellings of C base types and the names BTF (gcc/pahole) uses. */
static const char *const dt_ltype_aliases[][2] = {
    {"unsigned", "unsigned int"},
    {"signed", "int"},
    {"signed int", "int"},
    {"long", "long int"},
    {"signed long", "long int"},
    {"unsigned long", "long unsigned int"},
    {"unsigned long int", "long unsigned int"},
    {"long long", "long long int"},
    {"unsigned long long", "long long unsigned int"},
    {"unsigned long long int", "long long unsigned int"},
    {"short", "short int"},
    {"unsigned short", "short unsigned int"},
    {"unsigned short int", "short unsigned int"},
    {"bool", "_Bool"},
};

static char *dt_trim(char *s)
{
	char *e;

	while (*s == ' ')
		s++;
	e = s + strlen(s);
	while (e > s && e[-1] == ' ')
		*--e = '\0';
	return s;
}

/* Removes the qualifiers const, volatile and restrict (whole words): they
 * do not change layout, loads or sizes. */
static void dt_strip_quals(char *s)
{
	static const char *const q[] = {"const", "volatile", "restrict"};
	char *p = s;

	while (*p != '\0') {
		int done = 0;

		for (size_t i = 0; i < 3 && !done; i++) {
			size_t n = strlen(q[i]);

			if (strncmp(p, q[i], n) == 0 &&
			    (p == s || p[-1] == ' ' || p[-1] == '*') &&
			    (p[n] == ' ' || p[n] == '*' || p[n] == '\0')) {
				memmove(p, p + n, strlen(p + n) + 1);
				done = 1;
			}
		}
		if (!done)
			p++;
	}
	/* collapse runs of blanks left behind */
	for (p = s; *p != '\0'; p++)
		while (p[0] == ' ' && p[1] == ' ')
			memmove(p, p + 1, strlen(p + 1) + 1);
}

static int32_t dt_ltype_base(const struct btf *btf, const char *name)
{
	int32_t id;

	if (strcmp(name, "void") == 0)
		return 0;
	if (strncmp(name, "struct ", 7) == 0)
		return btf__find_by_name_kind(btf, name + 7, BTF_KIND_STRUCT);
	if (strncmp(name, "union ", 6) == 0)
		return btf__find_by_name_kind(btf, name + 6, BTF_KIND_UNION);
	if (strncmp(name, "enum ", 5) == 0) {
		id = btf__find_by_name_kind(btf, name + 5, BTF_KIND_ENUM);
		if (id < 0)
			id = btf__find_by_name_kind(btf, name + 5,
						    BTF_KIND_ENUM64);
		return id;
	}
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id > 0)
		return id;
	id = btf__find_by_name_kind(btf, name, BTF_KIND_INT);
	if (id > 0)
		return id;
	for (size_t i = 0;
	     i < sizeof(dt_ltype_aliases) / sizeof(dt_ltype_aliases[0]); i++)
		if (strcmp(name, dt_ltype_aliases[i][0]) == 0)
			return btf__find_by_name_kind(
			    btf, dt_ltype_aliases[i][1], BTF_KIND_INT);
	return -1;
}

int dt_ltype_parse(const struct btf *btf, const char *name, dt_ltype_t *t,
		   char *why, size_t whylen)
{
	char buf[512], *s, *br, *e;

	memset(t, 0, sizeof(*t));
	if (strncmp(name, "userland ", 9) == 0)
		name += 9;
	if (strlen(name) >= sizeof(buf))
		WHY("type name too long");
	strcpy(buf, name);
	br = strchr(buf, '[');
	if (br != NULL) {
		char *p = br;

		while (*p != '\0') {
			unsigned long n;

			if (*p == ' ') {
				p++;
				continue;
			}
			if (*p != '[' || t->ndims == DT_LTYPE_MAXDIMS)
				WHY("bad array suffix in type \"%s\"", name);
			errno = 0;
			n = strtoul(p + 1, &e, 10);
			if (e == p + 1 || *e != ']' || errno || n > UINT32_MAX)
				WHY("bad array size in type \"%s\"", name);
			t->dims[t->ndims++] = (uint32_t)n;
			p = e + 1;
		}
		*br = '\0';
	}
	dt_strip_quals(buf);
	s = dt_trim(buf);
	for (;;) {
		size_t l = strlen(s);

		if (l == 0 || s[l - 1] != '*')
			break;
		s[l - 1] = '\0';
		t->nptr++;
		s = dt_trim(s);
	}
	if (*s == '\0')
		WHY("empty type name in \"%s\"", name);
	t->id = dt_ltype_base(btf, s);
	if (t->id < 0)
		WHY("type \"%s\" does not exist in this kernel's BTF", s);
	return 0;
}

int64_t dt_ltype_size(const struct btf *btf, const dt_ltype_t *t)
{
	int64_t sz;

	if (t->nptr > 0)
		sz = 8;
	else if (t->id == 0)
		return -1;
	else
		sz = btf__resolve_size(btf, (uint32_t)t->id);
	if (sz < 0)
		return -1;
	for (uint32_t i = 0; i < t->ndims; i++) {
		if (t->dims[i] != 0 &&
		    (uint64_t)sz > (uint64_t)INT64_MAX / t->dims[i])
			return -1;
		sz *= t->dims[i];
	}
	return sz;
}

enum dt_lclass dt_ltype_class(const struct btf *btf, const dt_ltype_t *t,
			      uint32_t *size, int *is_signed)
{
	const struct btf_type *bt;
	int32_t id;

	if (size)
		*size = 0;
	if (is_signed)
		*is_signed = 0;
	if (t->ndims > 0)
		return DT_LC_ARRAY;
	if (t->nptr > 0) {
		if (size)
			*size = 8;
		return DT_LC_PTR;
	}
	if (t->id == 0)
		return DT_LC_VOID;
	id = btf__resolve_type(btf, (uint32_t)t->id);
	if (id < 0)
		return DT_LC_OTHER;
	if (id == 0)
		return DT_LC_VOID;
	bt = btf__type_by_id(btf, (uint32_t)id);
	if (bt == NULL)
		return DT_LC_OTHER;
	switch (btf_kind(bt)) {
	case BTF_KIND_INT:
		if (size)
			*size = bt->size;
		if (is_signed)
			*is_signed =
			    (btf_int_encoding(bt) & BTF_INT_SIGNED) != 0;
		return DT_LC_INT;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (size)
			*size = bt->size;
		if (is_signed)
			*is_signed = btf_kflag(bt);
		return DT_LC_INT;
	case BTF_KIND_PTR:
		if (size)
			*size = 8;
		return DT_LC_PTR;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		if (size)
			*size = bt->size;
		return DT_LC_AGGR;
	case BTF_KIND_ARRAY:
		return DT_LC_ARRAY;
	default:
		return DT_LC_OTHER;
	}
}

/* Finds name among the members of aggregate id, descending into anonymous
 * members; adds the bit offset to *bits. */
static int dt_ltype_find(const struct btf *btf, uint32_t id, const char *name,
			 uint64_t *bits, uint32_t *mtype, int *bitfield,
			 int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;

	if (t == NULL || !(btf_is_struct(t) || btf_is_union(t)) || depth > 32)
		return -1;
	m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);

		if (mn != NULL && *mn != '\0') {
			if (strcmp(mn, name) != 0)
				continue;
			*bits += btf_member_bit_offset(t, i);
			*mtype = m->type;
			*bitfield = btf_member_bitfield_size(t, i) != 0;
			return 0;
		} else {
			int32_t sub = btf__resolve_type(btf, m->type);
			uint64_t b = *bits + btf_member_bit_offset(t, i);

			if (sub > 0 &&
			    dt_ltype_find(btf, (uint32_t)sub, name, &b, mtype,
					  bitfield, depth + 1) == 0) {
				*bits = b;
				return 0;
			}
		}
	}
	return -1;
}

int dt_ltype_member(const struct btf *btf, const dt_ltype_t *t,
		    const char *path, uint32_t *off, dt_ltype_t *mt, char *why,
		    size_t whylen)
{
	char comp[256];
	const char *p = path;
	uint64_t bits = 0;
	int32_t cur;

	if (t->nptr || t->ndims)
		WHY("member \"%s\" of a type that is not a struct or union",
		    path);
	cur = t->id;
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		int32_t rid =
		    cur > 0 ? btf__resolve_type(btf, (uint32_t)cur) : -1;
		const struct btf_type *bt =
		    rid > 0 ? btf__type_by_id(btf, (uint32_t)rid) : NULL;
		uint32_t mtype = 0;
		int bitfield = 0;

		if (n == 0 || n >= sizeof(comp))
			WHY("bad member path \"%s\"", path);
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (bt == NULL || !(btf_is_struct(bt) || btf_is_union(bt)))
			WHY("\"%s\" in \"%s\": not inside a struct or union",
			    comp, path);
		if (dt_ltype_find(btf, (uint32_t)rid, comp, &bits, &mtype,
				  &bitfield, 0) != 0) {
			const char *tn = btf__name_by_offset(btf, bt->name_off);

			WHY("%s %s has no member \"%s\"",
			    btf_is_union(bt) ? "union" : "struct",
			    tn && *tn ? tn : "(anonymous)", comp);
		}
		if (bitfield)
			WHY("member \"%s\" is a bit-field", comp);
		cur = (int32_t)mtype;
		p += n;
		if (*p == '.')
			p++;
	}
	if (bits % 8 != 0)
		WHY("member \"%s\" is not byte-aligned", path);
	if (bits / 8 > UINT32_MAX)
		WHY("member \"%s\" offset too large", path);
	*off = (uint32_t)(bits / 8);
	memset(mt, 0, sizeof(*mt));
	mt->id = cur;
	return 0;
}

int dt_ltype_loadop(const struct btf *btf, const dt_ltype_t *t, int user,
		    uint8_t *op, char *why, size_t whylen)
{
	uint32_t size;
	int sgn;
	uint8_t k;

	switch (dt_ltype_class(btf, t, &size, &sgn)) {
	case DT_LC_PTR:
		k = DIF_OP_LDX;
		break;
	case DT_LC_INT:
		switch (size) {
		case 1:
			k = sgn ? DIF_OP_LDSB : DIF_OP_LDUB;
			break;
		case 2:
			k = sgn ? DIF_OP_LDSH : DIF_OP_LDUH;
			break;
		case 4:
			k = sgn ? DIF_OP_LDSW : DIF_OP_LDUW;
			break;
		case 8:
			k = DIF_OP_LDX;
			break;
		default:
			WHY("integer of %u bytes cannot be loaded", size);
		}
		break;
	case DT_LC_AGGR:
		WHY("a struct or union cannot be loaded by value");
	case DT_LC_ARRAY:
		WHY("an array cannot be loaded by value");
	case DT_LC_VOID:
		WHY("void cannot be loaded");
	default:
		WHY("a value of this kind cannot be loaded");
	}
	if (user) /* ULDSB..ULDX follow LDSB..LDX in the same order */
		k = (uint8_t)(k - DIF_OP_LDSB + DIF_OP_ULDSB);
	*op = k;
	return 0;
}

int dt_ltype_is_chararr(const struct btf *btf, const dt_ltype_t *t)
{
	const struct btf_type *bt;
	int32_t id;
	uint32_t size;

	if (t->ndims == 1 && t->nptr == 0) {
		dt_ltype_t e = {.id = t->id};

		return dt_ltype_class(btf, &e, &size, NULL) == DT_LC_INT &&
		       size == 1;
	}
	if (t->ndims || t->nptr || t->id <= 0)
		return 0;
	id = btf__resolve_type(btf, (uint32_t)t->id);
	bt = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
	if (bt == NULL || !btf_is_array(bt)) {
		return 0;
	} else {
		dt_ltype_t e = {.id = (int32_t)btf_array(bt)->type};

		return dt_ltype_class(btf, &e, &size, NULL) == DT_LC_INT &&
		       size == 1;
	}
}
