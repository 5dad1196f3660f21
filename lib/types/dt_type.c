/*
 * dt_type.c: the D type system (see dt_type.h): built-in C and D types,
 * program-declared types, derived types (interned), C layout of structs
 * with bit-fields, name lookup and formatting, and kernel types imported
 * from BTF with libbpf.
 *
 * Owner: front end / type system.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

/* type names are truncated on purpose when absurdly long */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#include "types/dt_type.h"

struct dt_type_arr {
	struct dt_type_arr *next;
	uint64_t n;
	dt_type_t *t;
};

/* A named type in a scope. */
typedef struct dt_tname {
	struct dt_tname *next;
	enum dt_tkind kind; /* STRUCT/UNION/ENUM for tags, TYPEDEF otherwise */
	const char *name;
	dt_type_t *type;
} dt_tname_t;

#define NHASH 256

typedef struct dt_scope {
	const char *module;
	dt_tname_t *hash[NHASH];
} dt_scope_t;

struct dt_typetab {
	dt_type_t *all; /* every type, for freeing */
	dt_scope_t c, d;
	uint32_t strsize;
	dt_type_t *t_void, *t_string, *t_char, *t_schar, *t_uchar, *t_short,
		*t_ushort, *t_int, *t_uint, *t_long, *t_ulong, *t_llong,
		*t_ullong, *t_bool;
	/* BTF */
	char *btf_path;
	int btf_tried;
	struct btf *btf;
	dt_type_t **btf_cache;
	uint32_t btf_n;
	uint32_t *btf_work; /* ids whose details are to be filled */
	struct btf_name { uint32_t id; uint32_t next; } *btf_names;
	uint32_t *btf_hash; /* bucket heads (index into btf_names + 1) */
	uint32_t btf_hsize;
	uint32_t nwork, work_cap;
	char **strs; /* strings owned */
	size_t nstrs, strs_cap;
};

static unsigned hashstr(const char *s)
{
	unsigned h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % NHASH;
}

static const char *tt_strdup(dt_typetab_t *tt, const char *s)
{
	if (!s)
		return NULL;
	if (tt->nstrs == tt->strs_cap) {
		size_t nc = tt->strs_cap ? tt->strs_cap * 2 : 64;
		char **n = realloc(tt->strs, nc * sizeof(*n));
		if (!n)
			abort();
		tt->strs = n;
		tt->strs_cap = nc;
	}
	char *d = strdup(s);
	if (!d)
		abort();
	tt->strs[tt->nstrs++] = d;
	return d;
}

static dt_type_t *tnew(dt_typetab_t *tt, enum dt_tkind kind, const char *name,
		       uint64_t size, uint32_t align, uint32_t flags)
{
	dt_type_t *t = calloc(1, sizeof(*t));
	if (!t)
		abort();
	t->kind = kind;
	t->name = name;
	t->size = size;
	t->align = align;
	t->flags = flags;
	t->module = "C";
	t->next_in_tab = tt->all;
	tt->all = t;
	return t;
}

static void scope_add(dt_typetab_t *tt, dt_scope_t *sc, enum dt_tkind kind,
		      const char *name, dt_type_t *t)
{
	dt_tname_t *n = calloc(1, sizeof(*n));
	if (!n)
		abort();
	n->kind = kind;
	n->name = tt_strdup(tt, name);
	n->type = t;
	unsigned h = hashstr(name);
	n->next = sc->hash[h];
	sc->hash[h] = n;
}

static dt_type_t *scope_find(dt_scope_t *sc, enum dt_tkind kind,
			     const char *name)
{
	for (dt_tname_t *n = sc->hash[hashstr(name)]; n; n = n->next)
		if (n->kind == kind && strcmp(n->name, name) == 0)
			return n->type;
	return NULL;
}

static void scope_free(dt_scope_t *sc)
{
	for (int i = 0; i < NHASH; i++) {
		dt_tname_t *n = sc->hash[i];
		while (n) {
			dt_tname_t *x = n->next;
			free(n);
			n = x;
		}
	}
}

static dt_type_t *add_int(dt_typetab_t *tt, const char *name, uint64_t size,
			  uint32_t flags)
{
	dt_type_t *t = tnew(tt, DT_TK_INT, tt_strdup(tt, name), size,
			    (uint32_t)size, flags);
	scope_add(tt, &tt->c, DT_TK_TYPEDEF, name, t);
	return t;
}

static void add_typedef(dt_typetab_t *tt, const char *name, dt_type_t *base)
{
	dt_type_t *t = tnew(tt, DT_TK_TYPEDEF, tt_strdup(tt, name), base->size,
			    base->align, 0);
	t->ref = base;
	scope_add(tt, &tt->c, DT_TK_TYPEDEF, name, t);
}

