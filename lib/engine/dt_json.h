/* dt_json.h: the JSON selection behind D's json() (see dt_json.c). */
#ifndef DT_JSON_H
#define DT_JSON_H

#include <stddef.h>

/* Finds the value sel names in the len bytes of JSON text at json: 0 and
 * its span in *val and *vlen (a string's contents, other values' text), or -1
 * when there is no such value or the text up to it is not JSON. */
int dt_json_select(const char *json, size_t len, const char *sel,
		   const char **val, size_t *vlen);

#endif
