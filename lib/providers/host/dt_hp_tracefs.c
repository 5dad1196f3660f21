/*
 * dt_hp_tracefs.c: finds tracefs (mounting it at /sys/kernel/tracing when
 * nothing is mounted) and reads its small files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "providers/host/dt_hp_impl.h"

static int has_events(const char *dir)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/available_events", dir);
	return access(p, R_OK) == 0;
}

int dt_hp_tracefs_find(const char *want, char *path, size_t len)
{
	static const char *const cand[] = {"/sys/kernel/tracing",
					   "/sys/kernel/debug/tracing"};

	if (want != NULL) {
		if (!has_events(want)) {
			errno = ENOENT;
			return -1;
		}
		snprintf(path, len, "%s", want);
		return 0;
	}
	for (size_t i = 0; i < 2; i++) {
		if (has_events(cand[i])) {
			snprintf(path, len, "%s", cand[i]);
			return 0;
		}
	}
	/* Not mounted: mount it where the kernel provides the mount point. */
	if (mount("nodev", cand[0], "tracefs", 0, NULL) != 0)
		return -1;
	if (!has_events(cand[0])) {
		errno = ENOENT;
		return -1;
	}
	snprintf(path, len, "%s", cand[0]);
	return 0;
}

char *dt_hp_read_file(const char *path, size_t *lenp)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || buf == NULL) {
		int e = errno;
		free(buf);
		if (fd >= 0)
			close(fd);
		errno = e;
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (lenp != NULL)
		*lenp = n;
	return buf;
}