dt_typetab_t *dt_typetab_new(const char *btf_path, uint32_t strsize)
{
	dt_typetab_t *tt = calloc(1, sizeof(*tt));
	if (!tt)
		return NULL;
	tt->c.module = "C";
	tt->d.module = "D";
	tt->strsize = strsize ? strsize : 256;
	tt->btf_path = strdup(btf_path ? btf_path : "/sys/kernel/btf/vmlinux");
	tt->t_void = tnew(tt, DT_TK_VOID, "void", 0, 1, 0);
	scope_add(tt, &tt->c, DT_TK_TYPEDEF, "void", tt->t_void);
	tt->t_char = add_int(tt, "char", 1, DT_TF_SIGNED | DT_TF_CHAR);
	tt->t_schar = add_int(tt, "signed char", 1, DT_TF_SIGNED | DT_TF_CHAR);
	tt->t_uchar = add_int(tt, "unsigned char", 1, DT_TF_CHAR);
	tt->t_short = add_int(tt, "short", 2, DT_TF_SIGNED);
	tt->t_ushort = add_int(tt, "unsigned short", 2, 0);
	tt->t_int = add_int(tt, "int", 4, DT_TF_SIGNED);
	tt->t_uint = add_int(tt, "unsigned int", 4, 0);
	tt->t_long = add_int(tt, "long", 8, DT_TF_SIGNED);
	tt->t_ulong = add_int(tt, "unsigned long", 8, 0);
	tt->t_llong = add_int(tt, "long long", 8, DT_TF_SIGNED);
	tt->t_ullong = add_int(tt, "unsigned long long", 8, 0);
	tt->t_bool = add_int(tt, "_Bool", 1, DT_TF_BOOL);
	scope_add(tt, &tt->c, DT_TK_TYPEDEF, "signed short", tt->t_short);
	scope_add(tt, &tt->c, DT_TK_TYPEDEF, "signed int", tt->t_int);
	scope_add(tt, &tt->c, DT_TK_TYPEDEF, "signed", tt->t_int);
	scope_add(tt, &tt->c, DT_TK_TYPEDEF, "unsigned", tt->t_uint);
	scope_add(tt, &tt->c, DT_TK_TYPEDEF, "signed long", tt->t_long);
	scope_add(tt, &tt->c, DT_TK_TYPEDEF, "signed long long", tt->t_llong);
	dt_type_t *f;
	f = tnew(tt, DT_TK_FLOAT, "float", 4, 4, DT_TF_SIGNED);
	scope_add(tt, &tt->c, DT_TK_TYPEDEF, "float", f);
	f = tnew(tt, DT_TK_FLOAT, "double", 8, 8, DT_TF_SIGNED);
	scope_add(tt, &tt->c, DT_TK_TYPEDEF, "double", f);
	f = tnew(tt, DT_TK_FLOAT, "long double", 16, 16, DT_TF_SIGNED);
	scope_add(tt, &tt->c, DT_TK_TYPEDEF, "long double", f);
	tt->t_string = tnew(tt, DT_TK_STRING, "string", tt->strsize, 1, 0);
	tt->t_string->module = "D";
	scope_add(tt, &tt->c, DT_TK_TYPEDEF, "string", tt->t_string);

	/* D's standard typedefs (dt_open.c defines these for every D
	 * program; the Solaris-style ones come from the kernel there). */
	static const struct {
		const char *name;
		int which;
	} tds[] = {
		{ "int8_t", 1 },     { "int16_t", 2 },    { "int32_t", 3 },
		{ "int64_t", 4 },    { "uint8_t", 5 },    { "uint16_t", 6 },
		{ "uint32_t", 7 },   { "uint64_t", 8 },   { "intptr_t", 9 },
		{ "uintptr_t", 10 }, { "size_t", 10 },    { "ssize_t", 9 },
		{ "ptrdiff_t", 9 },  { "off_t", 9 },      { "off64_t", 4 },
		{ "pid_t", 3 },      { "uid_t", 7 },      { "gid_t", 7 },
		{ "id_t", 3 },       { "time_t", 9 },     { "clock_t", 9 },
		{ "processorid_t", 3 }, { "psetid_t", 3 }, { "zoneid_t", 3 },
		{ "dev_t", 10 },     { "major_t", 7 },    { "minor_t", 7 },
		{ "uchar_t", 5 },    { "ushort_t", 6 },   { "uint_t", 7 },
		{ "ulong_t", 10 },   { "u_longlong_t", 8 }, { "longlong_t", 4 },
		{ "boolean_t", 3 },  { "hrtime_t", 4 },   { "caddr_t", 11 },
		{ "u8", 5 },         { "u16", 6 },        { "u32", 7 },
		{ "u64", 8 },        { "s8", 1 },         { "s16", 2 },
		{ "s32", 3 },        { "s64", 4 },        { "__u8", 5 },
		{ "__u16", 6 },      { "__u32", 7 },      { "__u64", 8 },
		{ "__s8", 1 },       { "__s16", 2 },      { "__s32", 3 },
		{ "__s64", 4 },      { "mode_t", 7 },     { "loff_t", 4 },
		{ "socklen_t", 7 },  { "key_t", 3 },      { "ino_t", 10 },
		{ "nlink_t", 7 },    { "blkcnt_t", 4 },
	};
	for (size_t i = 0; i < sizeof(tds) / sizeof(tds[0]); i++) {
		dt_type_t *b;
		switch (tds[i].which) {
		case 1: b = tt->t_schar; break;
		case 2: b = tt->t_short; break;
		case 3: b = tt->t_int; break;
		case 4: b = tt->t_llong; break;
		case 5: b = tt->t_uchar; break;
		case 6: b = tt->t_ushort; break;
		case 7: b = tt->t_uint; break;
		case 8: b = tt->t_ullong; break;
		case 9: b = tt->t_long; break;
		case 10: b = tt->t_ulong; break;
		default: b = dt_type_ptr(tt, tt->t_char); break;
		}
		add_typedef(tt, tds[i].name, b);
	}
	return tt;
}

void dt_typetab_free(dt_typetab_t *tt)
{
	if (!tt)
		return;
	dt_type_t *t = tt->all;
	while (t) {
		dt_type_t *n = t->next_in_tab;
		struct dt_type_arr *a = t->arr_cache;
		while (a) {
			struct dt_type_arr *x = a->next;
			free(a);
			a = x;
		}
		free(t->members);
		free(t->enums);
		free(t->args);
		free(t);
		t = n;
	}
	scope_free(&tt->c);
	scope_free(&tt->d);
	for (size_t i = 0; i < tt->nstrs; i++)
		free(tt->strs[i]);
	free(tt->strs);
	free(tt->btf_cache);
	free(tt->btf_work);
	free(tt->btf_names);
	free(tt->btf_hash);
	if (tt->btf)
		btf__free(tt->btf);
	free(tt->btf_path);
	free(tt);
}

/* ---- built-ins ---- */

dt_type_t *dt_type_void(dt_typetab_t *tt) { return tt->t_void; }
dt_type_t *dt_type_string(dt_typetab_t *tt) { return tt->t_string; }
dt_type_t *dt_type_char(dt_typetab_t *tt) { return tt->t_char; }
dt_type_t *dt_type_int32(dt_typetab_t *tt) { return tt->t_int; }
dt_type_t *dt_type_uint32(dt_typetab_t *tt) { return tt->t_uint; }
dt_type_t *dt_type_int64(dt_typetab_t *tt) { return tt->t_llong; }
dt_type_t *dt_type_uint64(dt_typetab_t *tt)
{
	return dt_type_lookup_name(tt, "C", DT_TK_TYPEDEF, "uint64_t");
}
dt_type_t *dt_type_long(dt_typetab_t *tt) { return tt->t_long; }
dt_type_t *dt_type_ulong(dt_typetab_t *tt) { return tt->t_ulong; }
dt_type_t *dt_type_voidptr(dt_typetab_t *tt)
{
	return dt_type_ptr(tt, tt->t_void);
}
dt_type_t *dt_type_charptr(dt_typetab_t *tt)
{
	return dt_type_ptr(tt, tt->t_char);
}

