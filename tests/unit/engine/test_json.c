/* test_json.c: json()'s selection: values of every kind, indexes and keys,
 * lazily read documents, and malformed or hostile input refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/dt_json.h"

static void sel(const char *doc, const char *s, const char *want)
{
	const char *v = NULL;
	size_t n = 0;
	int rc = dt_json_select(doc, strlen(doc), s, &v, &n);

	if (want == NULL) {
		if (rc == 0)
			fail_msg("%s in %s: got \"%.*s\", want nothing", s, doc,
				 (int)n, v);
		return;
	}
	if (rc != 0)
		fail_msg("%s in %s: nothing, want \"%s\"", s, doc, want);
	if (n != strlen(want) || memcmp(v, want, n) != 0)
		fail_msg("%s in %s: got \"%.*s\", want \"%s\"", s, doc, (int)n,
			 v, want);
}

static void test_select(void **state)
{
	const char *doc = "{ \"top\": { \"mid\" : { \"legs\": \"feet\" }, "
			  "\"n\": -9.5e+3, \"a\":[0,1,{\"x\":[true,null]}]}}";

	(void)state;
	sel("[1,5,10]", "0", "1");
	sel("[1,5,10]", "[2]", "10");
	sel("[1,5,10]", "3", NULL);
	sel("[]", "0", NULL);
	sel("[1]", "-1", NULL);
	sel(doc, "top.mid", "{ \"legs\": \"feet\" }");
	sel(doc, "top.mid.legs", "feet");
	sel(doc, "top.n", "-9.5e+3");
	sel(doc, "top.a[2].x[1]", "null");
	sel(doc, "top.a[2].x[0]", "true");
	sel(doc, "top.a[2].x[2]", NULL);
	sel(doc, "top.nope", NULL);
	sel(doc, "top.mid.legs.deeper", NULL);
	sel(doc, "top[0]", NULL);
	sel("[\"a \\\" \\u00e9\"]", "0", "a \\\" \\u00e9");
}

static void test_malformed(void **state)
{
	char deep[400];

	(void)state;
	/* hex, bad escapes, unterminated text: nothing at or after them */
	sel("[0x10]", "0", NULL);
	sel("[\"ok\", \"bad \\u00AZ\", 3]", "0", "ok");
	sel("[\"ok\", \"bad \\u00AZ\", 3]", "1", NULL);
	sel("[\"ok\", \"bad \\u00AZ\", 3]", "2", NULL);
	sel("[\"unterminated", "0", NULL);
	sel("{\"k\" 1}", "k", NULL);
	sel("[tru]", "0", NULL);
	sel("[1,,2]", "1", NULL);
	sel("[01]", "0", NULL); /* no leading zeros in JSON */
	sel("", "0", NULL);
	sel("[1]", "[0", NULL);
	sel("[1]", "..", NULL);
	/* nesting deeper than the limit is refused, not recursed into */
	memset(deep, '[', 300);
	strcpy(deep + 300, "1");
	sel(deep, "1", NULL);
	/* bounded by the length given, not by a NUL */
	assert_int_equal(dt_json_select("[1,2]", 3, "1", &(const char *){0},
					&(size_t){0}),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
