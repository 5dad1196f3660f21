/* test_error.c: the error table gives every code a message. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/dt_error.h"

static void test_messages(void **state)
{
	(void)state;
	for (int e = EDT_BASE; e < EDT_MAX; e++) {
		assert_non_null(dt_errmsg(e));
		assert_true(strlen(dt_errmsg(e)) > 0);
		assert_string_not_equal(dt_errmsg(e), "unknown error");
	}
	assert_string_equal(dt_errmsg(EDT_NOMEM), "not enough memory");
	assert_string_equal(dt_errmsg(ENOENT), strerror(ENOENT));
	assert_string_equal(dt_errmsg(EDT_MAX), "unknown error");
	assert_string_equal(dt_errmsg(-5), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
