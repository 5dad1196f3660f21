/*
 * dt_hp_format.c: parses tracefs event "format" files into field lists, maps
 * field C types to the D types shown for args[], and reads field values out
 * of raw tracepoint records.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/host/dt_hp_impl.h"

/* Copies s[0..n) trimmed, with runs of blanks collapsed to one space. */
static void copy_trim(char *dst, size_t dlen, const char *s, size_t n)
{
	size_t o = 0;
	int sp = 0;

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	for (size_t i = 0; i < n && o + 1 < dlen; i++) {
		if (isspace((unsigned char)s[i])) {
			sp = 1;
			continue;
		}
		if (sp && o + 2 < dlen)
			dst[o++] = ' ';
		sp = 0;
		dst[o++] = s[i];
	}
	dst[o] = '\0';
}

/* Reads "key:NUMBER;" from p onwards; -1 if absent. */
static long field_num(const char *p, const char *end, const char *key)
{
	size_t kl = strlen(key);

	for (const char *q = p; q + kl < end; q++) {
		if (strncmp(q, key, kl) == 0)
			return strtol(q + kl, NULL, 0);
	}
	return -1;
}

/* Parses a declaration like "const char * filename" or "char comm[16]". */
static int parse_decl(const char *d, size_t n, dt_hp_field_t *f)
{
	char buf[192];
	char *name, *br, *e;
	int dataloc = 0, relloc = 0;

	copy_trim(buf, sizeof(buf), d, n);
	if (strncmp(buf, "__data_loc ", 11) == 0) {
		dataloc = 1;
		memmove(buf, buf + 11, strlen(buf + 11) + 1);
	} else if (strncmp(buf, "__rel_loc ", 10) == 0) {
		relloc = 1;
		memmove(buf, buf + 10, strlen(buf + 10) + 1);
	}
	e = buf + strlen(buf);
	/* The name is the last identifier, maybe followed by "[N]". */
	br = NULL;
	if (e > buf && e[-1] == ']') {
		br = strrchr(buf, '[');
		if (br == NULL)
			return -1;
		e = br;
	}
	name = e;
	while (name > buf &&
	       (isalnum((unsigned char)name[-1]) || name[-1] == '_'))
		name--;
	if (name == e)
		return -1;
	snprintf(f->name, sizeof(f->name), "%.*s", (int)(e - name), name);
	/* "__data_loc char[] name": the [] sits on the type. */
	copy_trim(f->ctype, sizeof(f->ctype), buf, (size_t)(name - buf));
	{
		size_t tl = strlen(f->ctype);
		if (tl >= 2 && strcmp(f->ctype + tl - 2, "[]") == 0) {
			f->ctype[tl - 2] = '\0';
			copy_trim(f->ctype, sizeof(f->ctype), f->ctype,
				  strlen(f->ctype));
		}
	}
	if (f->ctype[0] == '\0')
		return -1;
	f->is_pointer = strchr(f->ctype, '*') != NULL;
	{
		/* Element type is plain char (maybe const/signed/unsigned). */
		const char *t = f->ctype;
		if (strncmp(t, "const ", 6) == 0)
			t += 6;
		f->is_char =
		    !f->is_pointer && (strcmp(t, "char") == 0 ||
				       strcmp(t, "unsigned char") == 0 ||
				       strcmp(t, "signed char") == 0);
	}
	if (dataloc)
		f->kind = DT_HPF_DATALOC;
	else if (relloc)
		f->kind = DT_HPF_RELLOC;
	else if (br != NULL)
		f->kind = f->is_char && strcmp(f->ctype, "unsigned char") != 0
			      ? DT_HPF_CHARARRAY
			      : DT_HPF_ARRAY;
	else
		f->kind = DT_HPF_SCALAR;
	if (f->kind != DT_HPF_CHARARRAY && f->kind != DT_HPF_DATALOC &&
	    f->kind != DT_HPF_RELLOC)
		f->is_char = f->is_char && f->kind == DT_HPF_SCALAR;
	return 0;
}

int dt_hp_format_parse(const char *text, dt_hp_format_t *fmt, char *err,
		       size_t errlen)
{
	const char *p = text;
	int lineno = 0, have_name = 0;

	memset(fmt, 0, sizeof(*fmt));
	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		const char *q = p;

		lineno++;
		while (q < end && isspace((unsigned char)*q))
			q++;
		if (strncmp(q, "name:", 5) == 0) {
			copy_trim(fmt->name, sizeof(fmt->name), q + 5,
				  (size_t)(end - q - 5));
			have_name = 1;
		} else if (strncmp(q, "ID:", 3) == 0) {
			fmt->id = (uint32_t)strtoul(q + 3, NULL, 10);
		} else if (strncmp(q, "field:", 6) == 0 ||
			   strncmp(q, "field special:", 14) == 0) {
			const char *d = strchr(q, ':') + 1;
			const char *semi = memchr(d, ';', (size_t)(end - d));
			dt_hp_field_t f;
			long off, size, sgn;

			if (semi == NULL)
				goto bad;
			memset(&f, 0, sizeof(f));
			if (parse_decl(d, (size_t)(semi - d), &f) != 0)
				goto bad;
			off = field_num(semi, end, "offset:");
			size = field_num(semi, end, "size:");
			sgn = field_num(semi, end, "signed:");
			if (off < 0 || size <= 0 || off > 65535 || size > 65535)
				goto bad;
			f.offset = (uint32_t)off;
			f.size = (uint32_t)size;
			f.is_signed = sgn == 1;
			if (f.kind == DT_HPF_SCALAR && size != 1 && size != 2 &&
			    size != 4 && size != 8)
				f.kind = DT_HPF_ARRAY;
			if (strncmp(f.name, "common_", 7) != 0) {
				if (fmt->nfields >= DT_HP_MAXFIELDS) {
					snprintf(err, errlen,
						 "line %d: too many fields",
						 lineno);
					return -1;
				}
				fmt->fields[fmt->nfields++] = f;
			}
		}
		p = nl ? nl + 1 : NULL;
		continue;
	bad:
		snprintf(err, errlen, "line %d: malformed field: %.*s", lineno,
			 (int)(end - q > 80 ? 80 : end - q), q);
		return -1;
	}
	if (!have_name) {
		snprintf(err, errlen, "no \"name:\" line");
		return -1;
	}
	return 0;
}

