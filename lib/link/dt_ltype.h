/*
 * dt_ltype.h: kernel types named by relocation symbols, resolved in one BTF
 * (libbpf). Used by the linker and by DIF type inference.
 */
#ifndef DT_LTYPE_H
#define DT_LTYPE_H

#include <stddef.h>
#include <stdint.h>

struct btf;

#define DT_LTYPE_MAXDIMS 4

/* A type: a BTF type (0 = void) with pointer and array suffixes applied,
 * "int **" = {int, 2, 0}, "char [16]" = {char, 0, 1, {16}}. */
typedef struct dt_ltype {
	int32_t id;
	uint32_t nptr;
	uint32_t ndims;
	uint32_t dims[DT_LTYPE_MAXDIMS];
} dt_ltype_t;

/* Classes of a type, for loads and return types. */
enum dt_lclass {
	DT_LC_VOID,
	DT_LC_INT, /* integer, enum, bool, char */
	DT_LC_PTR,
	DT_LC_AGGR, /* struct, union */
	DT_LC_ARRAY,
	DT_LC_OTHER /* float, function, ... */
};

/* Loads the BTF at path (raw BTF or an ELF with .BTF). NULL + why. */
struct btf *dt_ltype_load(const char *path, char *why, size_t whylen);

/* Parses a D type name ("struct task_struct *", "char [16]", "pid_t"). */
int dt_ltype_parse(const struct btf *btf, const char *name, dt_ltype_t *t,
		   char *why, size_t whylen);

/* Size in bytes, or -1. */
int64_t dt_ltype_size(const struct btf *btf, const dt_ltype_t *t);

/* Class; for DT_LC_INT also the size and signedness. */
enum dt_lclass dt_ltype_class(const struct btf *btf, const dt_ltype_t *t,
			      uint32_t *size, int *is_signed);

/* Byte offset and type of member path ("uid.val") of aggregate t. */
int dt_ltype_member(const struct btf *btf, const dt_ltype_t *t,
		    const char *path, uint32_t *off, dt_ltype_t *mt, char *why,
		    size_t whylen);

/* The sized load opcode for a value of type t (user: uld*). -1 + why if t
 * cannot be loaded by value. */
int dt_ltype_loadop(const struct btf *btf, const dt_ltype_t *t, int user,
		    uint8_t *op, char *why, size_t whylen);

/* Is t an array of char (printed as a string)? */
int dt_ltype_is_chararr(const struct btf *btf, const dt_ltype_t *t);

#endif /* DT_LTYPE_H */
