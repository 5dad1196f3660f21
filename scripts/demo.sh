#!/usr/bin/env bash
# make demo: the main job on its embedded default. Traces the host with a D
# program and prints DTrace-style results. (The guest path replaces this
# once htvm, dtraced and hypertrace.ko run end to end: see scripts/demo-guests.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."
DTRACE=${DTRACE:-build/cmd/dtrace/dtrace}

if [ -x scripts/demo-guests.sh ] && [ "${HT_DEMO_HOST:-0}" != 1 ]; then
	exec scripts/demo-guests.sh
fi

prog='
BEGIN { printf("HyperTrace: tracing the host for 3 seconds\n"); start = timestamp; }
profile-997 { @samples[cpu] = count(); @hist = lquantize(cpu, 0, 4, 1); }
tick-1s { n++; printf("tick %d: %d ms since BEGIN\n", n, (timestamp - start) / 1000000); }
tick-3s { exit(0); }
END { printa("cpu %d: %@d samples\n", @samples); }
'
echo "# $DTRACE -q -n '...'"
exec "$DTRACE" -q -n "$prog"