const dt_hp_field_t *dt_hp_format_field(const dt_hp_format_t *fmt,
					const char *name)
{
	for (int i = 0; i < fmt->nfields; i++)
		if (strcmp(fmt->fields[i].name, name) == 0)
			return &fmt->fields[i];
	return NULL;
}

/* Kernel integer shorthands that D does not know by these names. */
static const char *const typemap[][2] = {
    {"u8", "uint8_t"},
    {"u16", "uint16_t"},
    {"u32", "uint32_t"},
    {"u64", "uint64_t"},
    {"s8", "int8_t"},
    {"s16", "int16_t"},
    {"s32", "int32_t"},
    {"s64", "int64_t"},
    {"__u8", "uint8_t"},
    {"__u16", "uint16_t"},
    {"__u32", "uint32_t"},
    {"__u64", "uint64_t"},
    {"__s8", "int8_t"},
    {"__s16", "int16_t"},
    {"__s32", "int32_t"},
    {"__s64", "int64_t"},
    {"bool", "uint8_t"},
    {"_Bool", "uint8_t"},
    {"unsigned", "unsigned int"},
    {"uint", "unsigned int"},
};

static const char *map_type(const char *t)
{
	for (size_t i = 0; i < sizeof(typemap) / sizeof(typemap[0]); i++)
		if (strcmp(typemap[i][0], t) == 0)
			return typemap[i][1];
	return t;
}

void dt_hp_field_dtype(const dt_hp_field_t *f, bool syscall, char *buf,
		       size_t len, int *kind)
{
	switch (f->kind) {
	case DT_HPF_CHARARRAY:
		snprintf(buf, len, "string");
		*kind = DT_HOSTARG_STRING;
		return;
	case DT_HPF_DATALOC:
	case DT_HPF_RELLOC:
		if (f->is_char) {
			snprintf(buf, len, "string");
			*kind = DT_HOSTARG_STRING;
		} else {
			snprintf(buf, len, "%s *", map_type(f->ctype));
			*kind = DT_HOSTARG_BYTES;
		}
		return;
	case DT_HPF_ARRAY:
		snprintf(buf, len, "%s *", map_type(f->ctype));
		*kind = DT_HOSTARG_BYTES;
		return;
	default:
		snprintf(buf, len, "%s", map_type(f->ctype));
		if (f->is_pointer)
			*kind =
			    syscall ? DT_HOSTARG_USERPTR : DT_HOSTARG_KERNPTR;
		else
			*kind = DT_HOSTARG_INT;
		return;
	}
}

static void copy_str(char *dst, size_t dlen, const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < dlen && s[i] != '\0'; i++)
		dst[i] = (char)s[i];
	dst[i] = '\0';
}

int dt_hp_field_value(const dt_hp_field_t *f, const uint8_t *raw, size_t rawlen,
		      uint64_t *val, char *strbuf, size_t strlen)
{
	uint64_t v = 0;

	if ((size_t)f->offset + f->size > rawlen)
		return -1;
	switch (f->kind) {
	case DT_HPF_SCALAR:
		switch (f->size) {
		case 1: {
			uint8_t x = raw[f->offset];
			v = f->is_signed ? (uint64_t)(int64_t)(int8_t)x : x;
			break;
		}
		case 2: {
			uint16_t x;
			memcpy(&x, raw + f->offset, 2);
			v = f->is_signed ? (uint64_t)(int64_t)(int16_t)x : x;
			break;
		}
		case 4: {
			uint32_t x;
			memcpy(&x, raw + f->offset, 4);
			v = f->is_signed ? (uint64_t)(int64_t)(int32_t)x : x;
			break;
		}
		default:
			memcpy(&v, raw + f->offset, 8);
			break;
		}
		*val = v;
		return 0;
	case DT_HPF_CHARARRAY:
		copy_str(strbuf, strlen, raw + f->offset, f->size);
		*val = (uint64_t)(uintptr_t)strbuf;
		return 0;
	case DT_HPF_ARRAY:
		*val = (uint64_t)(uintptr_t)(raw + f->offset);
		return 0;
	case DT_HPF_DATALOC:
	case DT_HPF_RELLOC: {
		uint32_t loc, off, n;
		memcpy(&loc, raw + f->offset, 4);
		off = loc & 0xffff;
		n = loc >> 16;
		if (f->kind == DT_HPF_RELLOC)
			off += f->offset + f->size;
		if ((size_t)off + n > rawlen)
			return -1;
		if (f->is_char) {
			copy_str(strbuf, strlen, raw + off, n);
			*val = (uint64_t)(uintptr_t)strbuf;
		} else {
			*val = (uint64_t)(uintptr_t)(raw + off);
		}
		return 0;
	}
	}
	return -1;
}
