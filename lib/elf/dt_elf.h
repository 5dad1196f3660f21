/*
 * dt_elf.h: writing and reading a dt_prog_t as an ELF file in the format of
 * hypertrace/elfprog.h. Used by cmd/dtrace (-E -e, -y, -Y), dtraced and the
 * tests. Output is deterministic: writing what was read gives the same bytes.
 */
#ifndef DT_ELF_H
#define DT_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "hypertrace/elfprog.h"
#include "program/dt_program.h"

/* An error: a code from common/dt_error.h (EDT_BADELF for a malformed file,
 * EDT_IO, EDT_NOMEM, ...) and a message naming the section and field. */
typedef struct dt_elf_err {
	int code;
	char msg[512];
} dt_elf_err_t;

/* Serialises prog into a malloc'd buffer (*bufp, *lenp). 0 or -1. */
int dt_elf_write_mem(const dt_prog_t *prog, void **bufp, size_t *lenp,
		     dt_elf_err_t *err);

/* Parses an ELF program file held in memory. Never crashes on bad input;
 * refuses it with EDT_BADELF and a message such as
 * "section 7 (.dtrace_difo): field inttab: reference 12 is ...". */
int dt_elf_read_mem(const void *buf, size_t len, dt_prog_t **progp,
		    dt_elf_err_t *err);

/* Writes prog to path atomically (temporary file in the same directory,
 * fsync, rename). 0 or -1. */
int dt_elf_write_file(const dt_prog_t *prog, const char *path,
		      dt_elf_err_t *err);

/* Reads and parses path (at most 256 MiB). 0 or -1. */
int dt_elf_read_file(const char *path, dt_prog_t **progp, dt_elf_err_t *err);

/* Gives prog a fresh random identifier. */
int dt_prog_new_ident(dt_prog_t *prog);

/* Deep copy of a program (through the ELF encoding). NULL on failure. */
dt_prog_t *dt_prog_copy(const dt_prog_t *prog, dt_elf_err_t *err);

#endif /* DT_ELF_H */