dt_type_t *dt_type_int(dt_typetab_t *tt, uint32_t size, int s)
{
	switch (size) {
	case 1: return s ? tt->t_char : tt->t_uchar;
	case 2: return s ? tt->t_short : tt->t_ushort;
	case 4: return s ? tt->t_int : tt->t_uint;
	default: return s ? tt->t_long : tt->t_ulong;
	}
}

/* ---- constructors ---- */

dt_type_t *dt_type_ptr(dt_typetab_t *tt, dt_type_t *to)
{
	if (to->ptr_cache)
		return to->ptr_cache;
	dt_type_t *t = tnew(tt, DT_TK_PTR, NULL, 8, 8, 0);
	t->ref = to;
	t->module = to->module;
	to->ptr_cache = t;
	return t;
}

dt_type_t *dt_type_array(dt_typetab_t *tt, dt_type_t *elem, uint64_t n)
{
	for (struct dt_type_arr *a = elem->arr_cache; a; a = a->next)
		if (a->n == n)
			return a->t;
	uint64_t esz = dt_type_size(elem);
	dt_type_t *t = tnew(tt, DT_TK_ARRAY, NULL, esz * n,
			    dt_type_align(elem), 0);
	t->ref = elem;
	t->nelems = n;
	t->module = elem->module;
	struct dt_type_arr *a = calloc(1, sizeof(*a));
	if (!a)
		abort();
	a->n = n;
	a->t = t;
	a->next = elem->arr_cache;
	elem->arr_cache = a;
	return t;
}

dt_type_t *dt_type_qual(dt_typetab_t *tt, dt_type_t *t, uint32_t quals)
{
	quals &= DT_TF_CONST | DT_TF_VOLATILE | DT_TF_RESTRICT |
		 DT_TF_USERLAND;
	if (!quals)
		return t;
	for (dt_type_t *q = t->qual_cache; q; q = q->qual_cache)
		if (q->ref == t && q->flags == quals &&
		    q->kind == DT_TK_TYPEDEF && !q->name)
			return q;
	dt_type_t *q = tnew(tt, DT_TK_TYPEDEF, NULL, t->size, t->align, quals);
	q->ref = t;
	q->module = t->module;
	q->qual_cache = t->qual_cache;
	t->qual_cache = q;
	return q;
}

dt_type_t *dt_type_func(dt_typetab_t *tt, dt_type_t *ret, dt_type_t **args,
			uint32_t nargs, int varargs)
{
	dt_type_t *t = tnew(tt, DT_TK_FUNC, NULL, 0, 1, 0);
	t->ref = ret;
	t->nargs = nargs;
	if (nargs) {
		t->args = calloc(nargs, sizeof(*t->args));
		if (!t->args)
			abort();
		memcpy(t->args, args, nargs * sizeof(*args));
	}
	t->varargs = varargs;
	return t;
}

dt_type_t *dt_type_decl_sou(dt_typetab_t *tt, enum dt_tkind kind,
			    const char *tag)
{
	dt_type_t *t = NULL;
	if (tag) {
		t = scope_find(&tt->d, kind, tag);
		if (t)
			return t;
	}
	t = tnew(tt, DT_TK_FORWARD, tag ? tt_strdup(tt, tag) : NULL, 0, 1,
		 kind == DT_TK_UNION ? DT_TF_FWD_UNION : 0);
	t->fwd_kind = kind;
	t->module = "D";
	if (tag)
		scope_add(tt, &tt->d, kind, tag, t);
	return t;
}

int dt_type_sou_add_member(dt_typetab_t *tt, dt_type_t *sou, const char *name,
			   dt_type_t *type, int bitsize, const char **why)
{
	(void)tt;
	enum dt_tkind k = sou->fwd_kind;
	if (name && *name)
		for (uint32_t i = 0; i < sou->nmembers; i++)
			if (strcmp(sou->members[i].name, name) == 0) {
				*why = "D_DECL_IDRED";
				return -1;
			}
	dt_member_t *m = realloc(sou->members,
				 (sou->nmembers + 1) * sizeof(*m));
	if (!m)
		abort();
	sou->members = m;
	m = &m[sou->nmembers++];
	m->name = tt_strdup(tt, name ? name : "");
	m->type = type;
	m->bitsize = bitsize > 0 ? (uint32_t)bitsize : 0;
	uint64_t tsz = dt_type_size(type) * 8;
	uint32_t al = dt_type_align(type);
	if (al == 0)
		al = 1;
	/* size field holds the running offset in bits until sou_end */
	uint64_t cur = sou->size;
	if (k == DT_TK_UNION) {
		m->offset_bits = 0;
		uint64_t sz = bitsize > 0 ? (uint64_t)bitsize : tsz;
		if (sz > cur)
			sou->size = sz;
	} else if (bitsize > 0) {
		/* gcc: a bit-field goes into the current storage unit of
		 * its type if it fits, else starts at the next aligned unit */
		uint64_t unit = al * 8ULL;
		uint64_t start = cur / unit * unit;
		if (cur + bitsize > start + tsz)
			cur = (cur + unit - 1) / unit * unit;
		m->offset_bits = cur;
		sou->size = cur + bitsize;
	} else if (bitsize == 0 && !(name && *name) && 0) {
		m->offset_bits = cur;
	} else {
		uint64_t a = al * 8ULL;
		cur = (cur + a - 1) / a * a;
		m->offset_bits = cur;
		sou->size = cur + tsz;
	}
	if (al > sou->align)
		sou->align = al;
	return 0;
}

int dt_type_sou_end(dt_typetab_t *tt, dt_type_t *sou)
{
	(void)tt;
	uint64_t a = (sou->align ? sou->align : 1) * 8ULL;
	uint64_t bits = (sou->size + a - 1) / a * a;
	sou->size = bits / 8;
	sou->kind = sou->fwd_kind;
	return 0;
}

