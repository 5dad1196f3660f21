/*
 * test_link.c: the relocating linker and the host check, on hand-built
 * HyperTrace DIF (as -E emits it per link/dt_reloc.h):
 *  - symbols: syntax, table handling;
 *  - linking kernel member reads against the host BTF gives the DIF a direct
 *    compilation would (nops removed), with offsets checked against bpftool;
 *  - linking against the default guest image's BTF gives that kernel's
 *    offsets, checked against bpftool's dump of that BTF;
 *  - return types, variable unification, link errors carried in the ELF;
 *  - the host check accepts every genuine link and refuses a program with
 *    any single instruction changed, at every position;
 *  - statement selection by target for each resolver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <cmocka.h>

#include "elf/dt_elf.h"
#include "link/dt_link.h"
#include "link/dt_ltype.h"
#include "link/dt_reloc.h"

#define HOST_BTF "/sys/kernel/btf/vmlinux"

static char guest_btf[4096];

/* ------------------------------------------- bpftool's view of the BTF */

typedef struct bt_member {
	char name[64];
	uint32_t type, bits;
} bt_member_t;

typedef struct bt_type {
	char kind[16], name[64];
	uint32_t ref; /* TYPEDEF/CONST/... type_id */
	uint32_t nm;
	bt_member_t *m;
} bt_type_t;

typedef struct bt_dump {
	bt_type_t *t;
	uint32_t n;
} bt_dump_t;

/* Parses `bpftool btf dump file F format raw`. */
static void bt_load(const char *path, bt_dump_t *d)
{
	char cmd[4300], line[1024];
	FILE *f;
	bt_type_t *cur = NULL;

	memset(d, 0, sizeof(*d));
	snprintf(cmd, sizeof(cmd), "bpftool btf dump file '%s' format raw",
		 path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned id;
		char kind[16], name[64];

		if (sscanf(line, "[%u] %15s '%63[^']'", &id, kind, name) == 3) {
			char *p;

			if (id >= d->n) {
				uint32_t nn = id + 1024;

				d->t = realloc(d->t, nn * sizeof(*d->t));
				memset(d->t + d->n, 0,
				       (nn - d->n) * sizeof(*d->t));
				d->n = nn;
			}
			cur = &d->t[id];
			strcpy(cur->kind, kind);
			strcpy(cur->name, name);
			p = strstr(line, "type_id=");
			if (p != NULL && strcmp(kind, "FUNC_PROTO") != 0)
				cur->ref = (uint32_t)strtoul(p + 8, NULL, 10);
		} else if (cur != NULL && line[0] == '\t' &&
			   (strcmp(cur->kind, "STRUCT") == 0 ||
			    strcmp(cur->kind, "UNION") == 0)) {
			bt_member_t m = {0};

			if (sscanf(line,
				   "\t'%63[^']' type_id=%u bits_offset=%u",
				   m.name, &m.type, &m.bits) == 3) {
				cur->m = realloc(cur->m, (cur->nm + 1) *
							     sizeof(*cur->m));
				cur->m[cur->nm++] = m;
			}
		}
	}
	pclose(f);
	assert_true(d->n > 0);
}

static void bt_free(bt_dump_t *d)
{
	for (uint32_t i = 0; i < d->n; i++)
		free(d->t[i].m);
	free(d->t);
}

static uint32_t bt_skip(const bt_dump_t *d, uint32_t id)
{
	while (id != 0 && id < d->n &&
	       (strcmp(d->t[id].kind, "TYPEDEF") == 0 ||
		strcmp(d->t[id].kind, "CONST") == 0 ||
		strcmp(d->t[id].kind, "VOLATILE") == 0 ||
		strcmp(d->t[id].kind, "TYPE_TAG") == 0 ||
		strcmp(d->t[id].kind, "RESTRICT") == 0))
		id = d->t[id].ref;
	return id;
}

static int bt_find(const bt_dump_t *d, uint32_t id, const char *name,
		   uint32_t *bits, uint32_t *type)
{
	const bt_type_t *t = &d->t[bt_skip(d, id)];

	for (uint32_t i = 0; i < t->nm; i++) {
		if (strcmp(t->m[i].name, name) == 0) {
			*bits += t->m[i].bits;
			*type = t->m[i].type;
			return 0;
		}
		if (strcmp(t->m[i].name, "(anon)") == 0) {
			uint32_t b = *bits + t->m[i].bits;

			if (bt_find(d, t->m[i].type, name, &b, type) == 0) {
				*bits = b;
				return 0;
			}
		}
	}
	return -1;
}

