/* child.c: a known call chain for the stack tests: main -> stk_outer ->
 * stk_middle -> stk_inner -> getppid(), N times (argv[1], default 5).
 * Built with frame pointers so the kernel can walk the user stack. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int stk_inner(int x)
{
	return (int)getppid() + x;
}

__attribute__((noinline)) int stk_middle(int x)
{
	return stk_inner(x) + 1;
}

__attribute__((noinline)) int stk_outer(int x)
{
	return stk_middle(x) + 1;
}

/* "spin [S]": burn the CPU in stk_spin for S seconds, 2 by default
 * (profile and pid provider tests) */
__attribute__((noinline)) long stk_spin(long n)
{
	long s = 0;

	for (long i = 0; i < n; i++)
		s += i ^ (s >> 3);
	return s;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5, s = 0;

	if (argc > 1 && strcmp(argv[1], "spin") == 0) {
		time_t t0 = time(NULL);
		long v = 0, secs = argc > 2 ? atol(argv[2]) : 2;

		while (time(NULL) - t0 < secs)
			v += stk_spin(1000000);
		return v == 42;
	}
	for (int i = 0; i < n; i++)
		s += stk_outer(i);
	/* stay a moment so the consumer can still read our maps */
	usleep(200000);
	return s == 0;
}