dt_type_t *dt_type_decl_enum(dt_typetab_t *tt, const char *tag)
{
	dt_type_t *t = NULL;
	if (tag) {
		t = scope_find(&tt->d, DT_TK_ENUM, tag);
		if (t)
			return t;
	}
	t = tnew(tt, DT_TK_FORWARD, tag ? tt_strdup(tt, tag) : NULL, 4, 4,
		 DT_TF_SIGNED);
	t->fwd_kind = DT_TK_ENUM;
	t->module = "D";
	if (tag)
		scope_add(tt, &tt->d, DT_TK_ENUM, tag, t);
	return t;
}

int dt_type_enum_add(dt_typetab_t *tt, dt_type_t *en, const char *name,
		     int64_t value)
{
	dt_enumerator_t *e = realloc(en->enums, (en->nenums + 1) * sizeof(*e));
	if (!e)
		abort();
	en->enums = e;
	e[en->nenums].name = tt_strdup(tt, name);
	e[en->nenums].value = value;
	en->nenums++;
	en->kind = DT_TK_ENUM;
	en->size = 4;
	en->align = 4;
	/* register for enumerator lookup */
	scope_add(tt, &tt->d, DT_TK_INT, name, en);
	return 0;
}

dt_type_t *dt_type_decl_typedef(dt_typetab_t *tt, const char *name,
				dt_type_t *base)
{
	dt_type_t *t = tnew(tt, DT_TK_TYPEDEF, tt_strdup(tt, name),
			    base->size, base->align, 0);
	t->ref = base;
	t->module = "D";
	scope_add(tt, &tt->d, DT_TK_TYPEDEF, name, t);
	return t;
}

/* ---- BTF ---- */

