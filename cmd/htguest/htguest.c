/*
 * htguest: the guest's HyperTrace program command, run by the guest's
 * dtraced minion (`dtraced -m -c 'htguest "$1" "$2"'`) on each program from
 * the host: links it against this kernel's BTF, or, for an ENABLE, enables
 * its probes in hypertrace.ko until SIGTERM. See lib/hypertrace.
 */
#include <stdio.h>

#include "hypertrace/dt_hypertrace.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: htguest PROGRAM OUTPUT\n");
		return 2;
	}
	return dt_ht_guest_main(argv[1], argv[2]);
}
