/*
 * dt_cg_reloc.c: guest-type tests and relocation symbol text for -E (see
 * dt_cg_reloc.h and link/dt_reloc.h).
 */
#include <stdio.h>
#include <string.h>

#include "codegen/dt_cg_reloc.h"

static int involves_btf(dt_type_t *t, int depth)
{
	if (t == NULL || depth > 16)
		return 0;
	if (t->flags & DT_TF_BTF)
		return 1;
	switch (t->kind) {
	case DT_TK_TYPEDEF:
	case DT_TK_ARRAY:
		return involves_btf(t->ref, depth + 1);
	default:
		/* qualified variants point at their base through ref */
		if ((t->flags &
		     (DT_TF_CONST | DT_TF_VOLATILE | DT_TF_RESTRICT)) != 0)
			return involves_btf(t->ref, depth + 1);
		return 0;
	}
}

int dt_cg_reloc_is_guest(dt_type_t *t)
{
	if (t == NULL || dt_type_is_pointer(t) || dt_type_is_string(t))
		return 0;
	return involves_btf(t, 0);
}

void dt_cg_reloc_sym(char *buf, size_t len, const char *kind, dt_type_t *t,
		     const char *path)
{
	char tn[DT_CG_SYMLEN / 2];

	dt_type_name(t, tn, sizeof(tn));
	if (path != NULL)
		snprintf(buf, len, "%s %s %s", kind, tn, path);
	else
		snprintf(buf, len, "%s %s", kind, tn);
}