static uint32_t btf_hashname(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int btf_load(dt_typetab_t *tt)
{
	if (tt->btf_tried)
		return tt->btf != NULL;
	tt->btf_tried = 1;
	if (!tt->btf_path || !*tt->btf_path)
		return 0;
	struct btf *b = btf__parse(tt->btf_path, NULL);
	if (!b)
		b = btf__parse_raw(tt->btf_path);
	if (!b)
		return 0;
	tt->btf = b;
	tt->btf_n = btf__type_cnt(b);
	tt->btf_cache = calloc(tt->btf_n, sizeof(*tt->btf_cache));
	if (!tt->btf_cache)
		abort();
	/* name index: btf__find_by_name_kind() is a linear scan, and the
	 * parser asks about many names */
	tt->btf_hsize = 65536;
	tt->btf_hash = calloc(tt->btf_hsize, sizeof(uint32_t));
	tt->btf_names = calloc(tt->btf_n, sizeof(*tt->btf_names));
	if (!tt->btf_hash || !tt->btf_names)
		abort();
	for (uint32_t i = 1; i < tt->btf_n; i++) {
		const struct btf_type *bt = btf__type_by_id(b, i);
		if (!bt->name_off)
			continue;
		const char *nm = btf__name_by_offset(b, bt->name_off);
		uint32_t h = btf_hashname(nm) & (tt->btf_hsize - 1);
		tt->btf_names[i].id = i;
		tt->btf_names[i].next = tt->btf_hash[h];
		tt->btf_hash[h] = i;
	}
	return 1;
}

/* First BTF id of the given BTF kind and name, or -1. */
static int32_t btf_lookup(dt_typetab_t *tt, const char *name, int kind)
{
	uint32_t h = btf_hashname(name) & (tt->btf_hsize - 1);
	int32_t best = -1;
	for (uint32_t i = tt->btf_hash[h]; i; i = tt->btf_names[i].next) {
		const struct btf_type *bt = btf__type_by_id(tt->btf, i);
		if (btf_kind(bt) != kind)
			continue;
		if (strcmp(btf__name_by_offset(tt->btf, bt->name_off), name))
			continue;
		if (best < 0 || (int32_t)i < best)
			best = (int32_t)i;
	}
	return best;
}

int dt_typetab_has_btf(dt_typetab_t *tt) { return btf_load(tt); }

static void work_push(dt_typetab_t *tt, uint32_t id)
{
	if (tt->nwork == tt->work_cap) {
		uint32_t nc = tt->work_cap ? tt->work_cap * 2 : 256;
		uint32_t *n = realloc(tt->btf_work, nc * sizeof(*n));
		if (!n)
			abort();
		tt->btf_work = n;
		tt->work_cap = nc;
	}
	tt->btf_work[tt->nwork++] = id;
}

/* Creates the dt_type for a BTF id with its kind, name and size; structs,
 * unions, enums and function prototypes are completed from the work list
 * (no deep recursion through the kernel's type graph). */
static dt_type_t *btf_shell(dt_typetab_t *tt, uint32_t id)
{
	if (id == 0)
		return tt->t_void;
	if (id >= tt->btf_n)
		return tt->t_void;
	if (tt->btf_cache[id])
		return tt->btf_cache[id];
	const struct btf_type *bt = btf__type_by_id(tt->btf, id);
	const char *nm = btf__name_by_offset(tt->btf, bt->name_off);
	if (nm && !*nm)
		nm = NULL;
	dt_type_t *t = NULL;
	switch (btf_kind(bt)) {
	case BTF_KIND_INT: {
		uint32_t enc = BTF_INT_ENCODING(*(const uint32_t *)(bt + 1));
		uint32_t fl = 0;
		if (enc & BTF_INT_SIGNED)
			fl |= DT_TF_SIGNED;
		if (enc & BTF_INT_CHAR)
			fl |= DT_TF_CHAR;
		if (enc & BTF_INT_BOOL)
			fl |= DT_TF_BOOL;
		if (nm && (strcmp(nm, "char") == 0))
			fl |= DT_TF_CHAR | DT_TF_SIGNED;
		/* use the built-in integer of the same name so that
		 * kernel ints and D ints are the same type */
		dt_type_t *b = nm ? scope_find(&tt->c, DT_TK_TYPEDEF, nm)
				  : NULL;
		if (b && b->kind == DT_TK_INT && b->size == bt->size)
			t = b;
		else
			t = tnew(tt, DT_TK_INT, tt_strdup(tt, nm), bt->size,
				 bt->size, fl);
		break;
	}
	case BTF_KIND_FLOAT:
		t = tnew(tt, DT_TK_FLOAT, tt_strdup(tt, nm), bt->size,
			 bt->size, DT_TF_SIGNED);
		break;
	case BTF_KIND_PTR:
		tt->btf_cache[id] = tt->t_void; /* cycle guard */
		t = dt_type_ptr(tt, btf_shell(tt, bt->type));
		break;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(bt);
		tt->btf_cache[id] = tt->t_void;
		t = dt_type_array(tt, btf_shell(tt, a->type), a->nelems);
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		t = tnew(tt, btf_kind(bt) == BTF_KIND_STRUCT ? DT_TK_STRUCT
							     : DT_TK_UNION,
			 tt_strdup(tt, nm), bt->size, 1, DT_TF_BTF);
		t->align = (uint32_t)btf__align_of(tt->btf, id);
		if (!t->align)
			t->align = 1;
		work_push(tt, id);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		t = tnew(tt, DT_TK_ENUM, tt_strdup(tt, nm),
			 bt->size ? bt->size : 4, bt->size ? bt->size : 4,
			 DT_TF_SIGNED | DT_TF_BTF);
		work_push(tt, id);
		break;
	case BTF_KIND_FWD:
		t = tnew(tt, DT_TK_FORWARD, tt_strdup(tt, nm), 0, 1,
			 DT_TF_BTF | (btf_kflag(bt) ? DT_TF_FWD_UNION : 0));
		t->fwd_kind = btf_kflag(bt) ? DT_TK_UNION : DT_TK_STRUCT;
		break;
	case BTF_KIND_TYPEDEF: {
		tt->btf_cache[id] = tt->t_void;
		dt_type_t *b = btf_shell(tt, bt->type);
		t = tnew(tt, DT_TK_TYPEDEF, tt_strdup(tt, nm), b->size,
			 b->align, DT_TF_BTF);
		t->ref = b;
		break;
	}
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT: {
		tt->btf_cache[id] = tt->t_void;
		dt_type_t *b = btf_shell(tt, bt->type);
		uint32_t q = btf_kind(bt) == BTF_KIND_CONST  ? DT_TF_CONST
			     : btf_kind(bt) == BTF_KIND_VOLATILE ? DT_TF_VOLATILE
								 : DT_TF_RESTRICT;
		t = dt_type_qual(tt, b, q);
		break;
	}
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_VAR:
		tt->btf_cache[id] = tt->t_void;
		t = btf_shell(tt, bt->type);
		break;
	case BTF_KIND_FUNC_PROTO:
		t = tnew(tt, DT_TK_FUNC, NULL, 0, 1, DT_TF_BTF);
		work_push(tt, id);
		break;
	case BTF_KIND_FUNC:
		tt->btf_cache[id] = tt->t_void;
		t = btf_shell(tt, bt->type);
		break;
	default:
		t = tt->t_void;
		break;
	}
	if (t->btf_id == 0 && (t->flags & DT_TF_BTF))
		t->btf_id = id;
	if ((t->flags & DT_TF_BTF) || t->kind == DT_TK_PTR ||
	    t->kind == DT_TK_ARRAY)
		if (t->module && strcmp(t->module, "C") == 0 &&
		    (t->flags & DT_TF_BTF))
			t->module = "vmlinux";
	tt->btf_cache[id] = t;
	return t;
}

static void btf_fill(dt_typetab_t *tt, uint32_t id)
{
	dt_type_t *t = tt->btf_cache[id];
	const struct btf_type *bt = btf__type_by_id(tt->btf, id);
	uint16_t vlen = btf_vlen(bt);
	switch (btf_kind(bt)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const struct btf_member *m = btf_members(bt);
		t->members = calloc(vlen ? vlen : 1, sizeof(*t->members));
		if (!t->members)
			abort();
		t->nmembers = vlen;
		for (uint16_t i = 0; i < vlen; i++) {
			const char *mn = btf__name_by_offset(tt->btf,
							     m[i].name_off);
			t->members[i].name = mn ? mn : "";
			t->members[i].type = btf_shell(tt, m[i].type);
			t->members[i].offset_bits = btf_member_bit_offset(bt, i);
			t->members[i].bitsize =
				btf_member_bitfield_size(bt, i);
		}
		break;
	}
	case BTF_KIND_ENUM: {
		const struct btf_enum *e = btf_enum(bt);
		t->enums = calloc(vlen ? vlen : 1, sizeof(*t->enums));
		if (!t->enums)
			abort();
		t->nenums = vlen;
		for (uint16_t i = 0; i < vlen; i++) {
			t->enums[i].name =
				btf__name_by_offset(tt->btf, e[i].name_off);
			t->enums[i].value = e[i].val;
		}
		break;
	}
	case BTF_KIND_ENUM64: {
		const struct btf_enum64 *e = btf_enum64(bt);
		t->enums = calloc(vlen ? vlen : 1, sizeof(*t->enums));
		if (!t->enums)
			abort();
		t->nenums = vlen;
		for (uint16_t i = 0; i < vlen; i++) {
			t->enums[i].name =
				btf__name_by_offset(tt->btf, e[i].name_off);
			t->enums[i].value = (int64_t)btf_enum64_value(&e[i]);
		}
		break;
	}
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *p = btf_params(bt);
		t->ref = btf_shell(tt, bt->type);
		t->args = calloc(vlen ? vlen : 1, sizeof(*t->args));
		if (!t->args)
			abort();
		for (uint16_t i = 0; i < vlen; i++) {
			if (p[i].type == 0 && i == vlen - 1) {
				t->varargs = 1;
				break;
			}
			t->args[t->nargs++] = btf_shell(tt, p[i].type);
		}
		break;
	}
	default:
		break;
	}
}

static dt_type_t *btf_import(dt_typetab_t *tt, uint32_t id)
{
	dt_type_t *t = btf_shell(tt, id);
	while (tt->nwork) {
		uint32_t w = tt->btf_work[--tt->nwork];
		btf_fill(tt, w);
	}
	return t;
}

static dt_type_t *btf_find(dt_typetab_t *tt, enum dt_tkind kind,
			   const char *name)
{
	if (!btf_load(tt))
		return NULL;
	int32_t id = -1;
	switch (kind) {
	case DT_TK_STRUCT:
		id = btf_lookup(tt, name, BTF_KIND_STRUCT);
		if (id < 0)
			id = btf_lookup(tt, name, BTF_KIND_FWD);
		break;
	case DT_TK_UNION:
		id = btf_lookup(tt, name, BTF_KIND_UNION);
		break;
	case DT_TK_ENUM:
		id = btf_lookup(tt, name, BTF_KIND_ENUM);
		if (id < 0)
			id = btf_lookup(tt, name, BTF_KIND_ENUM64);
		break;
	default:
		id = btf_lookup(tt, name, BTF_KIND_TYPEDEF);
		if (id < 0)
			id = btf_lookup(tt, name, BTF_KIND_INT);
		break;
	}
	if (id <= 0)
		return NULL;
	return btf_import(tt, (uint32_t)id);
}

