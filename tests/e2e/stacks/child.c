/* child.c: a known call chain for the stack tests: main -> stk_outer ->
 * stk_middle -> stk_inner -> getppid(), N times (argv[1], default 5).
 * Built with frame pointers so the kernel can walk the user stack. */
#include <stdlib.h>
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

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5, s = 0;

	for (int i = 0; i < n; i++)
		s += stk_outer(i);
	/* stay a moment so the consumer can still read our maps */
	usleep(200000);
	return s == 0;
}
