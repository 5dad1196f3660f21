/*
 * test_cg_golden.c: the DIF of a fixed set of programs against checked-in
 * expected listings. Each tests/unit/codegen/golden/NAME.d is compiled (a
 * first line "// -E" compiles in HyperTrace mode against the host BTF);
 * the summary and -S listing must equal NAME.out. HT_GOLDEN_UPDATE=1
 * rewrites the .out files (review the diff before keeping it).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cg_golden_util.h"

static char golden_dir[4096];

static int is_d(const struct dirent *e)
{
	size_t l = strlen(e->d_name);

	return l > 2 && strcmp(e->d_name + l - 2, ".d") == 0;
}

static void test_golden(void **state)
{
	struct dirent **ents;
	int n, i, failures = 0;
	const char *update = getenv("HT_GOLDEN_UPDATE");

	(void)state;
	n = scandir(golden_dir, &ents, is_d, alphasort);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		char path[8192], opath[8192];
		char *src, *got, *want;
		int ht;

		snprintf(path, sizeof(path), "%s/%s", golden_dir,
			 ents[i]->d_name);
		snprintf(opath, sizeof(opath), "%.*s.out",
			 (int)strlen(path) - 2, path);
		src = cg_read_file(path);
		assert_non_null(src);
		ht = strncmp(src, "// -E", 5) == 0;
		if (ht && access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
			/* kernel types needed: a known gap without BTF */
			fprintf(stderr, "skipped %s: no kernel BTF\n",
				ents[i]->d_name);
			free(src);
			free(ents[i]);
			continue;
		}
		got = cg_render(src, DT_SRC_SCRIPT, ht, NULL);
		if (update != NULL && strcmp(update, "1") == 0) {
			FILE *f = fopen(opath, "w");

			assert_non_null(f);
			fputs(got, f);
			fclose(f);
		} else {
			want = cg_read_file(opath);
			if (want == NULL || strcmp(want, got) != 0) {
				fprintf(stderr,
					"golden mismatch: %s\n--- got:\n%s",
					ents[i]->d_name, got);
				failures++;
			}
			free(want);
		}
		free(src);
		free(got);
		free(ents[i]);
	}
	free(ents);
	assert_int_equal(failures, 0);
}

/* Semantics the listings must show, checked directly. */
static void expect_error(const char *src, const char *tag)
{
	char *got = cg_render(src, DT_SRC_SCRIPT, 0, NULL);
	char want[64];

	snprintf(want, sizeof(want), "error [%s]", tag);
	if (strncmp(got, want, strlen(want)) != 0)
		fail_msg("expected %s, got: %s", tag, got);
	free(got);
}

static void test_noreg(void **state)
{
	(void)state;
	expect_error("BEGIN { a = 4; trace((a + a) * ((a + a) * ((a + a) * "
		     "((a + a) * ((a + a) * ((a + a) * (a + a))))))); }",
		     "D_NOREG");
}

/* #pragma D option iregs=N limits the registers the generator uses; more
 * than DIF has is refused at compile time, as Linux DTrace refuses it. */
static void test_iregs(void **state)
{
	char *got;

	(void)state;
	got = cg_render("#pragma D option iregs=9\n"
			"BEGIN { a = 4; trace((a + a) * ((a + a) * ((a + a) * "
			"((a + a) * ((a + a) * ((a + a) * (a + a))))))); }",
			DT_SRC_SCRIPT, 0, NULL);
	assert_non_null(strstr(got, "error [D_PRAGMA_OPTSET]"));
	free(got);
	got = cg_render("#pragma D option iregs=8\n"
			"BEGIN { a = 4; trace((a + a) * (a + a)); }",
			DT_SRC_SCRIPT, 0, NULL);
	assert_null(strstr(got, "error ["));
	free(got);
}

int main(void)
{
	const char *root = getenv("HT_SOURCE_ROOT");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden),
	    cmocka_unit_test(test_noreg),
	    cmocka_unit_test(test_iregs),
	};

	snprintf(golden_dir, sizeof(golden_dir), "%s/tests/unit/codegen/golden",
		 root ? root : ".");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
