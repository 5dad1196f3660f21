/*
 * fuzz-dif.c: random and mutated DIFOs into the verifier and, when they
 * pass it, the emulator. Input layout (little-endian):
 *   u8 nints, u8 strlen, u8 nvars, u8 rtype-kind, then nints u64 integers,
 *   strlen bytes of string table (NUL forced at the end), nvars u16 ids
 *   (scope = id & 3 % 3), then the rest as u32 instruction words.
 * Anything the verifier accepts must run without crashing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dif/dt_verify.h"
#include "engine/dt_engine.h"

static dt_engine_t *g_e;
static dt_prog_t *g_p;
static const dt_probe_t g_probes[] = {{1, "dtrace", "", "", "BEGIN"}};

static int fake_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	if (addr < 0x10000 || addr > 0x20000)
		return -1;
	memset(buf, (int)(addr & 0x7f), len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dt_difo_t d;
	dt_pctx_t c;
	char why[256];
	uint64_t rv;
	size_t off = 4;
	uint64_t ints[256];
	char strs[257];
	dif_var_desc_t vars[256];
	dif_instr_t buf[1024];

	if (size < 4)
		return 0;
	if (g_e == NULL) {
		dt_eopts_t o;

		dt_eopts_default(&o);
		o.ncpus = 1;
		o.dynvarsize = 64 << 10;
		o.scratchsize = 16 << 10;
		g_p = dt_prog_new();
		g_e = dt_engine_create(g_p, &o, g_probes, 1, why, sizeof(why));
		if (g_e == NULL || dt_engine_go(g_e, why, sizeof(why)) != 0)
			abort();
	}
	memset(&d, 0, sizeof(d));
	d.intlen = data[0];
	d.strlen = data[1];
	d.varlen = data[2];
	d.rtype.kind = data[3] & 1;
	d.rtype.size = 8;
	if (off + d.intlen * 8 > size)
		return 0;
	memcpy(ints, data + off, d.intlen * 8);
	off += d.intlen * 8;
	if (off + d.strlen > size)
		return 0;
	memcpy(strs, data + off, d.strlen);
	if (d.strlen)
		strs[d.strlen - 1] = '\0';
	off += d.strlen;
	if (off + d.varlen * 2 > size)
		return 0;
	for (uint32_t i = 0; i < d.varlen; i++) {
		uint16_t id;

		memcpy(&id, data + off + i * 2, 2);
		memset(&vars[i], 0, sizeof(vars[i]));
		vars[i].id = id;
		vars[i].scope = (uint8_t)((id & 3) % 3);
		vars[i].kind = (id & 4) ? DIFV_KIND_ARRAY : DIFV_KIND_SCALAR;
		vars[i].type.size = 8;
		if (id & 8) {
			vars[i].type.kind = DIF_TYPE_STRING;
			vars[i].type.flags = DIF_TF_BYREF;
		}
	}
	off += d.varlen * 2;
	d.len = (uint32_t)((size - off) / 4);
	if (d.len > 1024)
		d.len = 1024;
	memcpy(buf, data + off, d.len * 4);
	d.buf = buf;
	d.inttab = ints;
	d.strtab = strs;
	d.vartab = vars;
	if (d.rtype.kind == DIF_TYPE_STRING)
		d.rtype.flags = DIF_TF_BYREF;
	if (dt_verify(&d, why, sizeof(why)) != 0)
		return 0;
	memset(&c, 0, sizeof(c));
	c.probe = 1;
	c.kern.read = fake_read;
	c.user.read = fake_read;
	dt_engine_run_difo(g_e, &d, &c, &rv);
	return 0;
}
