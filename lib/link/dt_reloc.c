/* dt_reloc.c: relocation symbols in a DIFO's symbol table (see dt_reloc.h):
 * adding, finding by ordinal index, parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/dt_reloc.h"

const char *dt_reloc_sym_get(const dt_difo_t *d, uint32_t idx)
{
	uint32_t off = 0, n = 0;

	if (d == NULL || d->symtab == NULL)
		return NULL;
	while (off < d->symlen) {
		const char *s = d->symtab + off;
		const char *e = memchr(s, '\0', d->symlen - off);

		if (e == NULL)
			return NULL; /* unterminated tail */
		if (n == idx)
			return s;
		n++;
		off += (uint32_t)(e - s) + 1;
	}
	return NULL;
}

int dt_reloc_sym_add(dt_difo_t *d, const char *sym)
{
	uint32_t off = 0, n = 0;
	size_t len = strlen(sym) + 1;
	char *p;

	while (off < d->symlen) {
		const char *s = d->symtab + off;
		const char *e = memchr(s, '\0', d->symlen - off);

		if (e == NULL)
			return -1;
		if (strcmp(s, sym) == 0)
			return (int)n;
		n++;
		off += (uint32_t)(e - s) + 1;
	}
	if (n > 0xffff || len > DT_RELOC_SYM_MAX)
		return -1;
	p = realloc(d->symtab, d->symlen + len);
	if (p == NULL)
		return -1;
	memcpy(p + d->symlen, sym, len);
	d->symtab = p;
	d->symlen += (uint32_t)len;
	return (int)n;
}

#define WHY(...)                                                               \
	do {                                                                   \
		if (why != NULL)                                               \
			snprintf(why, whylen, __VA_ARGS__);                    \
		return -1;                                                     \
	} while (0)

/* A member path: names of [A-Za-z0-9_] separated by single dots. */
static int dt_reloc_path_ok(const char *p)
{
	int inname = 0;

	if (*p == '\0')
		return 0;
	for (; *p; p++) {
		if (*p == '.') {
			if (!inname)
				return 0;
			inname = 0;
		} else if ((*p >= 'a' && *p <= 'z') ||
			   (*p >= 'A' && *p <= 'Z') ||
			   (*p >= '0' && *p <= '9') || *p == '_') {
			inname = 1;
		} else {
			return 0;
		}
	}
	return inname;
}

int dt_reloc_sym_parse(const char *text, dt_reloc_sym_t *sym, char *why,
		       size_t whylen)
{
	static const struct {
		const char *word;
		enum dt_reloc_kind kind;
		int haspath;
	} kinds[] = {{"offsetof ", DT_RELOC_OFFSETOF, 1},
		     {"sizeof ", DT_RELOC_SIZEOF, 0},
		     {"member ", DT_RELOC_MEMBER, 1},
		     {"type ", DT_RELOC_TYPE, 0}};
	size_t len = strlen(text);

	memset(sym, 0, sizeof(*sym));
	if (len >= sizeof(sym->buf))
		WHY("symbol longer than %d bytes", DT_RELOC_SYM_MAX - 1);
	memcpy(sym->buf, text, len + 1);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t wl = strlen(kinds[i].word);
		char *rest, *sp;

		if (strncmp(text, kinds[i].word, wl) != 0)
			continue;
		rest = sym->buf + wl;
		sym->kind = kinds[i].kind;
		sym->type = rest;
		sym->path = "";
		if (kinds[i].haspath) {
			sp = strrchr(rest, ' ');
			if (sp == NULL)
				WHY("symbol \"%s\": missing member name", text);
			*sp = '\0';
			sym->path = sp + 1;
			if (!dt_reloc_path_ok(sym->path))
				WHY("symbol \"%s\": bad member path \"%s\"",
				    text, sym->path);
		}
		if (*sym->type == '\0' || *sym->type == ' ')
			WHY("symbol \"%s\": missing type", text);
		return 0;
	}
	sym->kind = DT_RELOC_BAD;
	WHY("symbol \"%s\": unknown kind (offsetof, sizeof, member, type)",
	    text);
}
