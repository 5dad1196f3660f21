/* test_hp_copy.c: the in-kernel string copies as the consumer sees them:
 * parsing the BPF records (dt_hp_bpf_copy), pairing them with their
 * sample's thread and probe, and dt_hostevent_read_user() serving
 * copyin/copyinstr from them (and nothing it does not hold). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "providers/host/dt_hp_impl.h"

/* A record as the BPF program writes it. */
static size_t rec(uint8_t *b, uint32_t probe, uint64_t addr, int32_t res,
		  const char *s)
{
	uint32_t magic = 0x50435448u, argi = 1;

	memset(b, 0, 24 + DT_HP_COPYMAX);
	memcpy(b, &magic, 4);
	memcpy(b + 4, &probe, 4);
	memcpy(b + 8, &addr, 8);
	memcpy(b + 16, &argi, 4);
	memcpy(b + 20, &res, 4);
	if (s != NULL)
		memcpy(b + 24, s, strlen(s) + 1);
	return 24 + DT_HP_COPYMAX;
}

static dt_hostprobe_t *handle(void)
{
	dt_hostprobe_t *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	h->ncpus = 2;
	h->copies = calloc(2, sizeof(*h->copies));
	assert_non_null(h->copies);
	return h;
}

static void release(dt_hostprobe_t *h)
{
	free(h->copies);
	free(h);
}

static void test_parse(void **state)
{
	uint8_t b[24 + DT_HP_COPYMAX];
	dt_hostprobe_t *h = handle();
	dt_hp_copies_t *c = &h->copies[1];

	(void)state;
	dt_hp_bpf_copy(h, 1, 77, b, rec(b, 5, 0x1000, 6, "/tmp/"));
	assert_int_equal(c->n, 1);
	assert_int_equal(c->tid, 77);
	assert_int_equal(c->probe, 5);
	assert_int_equal(c->c[0].addr, 0x1000);
	assert_int_equal(c->c[0].len, 5);
	assert_true(c->c[0].complete);
	assert_false(c->c[0].fault);
	assert_string_equal(c->c[0].data, "/tmp/");
	/* a second argument of the same firing adds to it */
	dt_hp_bpf_copy(h, 1, 77, b, rec(b, 5, 0x2000, 2, "x"));
	assert_int_equal(c->n, 2);
	/* another thread's copy starts again */
	dt_hp_bpf_copy(h, 1, 78, b, rec(b, 5, 0x3000, 2, "y"));
	assert_int_equal(c->n, 1);
	assert_int_equal(c->tid, 78);
	/* a fault, a cut string, bad records */
	dt_hp_bpf_copy(h, 0, 1, b, rec(b, 5, 0x10, -14, NULL));
	assert_true(h->copies[0].c[0].fault);
	{
		/* a string as long as the copy: cut, its 255 bytes kept */
		char longs[DT_HP_COPYMAX];

		memset(longs, 'a', sizeof(longs) - 1);
		longs[sizeof(longs) - 1] = '\0';
		dt_hp_bpf_copy(h, 0, 2, b,
			       rec(b, 5, 0x10, DT_HP_COPYMAX, longs));
		assert_false(h->copies[0].c[0].complete);
		assert_int_equal(h->copies[0].c[0].len, DT_HP_COPYMAX - 1);
	}
	/* a record shorter than its claimed length: only what came */
	h->copies[0].n = 0;
	rec(b, 5, 0x10, 200, "abcdef");
	dt_hp_bpf_copy(h, 0, 9, b, 24 + 3);
	assert_int_equal(h->copies[0].c[0].len, 3);
	assert_string_equal(h->copies[0].c[0].data, "abc");
	h->copies[0].n = 0;
	rec(b, 5, 0x10, 3, "ab");
	b[0] ^= 1; /* not our magic */
	dt_hp_bpf_copy(h, 0, 3, b, sizeof(b));
	assert_int_equal(h->copies[0].n, 0);
	dt_hp_bpf_copy(h, 0, 3, b, 10);	       /* too short */
	dt_hp_bpf_copy(h, 5, 3, b, sizeof(b)); /* no such ring */
	dt_hp_bpf_copy(h, -1, 3, b, sizeof(b));
	assert_int_equal(h->copies[0].n, 0);
	/* a lying length never reaches past the string */
	dt_hp_bpf_copy(h, 0, 4, b, rec(b, 5, 0x10, 1 << 30, "ab"));
	assert_int_equal(h->copies[0].c[0].len, 2);
	release(h);
}

static void test_read(void **state)
{
	dt_hostcopy_t c[2] = {
	    {.addr = 0x1000, .data = "/etc/passwd", .len = 11, .complete = 1},
	    {.addr = 0x5000, .data = "cut", .len = 3, .complete = 0},
	};
	dt_hostevent_t ev;
	char buf[64];

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.pid = 999999999; /* no such process: only copies can answer */
	ev.copies = c;
	ev.ncopies = 2;
	/* copyinstr(addr) reads strsize bytes: the string, then zeros */
	memset(buf, 'Q', sizeof(buf));
	assert_int_equal(dt_hostevent_read_user(&ev, 0x1000, buf, 32), 0);
	assert_string_equal(buf, "/etc/passwd");
	assert_int_equal(buf[31], 0);
	/* inside the string */
	assert_int_equal(dt_hostevent_read_user(&ev, 0x1005, buf, 3), 0);
	assert_memory_equal(buf, "pas", 3);
	/* its NUL */
	assert_int_equal(dt_hostevent_read_user(&ev, 0x100b, buf, 1), 0);
	assert_int_equal(buf[0], 0);
	/* a cut string: its bytes, but not what lies beyond */
	assert_int_equal(dt_hostevent_read_user(&ev, 0x5000, buf, 3), 0);
	assert_int_equal(dt_hostevent_read_user(&ev, 0x5000, buf, 40), -1);
	/* elsewhere: the process, which is not there */
	assert_int_equal(dt_hostevent_read_user(&ev, 0xfff, buf, 4), -1);
	assert_int_equal(dt_hostevent_read_user(&ev, 0x100c, buf, 1), -1);
	/* a faulted copy answers nothing */
	c[0].fault = 1;
	assert_int_equal(dt_hostevent_read_user(&ev, 0x1000, buf, 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