/* Byte offset of path in struct sname, from bpftool's dump. */
static uint32_t bt_offset(const bt_dump_t *d, const char *sname,
			  const char *path)
{
	uint32_t id = 0, bits = 0;
	char buf[256], *save = NULL, *tok;

	for (uint32_t i = 1; i < d->n; i++)
		if (strcmp(d->t[i].kind, "STRUCT") == 0 &&
		    strcmp(d->t[i].name, sname) == 0 && d->t[i].nm > 0) {
			id = i;
			break;
		}
	assert_int_not_equal(id, 0);
	strcpy(buf, path);
	for (tok = strtok_r(buf, ".", &save); tok;
	     tok = strtok_r(NULL, ".", &save)) {
		uint32_t type;

		if (bt_find(d, id, tok, &bits, &type) != 0)
			fail_msg("bpftool: no %s in struct %s", tok, sname);
		id = type;
	}
	return bits / 8;
}

/* ---------------------------------------------------- program builders */

typedef struct ins {
	dif_instr_t w;
} ins_t;

static dt_difo_t *mk_difo(const dif_instr_t *ins, uint32_t n,
			  const char *const *syms, uint32_t nsyms,
			  const uint64_t *ints, uint32_t nints)
{
	dt_difo_t *d = dt_difo_new();

	d->len = n;
	d->buf = malloc(n * sizeof(*d->buf));
	memcpy(d->buf, ins, n * sizeof(*d->buf));
	for (uint32_t i = 0; i < nsyms; i++)
		assert_int_equal(dt_reloc_sym_add(d, syms[i]), (int)i);
	if (nints) {
		d->inttab = malloc(nints * 8);
		memcpy(d->inttab, ints, nints * 8);
		d->intlen = nints;
	}
	d->rtype.kind = DIF_TYPE_CTF;
	d->rtype.size = 8;
	return d;
}

#define LDCUR(r)     DIF_INSTR_LDV(DIF_OP_LDGS, DIF_VAR_CURTHREAD, r)
#define ADD(a, b, d) DIF_INSTR_FMT(DIF_OP_ADD, a, b, d)

/* The kernel-member programs of the issue, as -E compiles them. */
enum { P_COMM, P_PPID, P_UID, P_SIZEOF, P_ULOAD, P_PLAIN, NPROGS };

