/* test_proto.c: unit tests for the dtraced frame and payload codecs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/dtd_proto.h"

static void t_roundtrip(void **st)
{
	uint8_t id[16], *f;
	size_t n, used, need;
	dtd_frame_t fr;
	const char *why;
	int nak;

	memset(id, 0xab, sizeof(id));
	f = dtd_frame_build(DTD_ELF, id, "hello", 5, &n);
	assert_non_null(f);
	assert_int_equal(n, DTD_HDR_SIZE + 5);
	assert_memory_equal(f, "HTDD", 4);
	assert_int_equal(dtd_frame_parse(f, n, &fr, &used, &need, &nak, &why),
			 1);
	assert_int_equal(used, n);
	assert_int_equal(fr.type, DTD_ELF);
	assert_int_equal(fr.length, 5);
	assert_memory_equal(fr.ident, id, 16);
	assert_memory_equal(fr.payload, "hello", 5);
	/* Every strict prefix asks for more, with the right total. */
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(
		    dtd_frame_parse(f, k, &fr, &used, &need, &nak, &why), 0);
		if (k >= DTD_HDR_SIZE)
			assert_int_equal(need, n);
	}
	free(f);
}

static void t_bad_headers(void **st)
{
	size_t n, used;
	uint8_t *f = dtd_frame_build(DTD_INFO, NULL, "x", 1, &n);
	dtd_frame_t fr;
	const char *why;
	int nak;

	f[0] = 'X';
	assert_int_equal(dtd_frame_parse(f, 1, &fr, &used, NULL, &nak, &why),
			 -1);
	f[0] = 'H';
	dtd_put16(f + DTD_OFF_VERSION, 9);
	assert_int_equal(dtd_frame_parse(f, n, &fr, &used, NULL, &nak, &why),
			 -1);
	assert_int_equal(nak, DTD_NAK_VERSION);
	dtd_put16(f + DTD_OFF_VERSION, DTD_VERSION);
	dtd_put16(f + DTD_OFF_TYPE, 99);
	assert_int_equal(dtd_frame_parse(f, n, &fr, &used, NULL, &nak, &why),
			 -1);
	dtd_put16(f + DTD_OFF_TYPE, DTD_INFO);
	dtd_put64(f + DTD_OFF_LENGTH, DTD_MAX_PAYLOAD + 1);
	/* Refused from the header alone, before any payload. */
	assert_int_equal(
	    dtd_frame_parse(f, DTD_HDR_SIZE, &fr, &used, NULL, &nak, &why), -1);
	assert_int_equal(nak, DTD_NAK_TOOBIG);
	dtd_put64(f + DTD_OFF_LENGTH, 1);
	f[DTD_HDR_SIZE] ^= 1;
	assert_int_equal(dtd_frame_parse(f, n, &fr, &used, NULL, &nak, &why),
			 -1);
	assert_int_equal(nak, DTD_NAK_SHA);
	free(f);
}

static void t_hello(void **st)
{
	uint8_t ids[2 * DTD_HELLO_ID_SIZE], *p;
	size_t n;
	dtd_hello_t h;
	const char *why;

	memset(ids, 1, sizeof(ids));
	p = dtd_hello_build(DTD_KIND_CONSUMER, DTD_SUB_ELF, 42, 0, "dtrace",
			    ids, 2, &n);
	assert_int_equal(dtd_hello_parse(p, n, &h, &why), 0);
	assert_int_equal(h.kind, DTD_KIND_CONSUMER);
	assert_int_equal(h.pid, 42);
	assert_string_equal(h.name, "dtrace");
	assert_int_equal(h.nids, 2);
	assert_int_equal(dtd_hello_parse(p, n - 1, &h, &why), -1);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(dtd_hello_parse(p, k, &h, &why), -1);
	dtd_put32(p, 7);
	assert_int_equal(dtd_hello_parse(p, n, &h, &why), -1);
	free(p);
}

static void t_elf_kill_cleanup(void **st)
{
	uint8_t src[16], *p;
	size_t n;
	dtd_elf_t e;
	char name[256];
	const char *why;
	const char *names[] = {"g1", "guest-2"};

	memset(src, 3, 16);
	p = dtd_elf_meta_build(src, -4, DTD_ELF_REPLY, "g1", &n);
	assert_int_equal(dtd_elf_parse(p, n, &e, &why), 0);
	assert_int_equal(e.status, -4);
	assert_string_equal(e.name, "g1");
	assert_int_equal(e.datalen, 0);
	free(p);
	p = dtd_elf_meta_build(src, 0, 0, "../x", &n);
	assert_int_equal(dtd_elf_parse(p, n, &e, &why), -1);
	free(p);
	p = dtd_kill_build("g1", &n);
	assert_int_equal(dtd_kill_parse(p, n, name, &why), 0);
	assert_string_equal(name, "g1");
	assert_int_equal(dtd_kill_parse(p, n - 1, name, &why), -1);
	free(p);
	p = dtd_cleanup_build(names, 2, &n);
	assert_int_equal(dtd_cleanup_parse(p, n, NULL, NULL, &why), 0);
	assert_int_equal(dtd_cleanup_parse(p, n - 1, NULL, NULL, &why), -1);
	dtd_put32(p, 3);
	assert_int_equal(dtd_cleanup_parse(p, n, NULL, NULL, &why), -1);
	free(p);
}

static void t_names_idents(void **st)
{
	uint8_t id[16], back[16];
	char hex[33];

	assert_true(dtd_name_valid("vm-1.test_2"));
	assert_false(dtd_name_valid(""));
	assert_false(dtd_name_valid(".hidden"));
	assert_false(dtd_name_valid("a/b"));
	assert_int_equal(dtd_ident_random(id), 0);
	dtd_ident_hex(id, hex);
	assert_int_equal(strlen(hex), 32);
	assert_int_equal(dtd_ident_parse(hex, back), 0);
	assert_memory_equal(id, back, 16);
	hex[5] = 'G';
	assert_int_equal(dtd_ident_parse(hex, back), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_roundtrip),
	    cmocka_unit_test(t_bad_headers),
	    cmocka_unit_test(t_hello),
	    cmocka_unit_test(t_elf_kill_cleanup),
	    cmocka_unit_test(t_names_idents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
