/*
 * dt_type.h: the D type system: the C types D uses (integers of every width
 * and sign, floats for declarations only, pointers, arrays, structs, unions,
 * bit-fields, enums, typedefs, function types), D's string type, module
 * scoping of names (`vmlinux`struct task_struct, C`int, D`string), and
 * kernel types imported on demand from BTF through libbpf.
 *
 * Owner: front end / type system. Used by the front end (checking), code
 * generation (sizes, offsets, load widths) and the consumer (printing).
 *
 * Model: a dt_typetab_t owns every type; a type is a dt_type_t pointer that
 * stays valid until dt_typetab_free(). Types are interned where it matters:
 * dt_type_ptr(t) twice gives the same pointer, so pointer equality is type
 * identity for pointers/arrays/builtin integers. Named types live in one of
 * three scopes ("modules"): "C" (D's built-in C types), "D" (types declared
 * by the program: struct/union/enum/typedef), and "vmlinux" (BTF). Unscoped
 * lookups search D, then C, then vmlinux, as DTrace searches its modules.
 *
 * Change log (additive changes only; re-read after each):
 *   v1  first version.
 */
#ifndef DT_TYPE_H
#define DT_TYPE_H

#include <stddef.h>
#include <stdint.h>

#include "hypertrace/dif.h"

typedef struct dt_typetab dt_typetab_t;
typedef struct dt_type dt_type_t;

/* Kinds (the C kinds of dif_type_t.ckind use these values, see
 * dt_type_to_dif()). */
enum dt_tkind {
	DT_TK_VOID = 0,
	DT_TK_INT = 1,     /* char, short, int, long, long long, _Bool, both signs */
	DT_TK_FLOAT = 2,   /* float, double, long double (declarations only) */
	DT_TK_PTR = 3,     /* ref = target */
	DT_TK_ARRAY = 4,   /* ref = element, nelems (0 for [] of unknown size) */
	DT_TK_FUNC = 5,    /* ref = return type, args/nargs, varargs */
	DT_TK_STRUCT = 6,  /* members */
	DT_TK_UNION = 7,   /* members */
	DT_TK_ENUM = 8,    /* enumerators; size 4, signed int */
	DT_TK_FORWARD = 9, /* declared, incomplete struct/union/enum */
	DT_TK_TYPEDEF = 10, /* ref = the aliased type; also qualified types:
			       name NULL, flags has DT_TF_CONST/VOLATILE/
			       RESTRICT, ref = the unqualified type */
	DT_TK_STRING = 11  /* D string: size = strsize option (default 256) */
};

/* Qualifiers and properties (dt_type.flags). */
#define DT_TF_SIGNED 0x0001   /* signed integer (and enum) */
#define DT_TF_CHAR 0x0002     /* a char type (char, signed/unsigned char) */
#define DT_TF_BOOL 0x0004     /* _Bool */
#define DT_TF_CONST 0x0008    /* const-qualified (a distinct type node) */
#define DT_TF_VOLATILE 0x0010 /* volatile-qualified */
#define DT_TF_RESTRICT 0x0020
#define DT_TF_USERLAND 0x0040 /* pointer into user space (userland attr) */
#define DT_TF_FWD_UNION 0x0080 /* DT_TK_FORWARD of a union (else struct/enum:
				  see fwd_kind) */
#define DT_TF_BTF 0x0100      /* imported from BTF (kernel type) */
#define DT_TF_DYNAMIC 0x0200  /* D's "dynamic" types: probe args of unknown
				  type are 64-bit integers with this flag */

/* One struct/union member. Bit-fields have bitsize > 0; offset_bits is the
 * offset of the (first) bit from the start of the struct. */
typedef struct dt_member {
	const char *name; /* "" for an anonymous struct/union member */
	dt_type_t *type;
	uint64_t offset_bits;
	uint32_t bitsize; /* 0: not a bit-field */
} dt_member_t;

/* One enumerator. */
typedef struct dt_enumerator {
	const char *name;
	int64_t value;
} dt_enumerator_t;

/*
 * A type. Read fields directly (they are stable); build only through the
 * constructors below. For typedefs and qualified types use dt_type_base()
 * before looking at the kind-specific fields.
 */
