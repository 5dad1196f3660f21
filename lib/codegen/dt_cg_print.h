/* dt_cg_print.h: print()'s type layout (see dt_cg_print.c for the grammar).
 * Owner: code generation; read by lib/consumer/dt_print_type.c. */
#ifndef DT_CG_PRINT_H
#define DT_CG_PRINT_H

#include "types/dt_type.h"

/* Layouts longer than this are not carried: print() then shows the value
 * as trace() does. */
#define DT_LAYOUT_MAX (1U << 20)

/* The layout of t (malloc'd), or NULL when it cannot be written. */
char *dt_cg_print_layout(dt_type_t *t);

#endif /* DT_CG_PRINT_H */
