/*
 * dt_cg_print.c: the type layout that print() carries to the consumer.
 *
 * print(x) records x's bytes as trace() does; the consumer needs x's type to
 * show it member by member, and the program (possibly loaded from an ELF
 * file, without the compiler's types) is all it has. So code generation
 * writes the type as a self-contained layout string in the program's format
 * table (kind DT_ACT_PRINT); lib/consumer/dt_print_type.c reads it.
 *
 * Layout grammar (numbers decimal, each ended by ','; a string is its
 * length, ':', then its bytes; NAME is the type name print() shows):
 *   i SIZE, FLAGS, NAME          integer (FLAGS: 1 signed, 2 char, 4 bool)
 *   f SIZE, NAME                 floating point
 *   p SIZE, NAME                 pointer or function
 *   a NELEMS, ESIZE, NAME ELEM   array of NELEMS ELEMs of ESIZE bytes
 *   s NMEMB, NAME { OFFBITS, BITS, MNAME NODE }   struct or union
 *   e SIZE, NAME NENUM, { VALUE, ENAME }           enum
 *   w NAME                       incomplete (forward) type
 * Owner: code generation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/dt_cg_print.h"

#define DT_LAYOUT_DEPTH 32 /* deeper nesting is shown as a pointer-size */

static void put_str(FILE *f, const char *s)
{
	fprintf(f, "%zu:%s", strlen(s), s);
}

/* The name print() shows: typedef names as written, anonymous structs
 * and unions as "struct " / "union " (so that members read "struct c"). */
static void put_name(FILE *f, dt_type_t *t)
{
	char buf[512];
	dt_type_t *b = dt_type_base(t);

	if (t == b && (b->kind == DT_TK_STRUCT || b->kind == DT_TK_UNION) &&
	    (b->name == NULL || b->name[0] == '\0')) {
		put_str(f, b->kind == DT_TK_STRUCT ? "struct " : "union ");
		return;
	}
	put_str(f, dt_type_name(t, buf, sizeof(buf)));
}

static int put_node(FILE *f, dt_type_t *t, int depth)
{
	dt_type_t *b = dt_type_base(t);

	if (depth > DT_LAYOUT_DEPTH)
		return -1;
	switch (b->kind) {
	case DT_TK_INT:
		fprintf(f, "i%llu,%d,", (unsigned long long)b->size,
			((b->flags & DT_TF_SIGNED) ? 1 : 0) |
				((b->flags & DT_TF_CHAR) ? 2 : 0) |
				((b->flags & DT_TF_BOOL) ? 4 : 0));
		put_name(f, t);
		return 0;
	case DT_TK_FLOAT:
		fprintf(f, "f%llu,", (unsigned long long)b->size);
		put_name(f, t);
		return 0;
	case DT_TK_PTR:
	case DT_TK_FUNC:
		fprintf(f, "p%llu,",
			(unsigned long long)(b->kind == DT_TK_PTR ? b->size : 8));
		put_name(f, t);
		return 0;
	case DT_TK_ARRAY:
		fprintf(f, "a%llu,%llu,", (unsigned long long)b->nelems,
			(unsigned long long)dt_type_size(b->ref));
		put_name(f, t);
		return put_node(f, b->ref, depth + 1);
	case DT_TK_STRUCT:
	case DT_TK_UNION:
		fprintf(f, "s%u,", b->nmembers);
		put_name(f, t);
		for (uint32_t i = 0; i < b->nmembers; i++) {
			const dt_member_t *m = &b->members[i];

			fprintf(f, "%llu,%u,", (unsigned long long)m->offset_bits,
				m->bitsize);
			put_str(f, m->name ? m->name : "");
			if (put_node(f, m->type, depth + 1) != 0)
				return -1;
		}
		return 0;
	case DT_TK_ENUM:
		fprintf(f, "e%llu,", (unsigned long long)b->size);
		put_name(f, t);
		fprintf(f, "%u,", b->nenums);
		for (uint32_t i = 0; i < b->nenums; i++) {
			fprintf(f, "%lld,", (long long)b->enums[i].value);
			put_str(f, b->enums[i].name);
		}
		return 0;
	case DT_TK_STRING:
		/* a D string prints as the char array D keeps it in */
		fprintf(f, "a%llu,1,", (unsigned long long)b->size);
		put_str(f, "string");
		fprintf(f, "i1,3,");
		put_str(f, "char");
		return 0;
	default:
		fprintf(f, "w");
		put_name(f, t);
		return 0;
	}
}

char *dt_cg_print_layout(dt_type_t *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL)
		return NULL;
	rc = put_node(f, t, 0);
	if (fclose(f) != 0 || rc != 0 || len > DT_LAYOUT_MAX) {
		free(buf);
		return NULL;
	}
	return buf;
}