static dt_difo_t *prog_difo(int which)
{
	switch (which) {
	case P_COMM: { /* trace(curthread->comm) */
		static const char *const s[] = {
		    "offsetof struct task_struct comm", "type char [16]"};
		dif_instr_t i[] = {LDCUR(1), DIF_INSTR_USETX(0, 2),
				   ADD(1, 2, 1), DIF_INSTR_TYPECAST(1, 1),
				   DIF_INSTR_RET(1)};
		dt_difo_t *d = mk_difo(i, 5, s, 2, NULL, 0);

		d->rtype.size = 0;
		return d;
	}
	case P_PPID: { /* trace(curthread->real_parent->pid) */
		static const char *const s[] = {
		    "offsetof struct task_struct real_parent",
		    "member struct task_struct real_parent",
		    "offsetof struct task_struct pid",
		    "member struct task_struct pid"};
		dif_instr_t i[] = {LDCUR(1),
				   DIF_INSTR_USETX(0, 2),
				   ADD(1, 2, 1),
				   DIF_INSTR_ULOAD(DIF_OP_ULOAD, 1, 1, 1),
				   DIF_INSTR_USETX(2, 2),
				   ADD(1, 2, 1),
				   DIF_INSTR_ULOAD(DIF_OP_ULOAD, 1, 3, 1),
				   DIF_INSTR_RET(1)};

		return mk_difo(i, 8, s, 4, NULL, 0);
	}
	case P_UID: { /* trace(curthread->cred->uid.val) */
		static const char *const s[] = {
		    "offsetof struct task_struct cred",
		    "member struct task_struct cred",
		    "offsetof struct cred uid.val",
		    "member struct cred uid.val"};
		dif_instr_t i[] = {LDCUR(3),
				   DIF_INSTR_USETX(0, 4),
				   ADD(3, 4, 3),
				   DIF_INSTR_ULOAD(DIF_OP_ULOAD, 3, 1, 3),
				   DIF_INSTR_USETX(2, 4),
				   ADD(3, 4, 3),
				   DIF_INSTR_ULOAD(DIF_OP_ULOAD, 3, 3, 5),
				   DIF_INSTR_RET(5)};

		return mk_difo(i, 8, s, 4, NULL, 0);
	}
	case P_SIZEOF: { /* x = 5; trace(x < sizeof(struct task_struct) ? ...)
			  */
		static const char *const s[] = {"sizeof struct task_struct"};
		static const uint64_t n[] = {5};
		dif_instr_t i[] = {DIF_INSTR_SETX(0, 1),
				   DIF_INSTR_USETX(0, 2),
				   DIF_INSTR_CMP(DIF_OP_CMP, 1, 2),
				   DIF_INSTR_BRANCH(DIF_OP_BL, 5),
				   DIF_INSTR_MOV(2, 1),
				   DIF_INSTR_RET(1)};

		return mk_difo(i, 6, s, 1, n, 1);
	}
	case P_ULOAD: { /* trace(*(int *)copyin-ish user address arg0) */
		static const char *const s[] = {"type int"};
		dif_instr_t i[] = {DIF_INSTR_LDV(DIF_OP_LDGS, DIF_VAR_ARG0, 1),
				   DIF_INSTR_ULOAD(DIF_OP_UULOAD, 1, 0, 2),
				   DIF_INSTR_RET(2)};

		return mk_difo(i, 3, s, 1, NULL, 0);
	}
	default: { /* no relocations: execname == "bash" */
		dt_difo_t *d;
		dif_instr_t i[] = {
		    DIF_INSTR_LDV(DIF_OP_LDGS, DIF_VAR_EXECNAME, 1),
		    DIF_INSTR_SETS(0, 2),
		    DIF_INSTR_CMP(DIF_OP_SCMP, 1, 2),
		    DIF_INSTR_SETX(0, 1),
		    DIF_INSTR_BRANCH(DIF_OP_BNE, 6),
		    DIF_INSTR_SETX(1, 1),
		    DIF_INSTR_RET(1)};
		static const uint64_t n[] = {0, 1};

		d = mk_difo(i, 7, NULL, 0, n, 2);
		d->strtab = malloc(5);
		memcpy(d->strtab, "bash", 5);
		d->strlen = 5;
		return d;
	}
	}
}

/* A program with one statement per kernel-member DIFO (and a predicate). */
static dt_prog_t *prog_all(void)
{
	dt_prog_t *p = dt_prog_new();

	dt_prog_new_ident(p);
	for (int k = 0; k < NPROGS; k++) {
		dt_stmt_t *s = dt_prog_add_stmt(p);
		dt_action_t *a;

		s->line = (uint32_t)(10 + k);
		dt_stmt_add_desc(s, "", "syscall", "", "read", "entry");
		if (k == P_COMM)
			s->pred = prog_difo(P_PLAIN);
		a = dt_stmt_add_action(s, DT_ACT_DIFEXPR);
		dt_action_add_difo(a, prog_difo(k));
	}
	return p;
}

static dt_difo_t *linked_difo(dt_prog_t *p, int k)
{
	return p->stmts[k].acts[0].difo[0];
}

static dt_prog_t *link_with(const dt_prog_t *src, const char *btf)
{
	dt_link_opts_t o = {
	    .size = sizeof(o), .btf_path = btf, .resolvers = "none"};
	dt_elf_err_t e;
	dt_prog_t *p = dt_prog_copy(src, &e);
	char err[1024];

	assert_non_null(p);
	if (dt_link(p, &o, err, sizeof(err)) != 0)
		fail_msg("link against %s: %s", btf, err);
	return p;
}

/* Removes nops (remapping branch labels) and replaces setx indexes by
 * their values: the shape two compilations must share. */