struct dt_type {
	enum dt_tkind kind;
	uint32_t flags;       /* DT_TF_* */
	const char *name;     /* "int", "task_struct" (tag only, no "struct "),
				 typedef name; NULL for anonymous/derived */
	const char *module;   /* "C", "D" or "vmlinux" (scope of the name) */
	uint64_t size;        /* bytes (0 for void, functions, incomplete) */
	uint32_t align;       /* bytes */
	dt_type_t *ref;       /* PTR target, ARRAY element, TYPEDEF/qualified
				 base, FUNC return type */
	uint64_t nelems;      /* ARRAY */
	uint32_t nmembers;    /* STRUCT/UNION */
	dt_member_t *members;
	uint32_t nenums;      /* ENUM */
	dt_enumerator_t *enums;
	uint32_t nargs;       /* FUNC */
	dt_type_t **args;
	int varargs;          /* FUNC: ends with ... */
	enum dt_tkind fwd_kind; /* FORWARD: STRUCT, UNION or ENUM */
	uint32_t btf_id;      /* BTF type id when DT_TF_BTF, else 0 */
	/* private to dt_type.c */
	dt_type_t *ptr_cache, *next_in_tab, *qual_cache;
	struct dt_type_arr *arr_cache;
};

/* ---- the table ---------------------------------------------------------- */

/*
 * Creates a table holding D's built-in C types and D's typedefs
 * (int8_t..uint64_t, intptr_t, uintptr_t, size_t, ssize_t, ptrdiff_t,
 * off_t, pid_t, uid_t, gid_t, id_t, processorid_t, time_t, caddr_t, ...).
 * btf_path: kernel BTF for "vmlinux" types (NULL: /sys/kernel/btf/vmlinux;
 * "" or an unreadable file: no kernel types, not an error). BTF is loaded
 * lazily on the first vmlinux lookup. strsize: the D string size (0: 256).
 */
dt_typetab_t *dt_typetab_new(const char *btf_path, uint32_t strsize);
void dt_typetab_free(dt_typetab_t *tt);
/* Whether kernel BTF could be loaded (loads it if not yet tried). */
int dt_typetab_has_btf(dt_typetab_t *tt);

/* ---- built-in types ------------------------------------------------------ */

dt_type_t *dt_type_void(dt_typetab_t *tt);
dt_type_t *dt_type_string(dt_typetab_t *tt);
/* int of `size' bytes (1, 2, 4, 8) and sign: char/short/int/long. */
dt_type_t *dt_type_int(dt_typetab_t *tt, uint32_t size, int is_signed);
/* The named built-in integer types D uses. */
dt_type_t *dt_type_char(dt_typetab_t *tt);      /* char (signed) */
dt_type_t *dt_type_int32(dt_typetab_t *tt);     /* int */
dt_type_t *dt_type_uint32(dt_typetab_t *tt);    /* unsigned int */
dt_type_t *dt_type_int64(dt_typetab_t *tt);     /* long long / int64_t */
dt_type_t *dt_type_uint64(dt_typetab_t *tt);    /* uint64_t */
dt_type_t *dt_type_long(dt_typetab_t *tt);      /* long */
dt_type_t *dt_type_ulong(dt_typetab_t *tt);     /* unsigned long */
dt_type_t *dt_type_voidptr(dt_typetab_t *tt);   /* void * */
dt_type_t *dt_type_charptr(dt_typetab_t *tt);   /* char * */

/* ---- constructors (interned) -------------------------------------------- */

dt_type_t *dt_type_ptr(dt_typetab_t *tt, dt_type_t *to);
dt_type_t *dt_type_array(dt_typetab_t *tt, dt_type_t *elem, uint64_t n);
/* Qualified variant of t (DT_TF_CONST/VOLATILE/RESTRICT, and
 * DT_TF_USERLAND for a pointer into user space); ref = t. */
dt_type_t *dt_type_qual(dt_typetab_t *tt, dt_type_t *t, uint32_t quals);
/* A new function type (not interned). */
dt_type_t *dt_type_func(dt_typetab_t *tt, dt_type_t *ret, dt_type_t **args,
			uint32_t nargs, int varargs);

/*
 * Declaring named types in the program's "D" scope. dt_type_decl_sou()
 * returns the existing forward/complete type of that tag if any (so that
 * `struct foo *` before the definition works), else a new FORWARD.
 * dt_type_sou_add_member() lays members out with C rules (alignment,
 * bit-field packing as gcc does on x86-64); dt_type_sou_end() completes it.
 * Return -1 on error with *why set to a D_ tag name (D_DECL_IDRED for a
 * duplicate member, ...).
 */
dt_type_t *dt_type_decl_sou(dt_typetab_t *tt, enum dt_tkind kind,
			    const char *tag);
int dt_type_sou_add_member(dt_typetab_t *tt, dt_type_t *sou, const char *name,
			   dt_type_t *type, int bitsize, const char **why);
int dt_type_sou_end(dt_typetab_t *tt, dt_type_t *sou);
dt_type_t *dt_type_decl_enum(dt_typetab_t *tt, const char *tag);
int dt_type_enum_add(dt_typetab_t *tt, dt_type_t *en, const char *name,
		     int64_t value);
dt_type_t *dt_type_decl_typedef(dt_typetab_t *tt, const char *name,
				dt_type_t *base);

