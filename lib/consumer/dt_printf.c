/*
 * dt_printf.c: DTrace's printf(): every conversion D supports, with flags,
 * widths, precisions, '*' and the integer size modifiers, applied to the
 * traced record values.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consumer/dt_consume.h"
#include "consumer/dt_print_sym.h"

static uint64_t dt_pf_uval(const dt_pfarg_t *a);

/* The value as a signed integer: sign-extended only for signed types. */
static int64_t dt_pf_sval(const dt_pfarg_t *a)
{
	const uint8_t *p = a->data;

	if (!(a->flags & DT_REC_SIGNED))
		return (int64_t)dt_pf_uval(a);

	switch (a->size) {
	case 1: return (int8_t)p[0];
	case 2: { int16_t v; memcpy(&v, p, 2); return v; }
	case 4: { int32_t v; memcpy(&v, p, 4); return v; }
	default: { int64_t v; memcpy(&v, p, 8); return v; }
	}
}

static uint64_t dt_pf_uval(const dt_pfarg_t *a)
{
	const uint8_t *p = a->data;

	switch (a->size) {
	case 1: return p[0];
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

/* Prints str with C escapes for non-printable bytes (%S). */
static void dt_pf_escape(char *dst, size_t n, const char *s)
{
	size_t k = 0;

	for (; *s && k + 5 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (isprint(c) && c != '\\' && c != '"') {
			dst[k++] = (char)c;
			continue;
		}
		dst[k++] = '\\';
		switch (c) {
		case '\n': dst[k++] = 'n'; break;
		case '\t': dst[k++] = 't'; break;
		case '\r': dst[k++] = 'r'; break;
		case '\\': dst[k++] = '\\'; break;
		case '"': dst[k++] = '"'; break;
		case '\a': dst[k++] = 'a'; break;
		case '\b': dst[k++] = 'b'; break;
		case '\f': dst[k++] = 'f'; break;
		case '\v': dst[k++] = 'v'; break;
		default: k += (size_t)snprintf(dst + k, n - k, "%03o", c); break;
		}
	}
	dst[k] = '\0';
}

int dt_printf_fmt(FILE *out, const char *fmt, const dt_pfarg_t *args,
		  int nargs)
{
	return dt_printf_fmt_sym(out, fmt, args, nargs, NULL);
}

int dt_printf_fmt_sym(FILE *out, const char *fmt, const dt_pfarg_t *args,
		      int nargs, dt_sym_cache_t *sc)
{
	int ai = 0;

	for (const char *p = fmt; *p;) {
		char cfmt[64], flags[8];
		int nfl = 0, width = -1, prec = -1, hmods = 0, lmods = 0;
		int wstar = 0, pstar = 0;
		char conv;

		if (*p != '%') {
			fputc(*p++, out);
			continue;
		}
		p++;
		if (*p == '%') {
			fputc('%', out);
			p++;
			continue;
		}
		while (*p && strchr("-+ #0'", *p) && nfl < 6)
			flags[nfl++] = *p++;
		flags[nfl] = '\0';
		if (*p == '*') {
			wstar = 1;
			p++;
		} else if (*p == '?') {
			width = 16; /* pointer width on LP64 */
			p++;
		} else {
			while (isdigit((unsigned char)*p))
				width = (width < 0 ? 0 : width * 10) + (*p++ - '0');
		}
		if (*p == '.') {
			p++;
			prec = 0;
			if (*p == '*') {
				pstar = 1;
				p++;
			} else {
				while (isdigit((unsigned char)*p))
					prec = prec * 10 + (*p++ - '0');
			}
		}
		for (;;) {
			if (*p == 'h') hmods++;
			else if (*p == 'l' || *p == 'L' || *p == 'j' ||
				 *p == 'z' || *p == 't' || *p == 'q')
				lmods++;
			else
				break;
			p++;
		}
		conv = *p;
		if (conv == '\0')
			return -1;
		p++;
		if (wstar) {
			if (ai >= nargs)
				return -1;
			width = (int)dt_pf_sval(&args[ai++]);
		}
		if (pstar) {
			if (ai >= nargs)
				return -1;
			prec = (int)dt_pf_sval(&args[ai++]);
		}
		if (ai >= nargs)
			return -1;
		{
			const dt_pfarg_t *a = &args[ai++];
			char wp[32] = "";
			int k = 0;

			if (width >= 0 || wstar)
				k += snprintf(wp + k, sizeof(wp) - (size_t)k, "%d",
					      width);
			if (prec >= 0)
				snprintf(wp + k, sizeof(wp) - (size_t)k, ".%d",
					 prec);
			switch (conv) {
			case 'd': case 'i': {
				int64_t v = dt_pf_sval(a);

				if (hmods >= 2) v = (signed char)v;
				else if (hmods == 1) v = (short)v;
				else if (conv == 'i' && lmods == 0 && a->size < 8) {
					/* %i sign-extends by size (illumos) */
					v = a->size == 1 ? (int8_t)dt_pf_uval(a)
					    : a->size == 2 ? (int16_t)dt_pf_uval(a)
							   : (int32_t)dt_pf_uval(a);
				} else if (!(a->flags & DT_REC_SIGNED)) {
					/* an unsigned value prints unsigned */
					snprintf(cfmt, sizeof(cfmt), "%%%s%sllu",
						 flags, wp);
					fprintf(out, cfmt, (unsigned long long)v);
					break;
				}
				snprintf(cfmt, sizeof(cfmt), "%%%s%slld", flags, wp);
				fprintf(out, cfmt, (long long)v);
				break;
			}
			case 'u': case 'o': case 'x': case 'X': {
				uint64_t v = dt_pf_uval(a);

				if (hmods >= 2) v = (unsigned char)v;
				else if (hmods == 1) v = (unsigned short)v;
				snprintf(cfmt, sizeof(cfmt), "%%%s%sll%c", flags,
					 wp, conv);
				fprintf(out, cfmt, (unsigned long long)v);
				break;
			}
			case 'c':
				snprintf(cfmt, sizeof(cfmt), "%%%s%sc", flags, wp);
				fprintf(out, cfmt, (int)(char)dt_pf_uval(a));
				break;
			case 'p': {
				char tmp[32];

				snprintf(tmp, sizeof(tmp), "0x%llx",
					 (unsigned long long)dt_pf_uval(a));
				snprintf(cfmt, sizeof(cfmt), "%%%s%ss", flags, wp);
				fprintf(out, cfmt, tmp);
				break;
			}
			case 'a': case 'A': case 'k': {
				char tmp[512];

				if (a->flags & (DT_REC_STACK | DT_REC_USTACK)) {
					/* %k: a stack; a width is its indent */
					dt_print_stack(
					    out, sc,
					    (a->flags & DT_REC_STACK)
						? DT_ACT_STACK
						: DT_ACT_USTACK,
					    a->data, a->size,
					    width >= 0 ? width
						       : DT_STACK_INDENT);
					break;
				}
				if (conv == 'A' && a->size == 16) {
					/* pid and address (DT_DIFO_UADDR) */
					uint64_t pv[2];

					memcpy(pv, a->data, 16);
					dt_sym_text(sc, DT_ACT_UADDR,
						    (int64_t)pv[0], pv[1], tmp,
						    sizeof(tmp));
				} else if (conv == 'a' && sc != NULL)
					dt_sym_text(sc, DT_SYM_KADDR, 0,
						    dt_pf_uval(a), tmp,
						    sizeof(tmp));
				else
					snprintf(tmp, sizeof(tmp), "0x%llx",
						 (unsigned long long)dt_pf_uval(a));
				snprintf(cfmt, sizeof(cfmt), "%%%s%ss", flags, wp);
				fprintf(out, cfmt, tmp);
				break;
			}
			case 's': case 'S': {
				char tmp[8192];
				const char *s = tmp;

				/* DTrace ignores a zero precision for %s */
				if (prec == 0) {
					snprintf(wp, sizeof(wp), "%d", width);
					if (width < 0)
						wp[0] = '\0';
				}

				if (a->flags & (DT_REC_STR | DT_REC_REF)) {
					size_t n = strnlen(a->data, a->size);

					if (n >= sizeof(tmp))
						n = sizeof(tmp) - 1;
					memcpy(tmp, a->data, n);
					tmp[n] = '\0';
				} else {
					snprintf(tmp, sizeof(tmp), "%llu",
						 (unsigned long long)dt_pf_uval(a));
				}
				if (conv == 'S') {
					static char esc[4 * 8192];

					dt_pf_escape(esc, sizeof(esc), tmp);
					s = esc;
				}
				snprintf(cfmt, sizeof(cfmt), "%%%s%ss", flags, wp);
				fprintf(out, cfmt, s);
				break;
			}
			case 'e': case 'E': case 'f': case 'F': case 'g':
			case 'G': {
				double d;

				if (a->size == 4) {
					float f;

					memcpy(&f, a->data, 4);
					d = f;
				} else if (a->size == 8 && (a->flags & DT_REC_FLOAT)) {
					memcpy(&d, a->data, 8);
				} else {
					d = (double)dt_pf_sval(a);
				}
				snprintf(cfmt, sizeof(cfmt), "%%%s%s%c", flags, wp,
					 conv);
				fprintf(out, cfmt, d);
				break;
			}
			case 'Y': {
				time_t t = (time_t)(dt_pf_uval(a) / 1000000000ULL);
				struct tm tm;
				char tmp[64];

				localtime_r(&t, &tm);
				strftime(tmp, sizeof(tmp), "%Y %b %e %T", &tm);
				snprintf(cfmt, sizeof(cfmt), "%%%s%ss", flags, wp);
				fprintf(out, cfmt, tmp);
				break;
			}
			default:
				return -1;
			}
		}
	}
	return ai;
}
