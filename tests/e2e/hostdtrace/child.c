/*
 * child.c: the traced process of tests/e2e/hostdtrace/run (dtrace -c):
 *   child getppid N        makes exactly N getppid() calls
 *   child open PATH MS     opens PATH (which should fail), stays alive MS ms
 *   child reuse PATH N     opens PATH from a buffer N times, each time then
 *                          overwriting the buffer, and stays alive 300 ms
 *   child wait FILE N      once FILE exists, makes N getppid() calls, then
 *                          sleeps 10 s (for dtrace -p)
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "getppid") == 0) {
		long n = atol(argv[2]);

		for (long i = 0; i < n; i++)
			syscall(SYS_getppid); /* no libc caching */
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "open") == 0) {
		long ms = atol(argv[3]);
		struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

		if (open(argv[2], O_RDONLY) >= 0)
			return 1;
		/* alive while dtrace reads our memory (copyinstr) */
		nanosleep(&ts, NULL);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "reuse") == 0) {
		struct timespec ts = {0, 300000000L};
		long n = atol(argv[3]);
		size_t len = strlen(argv[2]);
		char *buf = malloc(len + 1);

		if (buf == NULL)
			return 2;
		for (long i = 0; i < n; i++) {
			memcpy(buf, argv[2], len + 1);
			if (open(buf, O_RDONLY) >= 0)
				return 1;
			/* what a late reader would find instead */
			memset(buf, 'X', len);
		}
		nanosleep(&ts, NULL);
		free(buf);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "wait") == 0) {
		struct timespec ts = {0, 10000000L}, rest = {10, 0};
		long n = atol(argv[3]);

		while (access(argv[2], F_OK) != 0)
			nanosleep(&ts, NULL);
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		nanosleep(&rest, NULL);
		return 0;
	}
	return 2;
}