static uint32_t normalise(const dt_difo_t *d, uint64_t *out)
{
	uint32_t map[64], n = 0;

	assert_true(d->len < 64);
	for (uint32_t i = 0; i < d->len; i++) {
		map[i] = n;
		if (d->buf[i] != DIF_INSTR_NOP)
			n++;
	}
	n = 0;
	for (uint32_t i = 0; i < d->len; i++) {
		dif_instr_t w = d->buf[i];
		uint32_t op = DIF_INSTR_OP(w);

		if (w == DIF_INSTR_NOP)
			continue;
		if (op == DIF_OP_SETX)
			out[n++] = (uint64_t)op << 56 |
				   (uint64_t)DIF_INSTR_RD(w) << 48 |
				   d->inttab[DIF_INSTR_INTEGER(w)];
		else if (op >= DIF_OP_BA && op <= DIF_OP_BLEU)
			out[n++] =
			    DIF_INSTR_BRANCH(op, map[DIF_INSTR_LABEL(w)]);
		else
			out[n++] = w;
	}
	return n;
}

/* The DIF a direct compilation gives, with offsets from bpftool. */
static dt_difo_t *direct_difo(int which, const bt_dump_t *bt)
{
	uint64_t ints[4];

	switch (which) {
	case P_COMM: {
		dif_instr_t i[] = {LDCUR(1), DIF_INSTR_SETX(0, 2), ADD(1, 2, 1),
				   DIF_INSTR_RET(1)};

		ints[0] = bt_offset(bt, "task_struct", "comm");
		return mk_difo(i, 4, NULL, 0, ints, 1);
	}
	case P_PPID: {
		dif_instr_t i[] = {LDCUR(1),
				   DIF_INSTR_SETX(0, 2),
				   ADD(1, 2, 1),
				   DIF_INSTR_LOAD(DIF_OP_LDX, 1, 1),
				   DIF_INSTR_SETX(1, 2),
				   ADD(1, 2, 1),
				   DIF_INSTR_LOAD(DIF_OP_LDSW, 1, 1),
				   DIF_INSTR_RET(1)};

		ints[0] = bt_offset(bt, "task_struct", "real_parent");
		ints[1] = bt_offset(bt, "task_struct", "pid");
		return mk_difo(i, 8, NULL, 0, ints, 2);
	}
	case P_UID: {
		dif_instr_t i[] = {LDCUR(3),
				   DIF_INSTR_SETX(0, 4),
				   ADD(3, 4, 3),
				   DIF_INSTR_LOAD(DIF_OP_LDX, 3, 3),
				   DIF_INSTR_SETX(1, 4),
				   ADD(3, 4, 3),
				   DIF_INSTR_LOAD(DIF_OP_LDUW, 3, 5),
				   DIF_INSTR_RET(5)};

		ints[0] = bt_offset(bt, "task_struct", "cred");
		ints[1] = bt_offset(bt, "cred", "uid.val");
		return mk_difo(i, 8, NULL, 0, ints, 2);
	}
	default:
		return NULL;
	}
}

static void check_against(const char *btfpath)
{
	dt_prog_t *src = prog_all(), *p = link_with(src, btfpath);
	struct btf *btf = btf__parse(btfpath, NULL);
	dt_ltype_t ts;
	bt_dump_t bt;

	assert_non_null(btf);
	bt_load(btfpath, &bt);
	for (int k = P_COMM; k <= P_UID; k++) {
		dt_difo_t *dir = direct_difo(k, &bt), *lk = linked_difo(p, k);
		uint64_t a[64], b[64];
		uint32_t na = normalise(lk, a), nb = normalise(dir, b);

		assert_int_equal(na, nb);
		for (uint32_t i = 0; i < na; i++)
			if (a[i] != b[i])
				fail_msg(
				    "%s: program %d instruction %u: linked "
				    "%llx, direct %llx",
				    btfpath, k, i, (unsigned long long)a[i],
				    (unsigned long long)b[i]);
		dt_difo_free(dir);
	}
	/* return types */
	assert_true(linked_difo(p, P_COMM)->rtype.flags & DIF_TF_BYREF);
	assert_int_equal(linked_difo(p, P_COMM)->rtype.size, 16);
	assert_true(linked_difo(p, P_COMM)->flags & DT_DIFO_CHARARR);
	assert_int_equal(linked_difo(p, P_PPID)->rtype.size, 4);
	assert_true(linked_difo(p, P_PPID)->flags & DT_DIFO_SIGNED);
	assert_int_equal(linked_difo(p, P_UID)->rtype.size, 4);
	assert_false(linked_difo(p, P_UID)->flags & DT_DIFO_SIGNED);
	/* sizeof, against libbpf and the struct line of bpftool */
	assert_int_equal(
	    dt_ltype_parse(btf, "struct task_struct", &ts, NULL, 0), 0);
	assert_int_equal(linked_difo(p, P_SIZEOF)->inttab[1],
			 (uint64_t)btf__resolve_size(btf, (uint32_t)ts.id));
	assert_int_equal(DIF_INSTR_OP(linked_difo(p, P_ULOAD)->buf[1]),
			 DIF_OP_ULDSW);
	assert_int_equal(dt_link_count_relocs(p), 0);
	/* identifiers: linked from src */
	assert_memory_equal(p->srcident, src->ident, 16);
	assert_memory_not_equal(p->ident, src->ident, 16);
	print_message(
	    "%s: comm@%llu real_parent@%llu pid@%llu cred@%llu "
	    "uid.val@%llu, sizeof(task_struct)=%llu\n",
	    btfpath, (unsigned long long)bt_offset(&bt, "task_struct", "comm"),
	    (unsigned long long)bt_offset(&bt, "task_struct", "real_parent"),
	    (unsigned long long)bt_offset(&bt, "task_struct", "pid"),
	    (unsigned long long)bt_offset(&bt, "task_struct", "cred"),
	    (unsigned long long)bt_offset(&bt, "cred", "uid.val"),
	    (unsigned long long)linked_difo(p, P_SIZEOF)->inttab[1]);
	bt_free(&bt);
	btf__free(btf);
	dt_prog_free(p);
	dt_prog_free(src);
}

