#!/bin/sh
# bench/compile/run.sh: D compile time vs gcc -fsyntax-only (same run), for
# generated scripts of 10, 100 and 1000 clauses; prints the D/gcc ratio.
# Usage: bench/compile/run.sh [BUILD_DIR] [REPS]
set -e
build=${1:-${BUILD:-build}}
exe="$build/bench/compile/bench_compile"
if [ ! -x "$exe" ]; then
	echo "bench/compile: $exe not built (ninja -C $build)" >&2
	exit 1
fi
exec nice "$exe" "${2:-3}"
