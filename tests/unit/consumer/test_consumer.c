/* test_consumer.c: printing as DTrace prints: the default per-probe output
 * (with and without _DTRACE_TESTING), trace() of each type, printf
 * conversions, aggregation printing with histograms, printa formats,
 * sorting and the fault message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../engine/dt_tprog.h"
#include "consumer/dt_consume.h"

static char *g_buf;
static size_t g_len;

/* Fires probes (list ends with 0) and returns everything printed. */
static const char *runp(dt_prog_t *p, const dt_copts_t *co, const int *probes,
			int final)
{
	FILE *f;
	dt_engine_t *e = tp_engine(p, NULL);
	dt_consumer_t *c;

	free(g_buf);
	g_buf = NULL;
	f = open_memstream(&g_buf, &g_len);
	c = dt_consumer_create(e, f, f, co);
	dt_engine_set_errhandler(e, dt_consumer_errhandler, c);
	for (int i = 0; probes[i]; i++) {
		tp_fire(e, (uint32_t)probes[i], 1);
		dt_consumer_drain(c);
	}
	if (final)
		dt_consumer_print_aggs(c);
	fclose(f);
	dt_consumer_destroy(c);
	dt_engine_destroy(e);
	return g_buf;
}

static void test_default_output(void **state)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s = tp_stmt(p, "dtrace", "BEGIN", NULL);
	dt_copts_t co = {0};
	static const int begin[] = {1, 0};
	dt_action_t *a;

	(void)state;
	a = tp_act(s, DT_ACT_DIFEXPR, ".rtype int 4 signed\nsetx 1, %r1\nret %r1",
		   NULL, NULL);
	(void)a;
	tp_act(s, DT_ACT_DIFEXPR, ".rtype string\nsets \"hello\", %r1\nret %r1",
	       NULL, NULL);
	tp_act(s, DT_ACT_EXIT, "ret %r0", NULL, NULL);
	co.testing = 1;
	assert_string_equal(runp(p, &co, begin, 0),
			    "                   FUNCTION:NAME\n"
			    "                          :BEGIN           1"
			    "  hello                            \n");
	co.testing = 0;
	assert_string_equal(runp(p, &co, begin, 0),
			    "CPU     ID                    FUNCTION:NAME\n"
			    "  0      1                           :BEGIN         1"
			    "  hello                            \n");
	co.quiet = 1;
	assert_string_equal(runp(p, &co, begin, 0), "1hello");
	dt_prog_free(p);
}

static void test_printf(void **state)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s = tp_stmt(p, "dtrace", "BEGIN", NULL);
	dt_copts_t co = {.quiet = 1};
	static const int begin[] = {1, 0};
	dt_action_t *a;

	(void)state;
	a = tp_act(s, DT_ACT_PRINTF, "setx 42, %r1\nret %r1",
		   ".rtype string\nsets \"ab\", %r1\nret %r1",
		   "setx 255, %r1\nret %r1");
	dt_action_add_difo(a, tp_asm("setx 65, %r1\nret %r1"));
	dt_action_add_difo(a, tp_asm(".rtype int 8 signed\nsetx -5, %r1\nret %r1"));
	dt_action_add_difo(a, tp_asm("setx 6, %r1\nret %r1"));
	dt_action_add_difo(a, tp_asm("setx 7, %r1\nret %r1"));
	dt_action_add_difo(a, tp_asm(".rtype string\nsets \"a\\tb\", %r1\nret %r1"));
	dt_action_add_difo(a, tp_asm("setx 8, %r1\nret %r1"));
	dt_action_add_difo(a, tp_asm("setx 0x1ff, %r1\nret %r1"));
	a->fmt = (uint32_t)dt_prog_add_fmt(
		p, DT_ACT_PRINTF,
		"%d|%5s|%-4x|%c|%+i|%*d|%S|%o|%hhu|%%|%X\n");
	dt_action_add_difo(a, tp_asm("setx 255, %r1\nret %r1"));
	assert_string_equal(runp(p, &co, begin, 0),
			    "42|   ab|ff  |A|-5|     7|a\\tb|10|255|%|FF\n");
	dt_prog_free(p);
}

