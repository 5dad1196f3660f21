#!/usr/bin/env bash
# make bench: every benchmark, each printing its ratio against a baseline
# measured in the same run (gcc, native C, an untraced run, bpftrace, a raw
# socket copy). Nothing here asserts speed; it reports it.
# Env: BUILD / HT_BUILD (build dir, default build/).
set -uo pipefail
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build} HT_BUILD=${HT_BUILD:-$PWD/${BUILD:-build}}
status=0
run() {
	echo "=== bench: $1"
	shift
	"$@" || { echo "bench failed: $*"; status=1; }
}
run compile bench/compile/run.sh "$BUILD"
run engine "$BUILD/bench/engine/bench_engine"
run hostprobes bench/hostprobes/run
run dtraced bench/dtraced/run
run guest bench/guest/run
run hypertrace bench/hypertrace/run
exit $status