/* ------------------------------------------------------------------ tests */

static void test_symbols(void **state)
{
	dt_difo_t *d = dt_difo_new();
	dt_reloc_sym_t s;
	char why[256];

	assert_int_equal(dt_reloc_sym_add(d, "type int"), 0);
	assert_int_equal(dt_reloc_sym_add(d, "sizeof struct file"), 1);
	assert_int_equal(dt_reloc_sym_add(d, "type int"), 0);
	assert_string_equal(dt_reloc_sym_get(d, 1), "sizeof struct file");
	assert_null(dt_reloc_sym_get(d, 2));
	assert_int_equal(dt_reloc_sym_parse("offsetof struct cred uid.val", &s,
					    why, sizeof(why)),
			 0);
	assert_int_equal(s.kind, DT_RELOC_OFFSETOF);
	assert_string_equal(s.type, "struct cred");
	assert_string_equal(s.path, "uid.val");
	assert_int_equal(dt_reloc_sym_parse("member struct task_struct * [2] x",
					    &s, why, sizeof(why)),
			 0);
	assert_string_equal(s.type, "struct task_struct * [2]");
	assert_int_equal(dt_reloc_sym_parse("frob int", &s, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "unknown kind"));
	assert_int_equal(
	    dt_reloc_sym_parse("offsetof struct x a..b", &s, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "bad member path"));
	dt_difo_free(d);
}

static void test_types(void **state)
{
	struct btf *btf = btf__parse(HOST_BTF, NULL);
	dt_ltype_t t;
	char why[256];
	uint8_t op;

	assert_non_null(btf);
	assert_int_equal(dt_ltype_parse(btf, "char [16]", &t, why, sizeof(why)),
			 0);
	assert_int_equal(dt_ltype_size(btf, &t), 16);
	assert_true(dt_ltype_is_chararr(btf, &t));
	assert_int_equal(
	    dt_ltype_parse(btf, "unsigned long", &t, why, sizeof(why)), 0);
	assert_int_equal(dt_ltype_size(btf, &t), 8);
	assert_int_equal(dt_ltype_loadop(btf, &t, 0, &op, why, sizeof(why)), 0);
	assert_int_equal(op, DIF_OP_LDX);
	assert_int_equal(dt_ltype_parse(btf, "short", &t, why, sizeof(why)), 0);
	assert_int_equal(dt_ltype_loadop(btf, &t, 1, &op, why, sizeof(why)), 0);
	assert_int_equal(op, DIF_OP_ULDSH);
	assert_int_equal(dt_ltype_parse(btf, "userland struct file * *", &t,
					why, sizeof(why)),
			 0);
	assert_int_equal(t.nptr, 2);
	assert_int_equal(
	    dt_ltype_parse(btf, "struct no_such_thing", &t, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "does not exist"));
	assert_int_equal(
	    dt_ltype_parse(btf, "struct task_struct", &t, why, sizeof(why)), 0);
	assert_int_equal(dt_ltype_loadop(btf, &t, 0, &op, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "struct or union"));
	btf__free(btf);
}