dt_type_t *dt_type_lookup_kvar(dt_typetab_t *tt, const char *name)
{
	if (!btf_load(tt))
		return NULL;
	int32_t id = btf_lookup(tt, name, BTF_KIND_VAR);
	if (id <= 0)
		return NULL;
	const struct btf_type *bt = btf__type_by_id(tt->btf, (uint32_t)id);
	return btf_import(tt, bt->type);
}

/* ---- lookup ---- */

dt_type_t *dt_type_lookup_name(dt_typetab_t *tt, const char *module,
			       enum dt_tkind kind, const char *name)
{
	dt_type_t *t;
	int any = module == NULL || *module == '\0';
	if (any || strcmp(module, "D") == 0) {
		if ((t = scope_find(&tt->d, kind, name)))
			return t;
	}
	if (any || strcmp(module, "C") == 0 || strcmp(module, "D") == 0) {
		if ((t = scope_find(&tt->c, kind, name)))
			return t;
	}
	if (any || strcmp(module, "vmlinux") == 0 ||
	    strcmp(module, "genunix") == 0 || strcmp(module, "unix") == 0)
		return btf_find(tt, kind, name);
	return NULL;
}

int dt_type_lookup_enumerator(dt_typetab_t *tt, const char *name,
			      int64_t *value, dt_type_t **en)
{
	dt_type_t *t = scope_find(&tt->d, DT_TK_INT, name);
	if (!t)
		return 0;
	for (uint32_t i = t->nenums; i-- > 0;)
		if (strcmp(t->enums[i].name, name) == 0) {
			*value = t->enums[i].value;
			if (en)
				*en = t;
			return 1;
		}
	return 0;
}

static void skipws(const char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
}

dt_type_t *dt_type_lookup(dt_typetab_t *tt, const char *name)
{
	const char *p = name, *bq = strchr(name, '`');
	char mod[64] = "";
	if (bq) {
		size_t n = (size_t)(bq - name);
		if (n >= sizeof(mod))
			return NULL;
		memcpy(mod, name, n);
		mod[n] = 0;
		p = bq + 1;
	}
	skipws(&p);
	/* base name: words until '*', '[' or end */
	char base[256];
	size_t bl = 0;
	while (*p && *p != '*' && *p != '[' && *p != '(') {
		if (bl + 1 >= sizeof(base))
			return NULL;
		base[bl++] = *p++;
	}
	while (bl && isspace((unsigned char)base[bl - 1]))
		bl--;
	base[bl] = 0;
	dt_type_t *t = NULL;
	enum dt_tkind k = DT_TK_TYPEDEF;
	const char *n = base;
	if (strncmp(base, "struct ", 7) == 0)
		k = DT_TK_STRUCT, n = base + 7;
	else if (strncmp(base, "union ", 6) == 0)
		k = DT_TK_UNION, n = base + 6;
	else if (strncmp(base, "enum ", 5) == 0)
		k = DT_TK_ENUM, n = base + 5;
	while (*n == ' ')
		n++;
	/* normalise C integer spellings */
	char norm[256];
	if (k == DT_TK_TYPEDEF) {
		int u = 0, s = 0, sh = 0, lo = 0, ch = 0, in = 0, other = 0;
		char tmp[256];
		snprintf(tmp, sizeof(tmp), "%s", n);
		for (char *w = strtok(tmp, " \t"); w; w = strtok(NULL, " \t")) {
			if (!strcmp(w, "unsigned"))
				u++;
			else if (!strcmp(w, "signed"))
				s++;
			else if (!strcmp(w, "short"))
				sh++;
			else if (!strcmp(w, "long"))
				lo++;
			else if (!strcmp(w, "char"))
				ch++;
			else if (!strcmp(w, "int"))
				in++;
			else
				other++;
		}
		if (!other && (u || s || sh || lo || ch || in)) {
			const char *r;
			if (ch)
				r = u ? "unsigned char"
				      : s ? "signed char" : "char";
			else if (sh)
				r = u ? "unsigned short" : "short";
			else if (lo >= 2)
				r = u ? "unsigned long long" : "long long";
			else if (lo == 1)
				r = u ? "unsigned long" : "long";
			else
				r = u ? "unsigned int" : "int";
			snprintf(norm, sizeof(norm), "%s", r);
			n = norm;
		}
	}
	t = dt_type_lookup_name(tt, mod[0] ? mod : NULL, k, n);
	if (!t)
		return NULL;
	for (;;) {
		skipws(&p);
		if (*p == '*') {
			t = dt_type_ptr(tt, t);
			p++;
		} else if (*p == '[') {
			char *e;
			unsigned long long v = strtoull(p + 1, &e, 0);
			if (*e != ']')
				return NULL;
			t = dt_type_array(tt, t, v);
			p = e + 1;
		} else if (*p == '\0') {
			break;
		} else {
			return NULL;
		}
	}
	return t;
}

/* ---- queries ---- */

dt_type_t *dt_type_base(dt_type_t *t)
{
	int guard = 0;
	while (t && t->kind == DT_TK_TYPEDEF && t->ref && guard++ < 1000)
		t = t->ref;
	return t;
}

enum dt_tkind dt_type_kind(dt_type_t *t) { return dt_type_base(t)->kind; }

uint64_t dt_type_size(dt_type_t *t)
{
	t = dt_type_base(t);
	switch (t->kind) {
	case DT_TK_ARRAY:
		return t->nelems * dt_type_size(t->ref);
	case DT_TK_FORWARD:
		return t->fwd_kind == DT_TK_ENUM && t->nenums ? 4 : 0;
	case DT_TK_ENUM:
		return t->size ? t->size : 4;
	default:
		return t->size;
	}
}

uint32_t dt_type_align(dt_type_t *t)
{
	t = dt_type_base(t);
	if (t->kind == DT_TK_ARRAY)
		return dt_type_align(t->ref);
	return t->align ? t->align : 1;
}