/* ---- lookup -------------------------------------------------------------- */

/*
 * Looks up a type by its D name: "int", "unsigned long long", "uint8_t",
 * "struct task_struct", "union u", "enum e", "string", "char *",
 * "struct foo *", "char [16]", and scoped names "vmlinux`struct task_struct"
 * or "D`struct foo" or "`int". Returns NULL if unknown.
 */
dt_type_t *dt_type_lookup(dt_typetab_t *tt, const char *name);
/* Named lookup in one scope (module NULL: D, C, then vmlinux).
 * kind: DT_TK_STRUCT/UNION/ENUM for tags, DT_TK_TYPEDEF for typedef and
 * builtin names (int, string, ...). */
dt_type_t *dt_type_lookup_name(dt_typetab_t *tt, const char *module,
			       enum dt_tkind kind, const char *name);
/* An enumerator of any enum in scope: 1 and *value set if found. */
int dt_type_lookup_enumerator(dt_typetab_t *tt, const char *name,
			      int64_t *value, dt_type_t **en);
/* A kernel variable (BTF VAR/DATASEC), e.g. `jiffies: its type, or NULL. */
dt_type_t *dt_type_lookup_kvar(dt_typetab_t *tt, const char *name);

/* ---- queries ------------------------------------------------------------- */

/* Strips typedefs and qualifiers. Never NULL for a non-NULL t. */
dt_type_t *dt_type_base(dt_type_t *t);
enum dt_tkind dt_type_kind(dt_type_t *t); /* kind of dt_type_base(t) */
uint64_t dt_type_size(dt_type_t *t);      /* sizeof; string: strsize */
uint32_t dt_type_align(dt_type_t *t);
int dt_type_is_signed(dt_type_t *t);   /* signed integer or enum */
int dt_type_is_integer(dt_type_t *t);  /* INT or ENUM */
int dt_type_is_arith(dt_type_t *t);    /* integer or float */
int dt_type_is_pointer(dt_type_t *t);
int dt_type_is_scalar(dt_type_t *t);   /* integer, enum, pointer */
int dt_type_is_sou(dt_type_t *t);      /* struct or union */
int dt_type_is_array(dt_type_t *t);
int dt_type_is_string(dt_type_t *t);   /* D string */
int dt_type_is_void(dt_type_t *t);
int dt_type_is_func(dt_type_t *t);
int dt_type_is_char(dt_type_t *t);     /* char / signed / unsigned char */
int dt_type_is_complete(dt_type_t *t); /* not FORWARD/void, arrays: n>0 */
/* Whether values are passed by reference in DIF (struct, union, array,
 * string): the register holds the address. */
int dt_type_is_byref(dt_type_t *t);
/* Pointer/array element type (after dt_type_base), or NULL. */
dt_type_t *dt_type_elem(dt_type_t *t);

/*
 * Member lookup in a struct/union, searching anonymous members too.
 * Returns 0 and fills *m (offset relative to the outer struct) if found,
 * else -1.
 */
int dt_type_member(dt_type_t *sou, const char *name, dt_member_t *m);

/* Formats the type as D prints it: "int", "struct foo *", "char [16]",
 * "int (*)(int, char *)", "string". Returns buf. */
char *dt_type_name(dt_type_t *t, char *buf, size_t len);

/* ---- conversions (C rules as D applies them) ----------------------------- */

/* Integer promotion: types narrower than int become int. */
dt_type_t *dt_type_promote(dt_typetab_t *tt, dt_type_t *t);
/* The result type of a binary arithmetic operator, by DTrace's ranking
 * (dt_type_promote in DTrace): width plus signedness, no promotion to int,
 * so char + char is char; enums count as int. */
dt_type_t *dt_type_arith_conv(dt_typetab_t *tt, dt_type_t *a, dt_type_t *b);
/*
 * Whether a value of type `from' may be assigned to (or passed as) `to'
 * (DTrace's dt_node_is_argcompat/dt_node_is_ptrcompat rules: arithmetic to
 * arithmetic, compatible pointers, void * either way, integer 0 to pointer,
 * string to string or char array/char *, same struct/union, ...).
 * from_is_null_const: the source is the integer constant 0.
 */
int dt_type_assign_compat(dt_type_t *to, dt_type_t *from,
			  int from_is_null_const);
/* Pointer compatibility for ==, -, ?: (same referenced type ignoring
 * qualifiers, or either is void *). */
int dt_type_ptr_compat(dt_type_t *a, dt_type_t *b);
/* Same type after typedef stripping (structural for pointers/arrays). */
int dt_type_equal(dt_type_t *a, dt_type_t *b);

/* The DIF view of a type: kind STRING or CTF, C kind, byref flag, size. */
dif_type_t dt_type_to_dif(dt_type_t *t);

#endif /* DT_TYPE_H */