static void test_quantize(void **state)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s = tp_stmt(p, "profile", "tick-1s", NULL);
	dt_copts_t co = {.quiet = 1};
	static const int ticks[] = {4, 4, 4, 4, 0};

	(void)state;
	dt_prog_add_agg(p, "q", DT_AGG_QUANTIZE);
	tp_act(s, DT_ACT_AGGREGATION,
	       ".var 0x500 global scalar int\nldgs 0x500, %r1\nret %r1", NULL,
	       NULL);
	tp_act(s, DT_ACT_DIFEXPR,
	       ".var 0x500 global scalar int\nldgs 0x500, %r1\nsetx 3, %r2\n"
	       "add %r1, %r2, %r1\nstgs 0x500, %r1\nret %r1", NULL, NULL);
	s->acts[1].kind = DT_ACT_NONE; /* computes, prints nothing */
	assert_string_equal(
		runp(p, &co, ticks, 1),
		"\n"
		"           value  ------------- Distribution ------------- count    \n"
		"              -1 |                                         0        \n"
		"               0 |@@@@@@@@@@                               1        \n"
		"               1 |                                         0        \n"
		"               2 |@@@@@@@@@@                               1        \n"
		"               4 |@@@@@@@@@@                               1        \n"
		"               8 |@@@@@@@@@@                               1        \n"
		"              16 |                                         0        \n"
		"\n");
	dt_prog_free(p);
}

static void test_keyed_counts(void **state)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s;
	dt_copts_t co = {.quiet = 1};
	static const int probes[] = {1, 4, 4, 0};
	dt_action_t *a;
	int k;

	(void)state;
	k = dt_prog_add_agg(p, "c", DT_AGG_COUNT);
	p->aggs[k].nkeys = 1;
	p->aggs[k].keys = calloc(1, sizeof(dif_type_t));
	p->aggs[k].keys[0].kind = DIF_TYPE_STRING;
	s = tp_stmt(p, "dtrace", "BEGIN", NULL);
	tp_act(s, DT_ACT_AGGREGATION, ".rtype string\nsets \"begin\", %r1\nret %r1",
	       NULL, NULL);
	s = tp_stmt(p, "profile", "tick-1s", NULL);
	tp_act(s, DT_ACT_AGGREGATION, ".rtype string\nsets \"tick\", %r1\nret %r1",
	       NULL, NULL);
	/* default print: sorted by value, key "  %-50s", value " %16lld" */
	assert_string_equal(runp(p, &co, probes, 1),
			    "  begin                                             "
			    "                1\n"
			    "  tick                                              "
			    "                2\n");
	/* printa with a format */
	s = tp_stmt(p, "dtrace", "END", NULL);
	a = tp_act(s, DT_ACT_PRINTA, NULL, NULL, NULL);
	dt_action_add_arg(a, 0);
	a->fmt = (uint32_t)dt_prog_add_fmt(p, DT_ACT_PRINTA, "%s=%@d;");
	{
		static const int p2[] = {1, 4, 4, 2, 0};

		assert_string_equal(runp(p, &co, p2, 1), "begin=1;tick=2;");
	}
	dt_prog_free(p);
}

static void test_fault_message(void **state)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s = tp_stmt(p, "dtrace", "BEGIN", NULL);
	dt_copts_t co = {.quiet = 1};
	static const int begin[] = {1, 0};

	(void)state;
	tp_act(s, DT_ACT_DIFEXPR, "setx 8, %r1\nnop\nldx %r1, %r2\nret %r2", NULL,
	       NULL);
	assert_string_equal(runp(p, &co, begin, 0),
			    "dtrace: error on enabled probe ID 1 (ID 1: "
			    "dtrace:::BEGIN): invalid address (0x8) in action #1 "
			    "at DIF offset 2\n");
	dt_prog_free(p);
}

