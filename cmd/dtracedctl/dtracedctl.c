/*
 * dtracedctl.c: talks to the local dtraced over its sub.sock as a control
 * client: status, the list of guests, and cleanup of guests' state, each
 * as text or (-j) JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/dt_dtraced_client.h"
#include "daemon/dtd_proto.h"

static void usage(FILE *fp)
{
	fprintf(fp, "usage: dtracedctl [-j] [-D dir] status\n"
		    "       dtracedctl [-j] [-D dir] guests\n"
		    "       dtracedctl [-j] [-D dir] cleanup [guest ...]\n"
		    "  -D dir  dtraced's state directory (default "
		    "$DTRACED_DIR or /var/ddtrace)\n"
		    "  -j      print JSON\n");
}

/* The INFO request is "status|guests json|text"; the ACK is the answer. */
static int info(dtd_client_t *c, const char *what, int json)
{
	char req[32], *out = NULL;
	int r;

	snprintf(req, sizeof(req), "%s %s", what, json ? "json" : "text");
	r = dtd_client_info_req(c, req, &out);
	if (r == 0) {
		fputs(out, stdout);
		free(out);
	}
	return r;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *cmd;
	dtd_client_t *c;
	int opt, json = 0, err = 0, r;
	char name[64];

	while ((opt = getopt(argc, argv, "jD:h")) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'D':
			dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "status") && strcmp(cmd, "guests") &&
	    strcmp(cmd, "cleanup")) {
		fprintf(stderr, "dtracedctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "cleanup") && optind != argc) {
		usage(stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		if (!dtd_name_valid(argv[i])) {
			fprintf(stderr, "dtracedctl: bad guest name '%s'\n",
				argv[i]);
			return 2;
		}
	snprintf(name, sizeof(name), "dtracedctl-%d", getpid());
	c = dtd_client_open(dir, DTD_KIND_CONTROL, 0, name, &err);
	if (c == NULL) {
		fprintf(stderr, "dtracedctl: cannot reach dtraced in %s\n",
			dtd_client_default_dir(dir));
		return 1;
	}
	if (!strcmp(cmd, "cleanup")) {
		r = dtd_client_cleanup(c, (const char *const *)argv + optind,
				       (size_t)(argc - optind));
		if (r == 0) {
			if (json)
				printf("{\"cleanup\":\"ok\",\"guests\":%d}\n",
				       argc - optind);
			else
				printf("cleanup done (%s)\n",
				       argc > optind ? "named guests"
						     : "everything");
		}
	} else {
		r = info(c, cmd, json);
	}
	if (r < 0)
		fprintf(stderr, "dtracedctl: %s\n", dtd_client_errmsg(c));
	dtd_client_close(c);
	return r < 0 ? 1 : 0;
}