int dt_type_is_integer(dt_type_t *t)
{
	enum dt_tkind k = dt_type_kind(t);
	return k == DT_TK_INT || k == DT_TK_ENUM;
}

int dt_type_is_signed(dt_type_t *t)
{
	t = dt_type_base(t);
	return (t->kind == DT_TK_INT || t->kind == DT_TK_ENUM ||
		t->kind == DT_TK_FLOAT) &&
	       (t->flags & DT_TF_SIGNED);
}

int dt_type_is_arith(dt_type_t *t)
{
	enum dt_tkind k = dt_type_kind(t);
	return k == DT_TK_INT || k == DT_TK_ENUM || k == DT_TK_FLOAT;
}

int dt_type_is_pointer(dt_type_t *t) { return dt_type_kind(t) == DT_TK_PTR; }

int dt_type_is_scalar(dt_type_t *t)
{
	enum dt_tkind k = dt_type_kind(t);
	return k == DT_TK_INT || k == DT_TK_ENUM || k == DT_TK_PTR;
}

int dt_type_is_sou(dt_type_t *t)
{
	enum dt_tkind k = dt_type_kind(t);
	return k == DT_TK_STRUCT || k == DT_TK_UNION;
}

int dt_type_is_array(dt_type_t *t) { return dt_type_kind(t) == DT_TK_ARRAY; }
int dt_type_is_string(dt_type_t *t)
{
	return dt_type_kind(t) == DT_TK_STRING;
}
int dt_type_is_void(dt_type_t *t) { return dt_type_kind(t) == DT_TK_VOID; }
int dt_type_is_func(dt_type_t *t) { return dt_type_kind(t) == DT_TK_FUNC; }

int dt_type_is_char(dt_type_t *t)
{
	t = dt_type_base(t);
	return t->kind == DT_TK_INT && (t->flags & DT_TF_CHAR);
}

int dt_type_is_complete(dt_type_t *t)
{
	t = dt_type_base(t);
	switch (t->kind) {
	case DT_TK_VOID:
	case DT_TK_FORWARD:
	case DT_TK_FUNC:
		return 0;
	case DT_TK_ARRAY:
		return t->nelems > 0 && dt_type_is_complete(t->ref);
	default:
		return 1;
	}
}

int dt_type_is_byref(dt_type_t *t)
{
	enum dt_tkind k = dt_type_kind(t);
	return k == DT_TK_STRUCT || k == DT_TK_UNION || k == DT_TK_ARRAY ||
	       k == DT_TK_STRING;
}

dt_type_t *dt_type_elem(dt_type_t *t)
{
	t = dt_type_base(t);
	if (t->kind == DT_TK_PTR || t->kind == DT_TK_ARRAY)
		return t->ref;
	return NULL;
}

int dt_type_member(dt_type_t *sou, const char *name, dt_member_t *m)
{
	sou = dt_type_base(sou);
	if (sou->kind != DT_TK_STRUCT && sou->kind != DT_TK_UNION)
		return -1;
	for (uint32_t i = 0; i < sou->nmembers; i++) {
		dt_member_t *x = &sou->members[i];
		if (x->name[0] && strcmp(x->name, name) == 0) {
			*m = *x;
			return 0;
		}
	}
	for (uint32_t i = 0; i < sou->nmembers; i++) {
		dt_member_t *x = &sou->members[i];
		if (!x->name[0] && dt_type_member(x->type, name, m) == 0) {
			m->offset_bits += x->offset_bits;
			return 0;
		}
	}
	return -1;
}

/* Formats t around the declarator text decl (C's inside-out syntax). */
static void tname(dt_type_t *t, char *decl, size_t dl, char *out, size_t ol)
{
	char tmp[512];
	if (!t) {
		snprintf(out, ol, "<?>%s", decl);
		return;
	}
	switch (t->kind) {
	case DT_TK_PTR:
		if (t->ref && (dt_type_base(t->ref)->kind == DT_TK_FUNC ||
			       t->ref->kind == DT_TK_ARRAY) && !t->ref->name)
			snprintf(tmp, sizeof(tmp), "(*%s)", decl);
		else
			snprintf(tmp, sizeof(tmp), "*%s", decl);
		tname(t->ref, tmp, sizeof(tmp), out, ol);
		return;
	case DT_TK_ARRAY:
		snprintf(tmp, sizeof(tmp), "%s[%llu]", decl,
			 (unsigned long long)t->nelems);
		tname(t->ref, tmp, sizeof(tmp), out, ol);
		return;
	case DT_TK_FUNC: {
		char args[400] = "";
		size_t n = 0;
		for (uint32_t i = 0; i < t->nargs; i++) {
			char a[200];
			tname(t->args[i], "", 0, a, sizeof(a));
			n += (size_t)snprintf(args + n, n < sizeof(args)
							? sizeof(args) - n
							: 0,
					      "%s%s", i ? ", " : "", a);
			if (n >= sizeof(args))
				n = sizeof(args) - 1;
		}
		if (t->varargs)
			snprintf(args + n, sizeof(args) - n, "%s...",
				 t->nargs ? ", " : "");
		if (!t->nargs && !t->varargs)
			snprintf(args, sizeof(args), "void");
		snprintf(tmp, sizeof(tmp), "%s(%s)", decl, args);
		tname(t->ref, tmp, sizeof(tmp), out, ol);
		return;
	}
	default:
		break;
	}
	const char *pre = "";
	char base[300];
	if (t->kind == DT_TK_STRUCT ||
	    (t->kind == DT_TK_FORWARD && t->fwd_kind == DT_TK_STRUCT))
		pre = "struct ";
	else if (t->kind == DT_TK_UNION ||
		 (t->kind == DT_TK_FORWARD && t->fwd_kind == DT_TK_UNION))
		pre = "union ";
	else if (t->kind == DT_TK_ENUM ||
		 (t->kind == DT_TK_FORWARD && t->fwd_kind == DT_TK_ENUM))
		pre = "enum ";
	if (t->kind == DT_TK_TYPEDEF && !t->name) {
		/* qualified */
		char inner[300];
		tname(t->ref, "", 0, inner, sizeof(inner));
		snprintf(base, sizeof(base), "%s%s%s",
			 (t->flags & DT_TF_CONST) ? "const " : "",
			 (t->flags & DT_TF_VOLATILE) ? "volatile " : "",
			 inner);
	} else {
		snprintf(base, sizeof(base), "%s%s", pre,
			 t->name ? t->name : "<anon>");
	}
	(void)dl;
	if (*decl)
		snprintf(out, ol, "%s %s", base, decl);
	else
		snprintf(out, ol, "%s", base);
}

