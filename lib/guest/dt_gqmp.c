/*
 * dt_gqmp.c: a minimal QMP client for the htvm supervisor: negotiate
 * capabilities, run an HMP command (to read "info mtree -f", the guest RAM
 * layout) or a plain QMP command (quit). Replies are scanned, not parsed in
 * full: we only need the "return" string and to skip events.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "guest/dt_guest.h"

typedef struct qmp {
	int fd;
	char *buf;
	size_t len, cap;
	int timeout_ms;
} qmp_t;

static int qmp_connect(qmp_t *q, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(q, 0, sizeof(*q));
	q->timeout_ms = timeout_ms;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0)
		return -1;
	if (connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(q->fd);
		return -1;
	}
	return 0;
}

/* Reads one line (QMP sends one JSON object per line) into q->buf. */
static char *qmp_line(qmp_t *q)
{
	for (;;) {
		char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
		struct pollfd pfd = {q->fd, POLLIN, 0};
		ssize_t r;

		if (nl) {
			size_t n = nl - q->buf + 1;
			char *line = malloc(n);

			if (!line)
				return NULL;
			memcpy(line, q->buf, n - 1);
			line[n - 1] = 0;
			memmove(q->buf, q->buf + n, q->len - n);
			q->len -= n;
			return line;
		}
		if (q->cap - q->len < 4096) {
			char *nb = realloc(q->buf, q->cap * 2 + 8192);

			if (!nb)
				return NULL;
			q->buf = nb;
			q->cap = q->cap * 2 + 8192;
		}
		if (poll(&pfd, 1, q->timeout_ms) <= 0)
			return NULL;
		r = read(q->fd, q->buf + q->len, q->cap - q->len);
		if (r <= 0)
			return NULL;
		q->len += r;
	}
}

/* Sends cmd and returns the first reply line that is not an event. */
static char *qmp_cmd(qmp_t *q, const char *cmd)
{
	size_t n = strlen(cmd);
	char *line;

	if (write(q->fd, cmd, n) != (ssize_t)n)
		return NULL;
	while ((line = qmp_line(q)) != NULL) {
		if (strstr(line, "\"event\"") == NULL)
			return line;
		free(line);
	}
	return NULL;
}

static void qmp_close(qmp_t *q)
{
	close(q->fd);
	free(q->buf);
}

static int qmp_start(qmp_t *q, const char *path, int timeout_ms)
{
	char *l;

	if (qmp_connect(q, path, timeout_ms) != 0)
		return -1;
	l = qmp_line(q); /* greeting */
	if (!l || !strstr(l, "QMP")) {
		free(l);
		qmp_close(q);
		return -1;
	}
	free(l);
	l = qmp_cmd(q, "{\"execute\":\"qmp_capabilities\"}\n");
	if (!l || !strstr(l, "\"return\"")) {
		free(l);
		qmp_close(q);
		return -1;
	}
	free(l);
	return 0;
}

/* Unescapes the JSON string that starts right after the opening quote. */
static char *json_string(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s && *s != '"'; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		switch (*++s) {
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 'u': /* only ASCII is expected from mtree */
			if (s[1] && s[2] && s[3] && s[4]) {
				char hex[5] = {s[1], s[2], s[3], s[4], 0};

				*o++ = (char)strtol(hex, NULL, 16);
				s += 4;
			}
			break;
		case 0:
			s--;
			break;
		default:
			*o++ = *s;
			break;
		}
	}
	*o = 0;
	return out;
}

char *dt_qmp_hmp(const char *qmp_path, const char *cmdline, int timeout_ms)
{
	qmp_t q;
	char cmd[512], *l, *r, *out = NULL;

	if (qmp_start(&q, qmp_path, timeout_ms) != 0)
		return NULL;
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"human-monitor-command\",\"arguments\":"
		 "{\"command-line\":\"%s\"}}\n",
		 cmdline);
	l = qmp_cmd(&q, cmd);
	if (l && (r = strstr(l, "\"return\"")) != NULL &&
	    (r = strchr(r + 8, '"')) != NULL)
		out = json_string(r + 1);
	free(l);
	qmp_close(&q);
	return out;
}

int dt_qmp_execute(const char *qmp_path, const char *command, int timeout_ms)
{
	qmp_t q;
	char cmd[256], *l;
	int rc;

	if (qmp_start(&q, qmp_path, timeout_ms) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "{\"execute\":\"%s\"}\n", command);
	l = qmp_cmd(&q, cmd);
	rc = (l && strstr(l, "\"return\"")) ? 0 : -1;
	free(l);
	qmp_close(&q);
	return rc;
}
