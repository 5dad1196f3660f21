/*
 * dt_print_sym.c: stack records and symbolic addresses as text (see
 * dt_print_sym.h). The symbol lookups themselves live in dt_sym.c.
 */
#include <string.h>

#include "consumer/dt_print_sym.h"
#include "program/dt_program.h"

/* One code address: "mod`name+0x1c", "mod`0x..." or "0x...". */
static void frame_text(dt_sym_cache_t *sc, int user, int64_t pid, uint64_t pc,
		       char *buf, size_t len)
{
	const char *mod = NULL, *name = NULL;
	uint64_t off = 0;
	int rc = -1;

	if (sc != NULL && !user) {
		dt_ksyms_t *ks = dt_sym_cache_kernel(sc);

		if (ks != NULL)
			rc = dt_ksyms_lookup(ks, pc, &mod, &name, &off);
	} else if (sc != NULL && pid > 0) {
		rc = dt_sym_cache_ulookup(sc, (int)pid, pc, &mod, &name, &off);
	}
	if (rc != 0) {
		dt_sym_format(buf, len, NULL, NULL, 0, pc);
		return;
	}
	/* without a symbol DTrace shows the object and the whole address */
	dt_sym_format(buf, len, mod, name, name != NULL ? off : pc, pc);
}

int dt_stack_frame_text(dt_sym_cache_t *sc, uint32_t kind, const void *rec,
			uint32_t size, uint32_t i, char *buf, size_t len)
{
	const uint8_t *p = rec;
	int user = kind != DT_ACT_STACK;
	int64_t pid = 0;
	uint64_t pc;

	if (user) {
		if (size < 8)
			return 0;
		memcpy(&pid, p, 8);
		p += 8;
		size -= 8;
	}
	for (uint32_t j = 0; j <= i; j++) {
		if ((uint64_t)j * 8 + 8 > size)
			return 0;
		memcpy(&pc, p + 8 * j, 8);
		if (pc == 0)
			return 0;
	}
	frame_text(sc, user, pid, pc, buf, len);
	return 1;
}

void dt_print_stack(FILE *f, dt_sym_cache_t *sc, uint32_t kind, const void *rec,
		    uint32_t size, int indent)
{
	const uint8_t *p = rec;
	int user = kind != DT_ACT_STACK;
	int64_t pid = 0;
	char buf[512];

	fputc('\n', f);
	if (user) {
		if (size < 8)
			return;
		memcpy(&pid, p, 8);
		p += 8;
		size -= 8;
	}
	for (uint32_t i = 0; i + 8 <= size; i += 8) {
		uint64_t pc;

		memcpy(&pc, p + i, 8);
		if (pc == 0)
			break;
		frame_text(sc, user, pid, pc, buf, sizeof(buf));
		fprintf(f, "%*s%s\n", indent, "", buf);
	}
}

char *dt_sym_text(dt_sym_cache_t *sc, uint32_t kind, int64_t pid, uint64_t addr,
		  char *buf, size_t len)
{
	const char *mod = NULL, *name = NULL;
	uint64_t off = 0;
	int rc = -1;

	if (len == 0)
		return buf;
	if (kind == DT_ACT_SYM || kind == DT_ACT_MOD || kind == DT_SYM_KADDR) {
		dt_ksyms_t *ks = sc != NULL ? dt_sym_cache_kernel(sc) : NULL;

		if (ks != NULL)
			rc = dt_ksyms_lookup(ks, addr, &mod, &name, &off);
	} else if (sc != NULL && pid > 0) {
		rc =
		    dt_sym_cache_ulookup(sc, (int)pid, addr, &mod, &name, &off);
	}
	if (rc != 0 || mod == NULL) {
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
		return buf;
	}
	switch (kind) {
	case DT_ACT_MOD:
	case DT_ACT_UMOD:
		snprintf(buf, len, "%s", mod);
		break;
	case DT_ACT_UADDR:
	case DT_SYM_KADDR:
		dt_sym_format(buf, len, mod, name, name != NULL ? off : addr,
			      addr);
		break;
	default: /* sym, usym: the function, no offset */
		if (name != NULL)
			snprintf(buf, len, "%s`%s", mod, name);
		else
			snprintf(buf, len, "0x%llx", (unsigned long long)addr);
		break;
	}
	return buf;
}

char *dt_sym_rectext(dt_sym_cache_t *sc, uint32_t kind, const void *rec,
		     uint32_t size, char *buf, size_t len)
{
	uint64_t v[2] = {0, 0};
	int user =
	    kind == DT_ACT_USYM || kind == DT_ACT_UMOD || kind == DT_ACT_UADDR;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (size < 16)
		return buf;
	memcpy(v, rec, 16);
	/* a guest's kernel: no symbols for it here yet, so the address */
	if (!user && v[0] != 0)
		sc = NULL;
	return dt_sym_text(sc, kind, user ? (int64_t)v[0] : 0, v[1], buf, len);
}
