/* dt_print_type.h: print() of a typed value (see dt_print_type.c). */
#ifndef DT_PRINT_TYPE_H
#define DT_PRINT_TYPE_H

#include <stddef.h>
#include <stdio.h>

/* Prints the len recorded bytes at data as the layout (written by
 * dt_cg_print_layout()) describes them. Returns 0, or -1 without printing
 * when the layout is malformed. */
int dt_print_type(FILE *f, const char *layout, const void *data, size_t len);

#endif