static void test_host_btf(void **state)
{
	check_against(HOST_BTF);
}

static void test_guest_btf(void **state)
{
	if (guest_btf[0] == '\0')
		fail_msg("no guest BTF (guest-btf.sh failed)");
	check_against(guest_btf);
}

/* Every genuine link is accepted; any single change is refused. */
static void mutate_all(const dt_prog_t *host, const dt_prog_t *guest,
		       const char *label, uint32_t *tried)
{
	char why[512];
	dt_elf_err_t e;

	if (dt_link_check(host, guest, why, sizeof(why)) != 0)
		fail_msg("%s: genuine link refused: %s", label, why);
	for (uint32_t s = 0; s < guest->nstmts; s++) {
		const dt_stmt_t *gs = &guest->stmts[s];

		for (int k = -1; k < (int)gs->acts[0].ndifo; k++) {
			const dt_difo_t *gd =
			    k < 0 ? gs->pred : gs->acts[0].difo[k];

			if (gd == NULL)
				continue;
			for (uint32_t i = 0; i < gd->len; i++) {
				static const uint32_t flips[] = {
				    0x1, 0x100, 0x10000, 0x1000000, 0x4000000};

				for (size_t f = 0; f < 5; f++) {
					dt_prog_t *m = dt_prog_copy(guest, &e);
					dt_difo_t *md =
					    k < 0 ? m->stmts[s].pred
						  : m->stmts[s].acts[0].difo[k];
					dif_instr_t w = md->buf[i] ^ flips[f];
					uint32_t op = DIF_INSTR_OP(w),
						 gop = DIF_INSTR_OP(md->buf[i]);

					/* another valid sized load for the same
					 * registers is a legal link result */
					if (op != gop &&
					    ((op >= DIF_OP_LDSB &&
					      op <= DIF_OP_LDX &&
					      gop >= DIF_OP_LDSB &&
					      gop <= DIF_OP_LDX) ||
					     (op >= DIF_OP_ULDSB &&
					      op <= DIF_OP_ULDX &&
					      gop >= DIF_OP_ULDSB &&
					      gop <= DIF_OP_ULDX))) {
						dt_prog_free(m);
						continue;
					}
					md->buf[i] = w;
					(*tried)++;
					if (dt_link_check(host, m, why,
							  sizeof(why)) == 0) {
						/* only a retarget of a
						 * relocated setx may pass */
						const dt_difo_t *hd =
						    k < 0 ? host->stmts[s].pred
							  : host->stmts[s]
								.acts[0]
								.difo[k];

						if (DIF_INSTR_OP(hd->buf[i]) !=
							DIF_OP_USETX ||
						    op != DIF_OP_SETX)
							fail_msg(
							    "%s: statement "
							    "%u difo %d "
							    "instruction %u "
							    "^%x accepted",
							    label, s, k, i,
							    flips[f]);
						(*tried)--;
					}
					dt_prog_free(m);
				}
			}
		}
	}
}

static void test_host_check(void **state)
{
	dt_prog_t *src = prog_all(), *h = link_with(src, HOST_BTF), *g = NULL,
		  *m;
	uint32_t tried = 0;
	char why[512];
	dt_elf_err_t e;

	mutate_all(src, h, "host BTF", &tried);
	if (guest_btf[0] != '\0') {
		g = link_with(src, guest_btf);
		mutate_all(src, g, "guest BTF", &tried);
	}
	print_message("host check: %u single-instruction changes, all "
		      "refused\n",
		      tried);
	assert_true(tried > 100);
	/* tables and program-level changes */
	m = dt_prog_copy(h, &e);
	m->stmts[0].pred->strtab[0] = 'c';
	assert_int_equal(dt_link_check(src, m, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "string table"));
	dt_prog_free(m);
	m = dt_prog_copy(h, &e);
	m->stmts[P_SIZEOF].acts[0].difo[0]->inttab[0] = 6;
	assert_int_equal(dt_link_check(src, m, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "integer table"));
	dt_prog_free(m);
	m = dt_prog_copy(h, &e);
	m->stmts[1].acts[0].kind = DT_ACT_EXIT;
	assert_int_equal(dt_link_check(src, m, why, sizeof(why)), -1);
	dt_prog_free(m);
	m = dt_prog_copy(h, &e);
	memset(m->srcident, 0, 16);
	assert_int_equal(dt_link_check(src, m, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "srcident"));
	dt_prog_free(m);
	m = dt_prog_copy(h, &e); /* the unlinked program is not a link */
	assert_int_equal(dt_link_check(src, src, why, sizeof(why)), -1);
	dt_prog_free(m);
	/* a guest dropping statements is fine; inventing one is not */
	m = dt_prog_copy(h, &e);
	dt_link_select(m, DT_RESOLVE_HOSTNAME, "nomatch", NULL);
	assert_int_equal(m->nstmts, NPROGS);
	free(m->stmts[2].descs[0].target);
	m->stmts[2].descs[0].target = strdup("x");
	assert_int_equal(dt_link_check(src, m, why, sizeof(why)), -1);
	dt_prog_free(m);
	dt_prog_free(g);
	dt_prog_free(h);
	dt_prog_free(src);
}