static void test_printf_direct(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int64_t v = 1234567;
	int32_t w = -7;
	dt_pfarg_t a[3] = {{&v, 8, DT_REC_SIGNED}, {&w, 4, DT_REC_SIGNED},
			   {"str", 4, DT_REC_STR}};

	(void)state;
	assert_int_equal(dt_printf_fmt(f, "%'d %05d %.2s %-6s| %e %g %x", a, 3),
			 -1); /* too few arguments */
	fclose(f);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(dt_printf_fmt(f, "[%10d][%-5d][%.2s][%lu]", a, 3), -1);
	fclose(f);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(dt_printf_fmt(f, "[%10d][%-5d][%.2s]", a, 3), 3);
	fclose(f);
	assert_string_equal(buf, "[   1234567][-7   ][st]");
	free(buf);
}


/* -x oformat=json: FreeBSD's structured output (dtrace(1) STRUCTURED
 * OUTPUT): probe objects with an "output" array of trace values, printf
 * message plus raw arguments, printa aggregations; the aggregations left
 * at exit in a pseudo-probe; one document closed at destroy. */
static void test_json(void **state)
{
	dt_prog_t *p = dt_prog_new();
	dt_stmt_t *s = tp_stmt(p, "dtrace", "BEGIN", NULL);
	dt_copts_t co = {.json = 1};
	static const int probes[] = {1, 4, 4, 0};
	dt_action_t *a;
	const char *out;
	int k;

	(void)state;
	tp_act(s, DT_ACT_DIFEXPR, ".rtype int 4 signed\nsetx -1, %r1\nret %r1",
	       NULL, NULL);
	tp_act(s, DT_ACT_DIFEXPR,
	       ".rtype string\nsets \"a\\\"b\", %r1\nret %r1", NULL, NULL);
	a = tp_act(s, DT_ACT_PRINTF, "setx 42, %r1\nret %r1", NULL, NULL);
	a->fmt = (uint32_t)dt_prog_add_fmt(p, DT_ACT_PRINTF, "n=%d\n");
	k = dt_prog_add_agg(p, "c", DT_AGG_COUNT);
	p->aggs[k].nkeys = 1;
	p->aggs[k].keys = calloc(1, sizeof(dif_type_t));
	p->aggs[k].keys[0].kind = DIF_TYPE_STRING;
	dt_prog_add_agg(p, "q", DT_AGG_QUANTIZE);
	s = tp_stmt(p, "profile", "tick-1s", NULL);
	tp_act(s, DT_ACT_AGGREGATION, ".rtype string\nsets \"tick\", %r1\nret %r1",
	       NULL, NULL);
	tp_act(s, DT_ACT_AGGREGATION, "setx 5, %r1\nret %r1", NULL, NULL);
	s->acts[1].arg = (uint32_t)1;
	out = runp(p, &co, probes, 1);
	assert_non_null(out);
	assert_true(strncmp(out, "{\"dtrace\": {\"probes\": [", 23) == 0);
	assert_non_null(strstr(out, "\"cpu\": 0, \"id\": 1, \"provider\": "
				    "\"dtrace\", \"module\": \"\", "
				    "\"function\": \"\", \"name\": \"BEGIN\", "
				    "\"output\": [{\"value\": -1}, "
				    "{\"value\": \"a\\\"b\"}, "
				    "{\"message\": \"n=42\\n\"}, "
				    "{\"value\": 42}]}"));
	assert_null(strstr(out, "tick-1s")); /* no record: aggregations only */
	assert_non_null(strstr(out, "\"name\": \"AGGREGATIONS\", \"output\": "
				    "[{\"aggregation-name\": \"c\", "
				    "\"aggregation-data\": [{\"keys\": "
				    "[\"tick\"], \"count\": 2}]}"));
	assert_non_null(strstr(out, "{\"value\": 4, \"count\": 2}"));
	assert_string_equal(out + strlen(out) - 5, "\n]}}\n");
	/* quiet changes nothing in structured output */
	co.quiet = 1;
	assert_non_null(strstr(runp(p, &co, probes, 1), "\"name\": \"BEGIN\""));
	dt_prog_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_output),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_quantize),
		cmocka_unit_test(test_keyed_counts),
		cmocka_unit_test(test_fault_message),
		cmocka_unit_test(test_printf_direct),
		cmocka_unit_test(test_json),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(g_buf);
	return rc;
}