char *dt_type_name(dt_type_t *t, char *buf, size_t len)
{
	char tmp[1024];
	tname(t, "", 0, tmp, sizeof(tmp));
	/* DTrace prints "char [16]" and "int *" */
	snprintf(buf, len, "%s", tmp);
	return buf;
}

/* ---- conversions ---- */

dt_type_t *dt_type_promote(dt_typetab_t *tt, dt_type_t *t)
{
	dt_type_t *b = dt_type_base(t);
	if (b->kind == DT_TK_ENUM)
		return tt->t_int;
	if (b->kind == DT_TK_INT && b->size < 4)
		return tt->t_int;
	return t;
}

/*
 * DTrace's integer ranking (not C's usual conversions): no promotion to
 * int; the rank is the width in bits plus one if unsigned, the higher rank
 * wins, so char + char is char and unsigned char + short is short. On a
 * tie DTrace takes the type defined later; we prefer a typedef name over a
 * base type, else the left operand.
 */
static uint64_t rank(dt_type_t *b)
{
	return b->size * 8 + ((b->flags & DT_TF_SIGNED) == 0);
}

dt_type_t *dt_type_arith_conv(dt_typetab_t *tt, dt_type_t *a, dt_type_t *b)
{
	dt_type_t *ba = dt_type_base(a), *bb = dt_type_base(b);
	if (ba->kind == DT_TK_FLOAT || bb->kind == DT_TK_FLOAT)
		return ba->kind == DT_TK_FLOAT ? a : b;
	if (ba->kind == DT_TK_ENUM)
		a = tt->t_int, ba = dt_type_base(a);
	if (bb->kind == DT_TK_ENUM)
		b = tt->t_int, bb = dt_type_base(b);
	uint64_t ra = rank(ba), rb = rank(bb);
	if (ra != rb)
		return ra > rb ? a : b;
	if (b->kind == DT_TK_TYPEDEF && a->kind != DT_TK_TYPEDEF)
		return b;
	return a;
}

static dt_type_t *unqual(dt_type_t *t)
{
	while (t && t->kind == DT_TK_TYPEDEF && t->ref)
		t = t->ref;
	return t;
}

int dt_type_equal(dt_type_t *a, dt_type_t *b)
{
	a = unqual(a);
	b = unqual(b);
	if (a == b)
		return 1;
	if (!a || !b || a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case DT_TK_PTR:
		return dt_type_equal(a->ref, b->ref);
	case DT_TK_ARRAY:
		return a->nelems == b->nelems && dt_type_equal(a->ref, b->ref);
	case DT_TK_INT:
	case DT_TK_FLOAT:
		return a->size == b->size &&
		       (a->flags & DT_TF_SIGNED) == (b->flags & DT_TF_SIGNED);
	case DT_TK_STRUCT:
	case DT_TK_UNION:
	case DT_TK_ENUM:
	case DT_TK_FORWARD:
		return a->name && b->name && strcmp(a->name, b->name) == 0 &&
		       a->size == b->size;
	case DT_TK_STRING:
	case DT_TK_VOID:
		return 1;
	default:
		return 0;
	}
}

int dt_type_ptr_compat(dt_type_t *a, dt_type_t *b)
{
	dt_type_t *ba = dt_type_base(a), *bb = dt_type_base(b);
	dt_type_t *ra, *rb;
	if (ba->kind == DT_TK_PTR)
		ra = ba->ref;
	else if (ba->kind == DT_TK_ARRAY)
		ra = ba->ref;
	else
		return 0;
	if (bb->kind == DT_TK_PTR)
		rb = bb->ref;
	else if (bb->kind == DT_TK_ARRAY)
		rb = bb->ref;
	else
		return 0;
	ra = dt_type_base(ra);
	rb = dt_type_base(rb);
	if (ra->kind == DT_TK_VOID || rb->kind == DT_TK_VOID)
		return 1;
	/* FORWARD vs complete of the same tag is the same type */
	if ((ra->kind == DT_TK_FORWARD || rb->kind == DT_TK_FORWARD) &&
	    ra->name && rb->name)
		return strcmp(ra->name, rb->name) == 0;
	return dt_type_equal(ra, rb);
}

int dt_type_assign_compat(dt_type_t *to, dt_type_t *from, int nullc)
{
	dt_type_t *bt = dt_type_base(to), *bf = dt_type_base(from);
	if (dt_type_is_arith(bt) && dt_type_is_arith(bf))
		return 1;
	if (bt->kind == DT_TK_STRING)
		return bf->kind == DT_TK_STRING ||
		       ((bf->kind == DT_TK_ARRAY || bf->kind == DT_TK_PTR) &&
			dt_type_is_char(bf->ref));
	if (bt->kind == DT_TK_PTR) {
		if (bf->kind == DT_TK_INT && nullc)
			return 1;
		if (bf->kind == DT_TK_PTR || bf->kind == DT_TK_ARRAY)
			return dt_type_ptr_compat(bt, bf);
		if (bf->kind == DT_TK_STRING)
			return dt_type_is_char(bt->ref) ||
			       dt_type_kind(bt->ref) == DT_TK_VOID;
		return 0;
	}
	if (bt->kind == DT_TK_ARRAY && bf->kind == DT_TK_STRING)
		return dt_type_is_char(bt->ref);
	if (bt->kind == DT_TK_STRUCT || bt->kind == DT_TK_UNION ||
	    bt->kind == DT_TK_ARRAY)
		return dt_type_equal(bt, bf);
	return 0;
}

dif_type_t dt_type_to_dif(dt_type_t *t)
{
	dif_type_t d;
	memset(&d, 0, sizeof(d));
	dt_type_t *b = dt_type_base(t);
	if (b->kind == DT_TK_STRING) {
		d.kind = DIF_TYPE_STRING;
		d.flags = DIF_TF_BYREF;
	} else {
		d.kind = DIF_TYPE_CTF;
		d.ckind = (uint8_t)b->kind;
		if (dt_type_is_byref(b))
			d.flags = DIF_TF_BYREF;
	}
	d.size = (uint32_t)dt_type_size(b);
	return d;
}