static void test_link_errors(void **state)
{
	static const char *const s[] = {"offsetof struct task_struct nosuch"};
	dif_instr_t i[] = {LDCUR(1), DIF_INSTR_USETX(0, 2), ADD(1, 2, 1),
			   DIF_INSTR_RET(1)};
	dt_link_opts_t o = {.size = sizeof(o), .btf_path = HOST_BTF};
	dt_prog_t *p = dt_prog_new(), *q = NULL;
	dt_stmt_t *st = dt_prog_add_stmt(p);
	dt_action_t *a;
	char err[1024];
	dt_elf_err_t e;
	void *buf;
	size_t len;

	st->line = 3;
	dt_stmt_add_desc(st, "", "syscall", "", "read", "entry");
	a = dt_stmt_add_action(st, DT_ACT_DIFEXPR);
	dt_action_add_difo(a, mk_difo(i, 4, s, 1, NULL, 0));
	assert_int_equal(dt_link(p, &o, err, sizeof(err)), -1);
	print_message("link error: %s\n", err);
	assert_non_null(strstr(err, "statement 0 (line 3) action 0 operand 0: "
				    "instruction 1 (usetx"));
	assert_non_null(strstr(err, "no member \"nosuch\""));
	assert_string_equal(p->link_error, err);
	/* the error travels in the ELF and stops a second link */
	assert_int_equal(dt_elf_write_mem(p, &buf, &len, &e), 0);
	assert_int_equal(dt_elf_read_mem(buf, len, &q, &e), 0);
	assert_string_equal(q->link_error, err);
	assert_int_equal(dt_link(q, &o, err, sizeof(err)), -1);
	free(buf);
	dt_prog_free(q);
	dt_prog_free(p);

	/* missing BTF */
	p = prog_all();
	o.btf_path = "/nonexistent/btf";
	assert_int_equal(dt_link(p, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot load BTF"));
	dt_prog_free(p);
}

static void test_vars(void **state)
{
	dt_prog_t *p = dt_prog_new();
	dt_link_opts_t o = {
	    .size = sizeof(o), .btf_path = HOST_BTF, .keep_ident = 1};
	dif_var_desc_t v = {.id = 0x500,
			    .kind = DIFV_KIND_SCALAR,
			    .scope = DIFV_SCOPE_THREAD,
			    .type = {DIF_TYPE_CTF, 0, 0, 0, 4}};
	char err[512];

	for (int k = 0; k < 2; k++) {
		dt_stmt_t *s = dt_prog_add_stmt(p);
		dt_action_t *a;
		dif_instr_t in[] = {DIF_INSTR_SETX(0, 1),
				    DIF_INSTR_STV(DIF_OP_STTS, 0x500, 1),
				    DIF_INSTR_RET(1)};
		static const uint64_t n[] = {7};
		dt_difo_t *d = mk_difo(in, 3, NULL, 0, n, 1);

		dt_stmt_add_desc(s, "", "", "", "", k ? "END" : "BEGIN");
		d->varlen = 1;
		d->vartab = calloc(1, sizeof(*d->vartab));
		d->vartab[0] = v;
		d->vartab[0].type.size = k ? 8 : 4;
		a = dt_stmt_add_action(s, DT_ACT_DIFEXPR);
		dt_action_add_difo(a, d);
	}
	dt_prog_add_var(p, "x", &v, "int", 0);
	assert_int_equal(dt_link(p, &o, err, sizeof(err)), 0);
	assert_int_equal(p->stmts[0].acts[0].difo[0]->vartab[0].type.size, 8);
	assert_int_equal(p->stmts[1].acts[0].difo[0]->vartab[0].type.size, 8);
	assert_int_equal(p->vars[0].v.type.size, 8);
	dt_prog_free(p);
}

static uint32_t count_stmts(const char *resolvers, const char *host,
			    const char *rel, char names[][16])
{
	static const char *const targets[] = {
	    "", "myvm", "myvm*", "othervm", "Linux-6.1*", "Linux-5.*", "*"};
	dt_prog_t *p = dt_prog_new();
	dt_link_opts_t o = {.size = sizeof(o),
			    .resolvers = resolvers,
			    .hostname = host,
			    .release = rel,
			    .no_typecheck = 0};
	char err[256];
	uint32_t n;

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		dt_stmt_t *s = dt_prog_add_stmt(p);

		s->line = (uint32_t)i;
		dt_stmt_add_desc(s, targets[i], "syscall", "", "read", "entry");
	}
	/* a statement with two descriptions for two targets */
	dt_stmt_add_desc(&p->stmts[3], "myvm2", "syscall", "", "write",
			 "entry");
	assert_int_equal(dt_link(p, &o, err, sizeof(err)), 0);
	n = p->nstmts;
	for (uint32_t i = 0; i < n; i++)
		snprintf(names[i], 16, "%s", p->stmts[i].descs[0].target);
	dt_prog_free(p);
	return n;
}

static void test_resolvers(void **state)
{
	char names[16][16];
	uint32_t n;

	/* hostname: "", myvm, myvm*, * and the two-target statement (myvm2) */
	n = count_stmts("hostname", "myvm2", "6.1.0-56-amd64", names);
	assert_int_equal(n, 4);
	assert_string_equal(names[0], "");
	assert_string_equal(names[1], "myvm*");
	assert_string_equal(names[2], "myvm2");
	assert_string_equal(names[3], "*");
	n = count_stmts("hostname", "myvm", "6.1.0-56-amd64", names);
	assert_int_equal(n, 4); /* "", myvm, myvm*, * */
	/* version: "", Linux-6.1*, * */
	n = count_stmts("version", "myvm", "6.1.0-56-amd64", names);
	assert_int_equal(n, 3);
	assert_string_equal(names[1], "Linux-6.1*");
	/* both: the union */
	n = count_stmts("hostname,version", "myvm", "6.1.0-56-amd64", names);
	assert_int_equal(n, 5);
	n = count_stmts("none", "x", "y", names);
	assert_int_equal(n, 7);
	/* default (no option): both */
	n = count_stmts(NULL, "othervm", "5.10", names);
	assert_int_equal(n, 4); /* "", othervm, Linux-5.*, * */
	assert_int_equal(dt_link_parse_resolvers("hostname,bogus"), -1);
	/* the program's own option is used when the caller gives none */
	{
		dt_prog_t *p = dt_prog_new();
		dt_link_opts_t o = {
		    .size = sizeof(o), .hostname = "h", .release = "6.1"};
		char err[256];

		dt_stmt_add_desc(dt_prog_add_stmt(p), "Linux-6*", "", "", "",
				 "BEGIN");
		dt_prog_add_opt(p, "resolvers", "hostname");
		assert_int_equal(dt_link(p, &o, err, sizeof(err)), 0);
		assert_int_equal(p->nstmts, 0);
		dt_prog_free(p);
	}
}

int main(void)
{
	const char *src = getenv("HT_SOURCE_ROOT"),
		   *bld = getenv("HT_BUILD_ROOT");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_symbols),
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_host_btf),
	    cmocka_unit_test(test_guest_btf),
	    cmocka_unit_test(test_host_check),
	    cmocka_unit_test(test_link_errors),
	    cmocka_unit_test(test_vars),
	    cmocka_unit_test(test_resolvers),
	};

	if (src != NULL) {
		char cmd[4200];
		FILE *f;

		snprintf(cmd, sizeof(cmd),
			 "sh '%s/tests/unit/link/guest-btf.sh' "
			 "'%s' '%s'",
			 src, src, bld ? bld : "");
		f = popen(cmd, "r");
		if (f != NULL) {
			if (fgets(guest_btf, sizeof(guest_btf), f) == NULL)
				guest_btf[0] = '\0';
			guest_btf[strcspn(guest_btf, "\n")] = '\0';
			pclose(f);
		}
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
