/*
 * workload: the guest test workload. Makes exactly N getppid system calls
 * (its comm is "workload" because of its file name) and prints the time per
 * call, which the benchmarks use as ns per guest syscall.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000, i;
	struct timespec t0, t1;
	double ns;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("workload: %ld calls %.0f ns/call\n", n, n ? ns / n : 0.0);
	return 0;
}
