/* test_glob.c: probe-description globbing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/dt_glob.h"

static void test_glob(void **state)
{
	(void)state;
	assert_true(dt_glob_match(NULL, "anything"));
	assert_true(dt_glob_match("", "anything"));
	assert_true(dt_glob_match("BEGIN", "BEGIN"));
	assert_false(dt_glob_match("BEGIN", "BEGINx"));
	assert_true(dt_glob_match("tick-*", "tick-1s"));
	assert_false(dt_glob_match("tick-*", "profile-97"));
	assert_true(dt_glob_match("vm?", "vm1"));
	assert_false(dt_glob_match("vm?", "vm12"));
	assert_true(dt_glob_match("sys_[eo]*", "sys_enter"));
	assert_false(dt_glob_match("sys_[eo]*", "sys_xit"));
	assert_true(dt_glob_match("a\\*b", "a*b"));
	assert_false(dt_glob_match("a\\*b", "axb"));
	assert_true(dt_glob_match("Linux-6.*", "Linux-6.1.0-56-amd64"));
	assert_false(dt_glob_match("x", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
