#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for
# FUZZ_SECONDS (default 60), seeded from its corpus directory. Prints
# executions and coverage per target and a closing "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
# make check replays the same search every run (seed 1), so a red run can
# be reproduced; FUZZ_SEED=0 lets libFuzzer pick a new seed for campaigns.
seed=${FUZZ_SEED:-1}
# Undefined behaviour is a finding like a crash, not a line in the log.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false \
		-Db_sanitize=address,undefined -Db_lundef=false || exit 1
fi
ninja -C build-fuzz || exit 1
# fuzz-front is seeded with every D program of the conformance suites,
# copied at run time rather than kept in the repository.
cdir=${HT_CONFORMANCE_DIR:-../shared/conformance}
if [ -d "$cdir" ] && [ ! -d tests/out/fuzz/seeds-front ]; then
	CONFORMANCE=$cdir tests/fuzz/make-front-seeds.sh tests/out/fuzz/seeds-front
fi
# fuzz-dif is seeded with the DIF of those programs, compiled at run time
# by a regular (tests-enabled) build.
if [ -d "$cdir" ] && [ ! -d tests/out/fuzz/seeds-dif ]; then
	CONFORMANCE=$cdir tests/fuzz/make-dif-seeds.sh tests/out/fuzz/seeds-dif \
		"${HT_BUILD:-build}" || rm -rf tests/out/fuzz/seeds-dif
fi
pass=0
fail=0
for t in build-fuzz/tests/fuzz/fuzz-*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name=$(basename "$t")
	corpus=tests/out/fuzz/$name
	mkdir -p "$corpus"
	seeds=()
	[ -d "tests/fuzz/seeds/$name" ] && seeds+=("tests/fuzz/seeds/$name")
	[ "$name" = fuzz-front ] && [ -d tests/out/fuzz/seeds-front ] &&
		seeds+=(tests/out/fuzz/seeds-front)
	[ "$name" = fuzz-dif ] && [ -d tests/out/fuzz/seeds-dif ] &&
		seeds+=(tests/out/fuzz/seeds-dif)
	log=tests/out/fuzz/$name.log
	echo "--- $name: ${secs}s, seed $seed"
	if "$t" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=4096 \
		-timeout=10 -seed="$seed" -artifact_prefix="tests/out/fuzz/$name-" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
		grep -E 'stat::number_of_executed_units|cov:' "$log" | tail -n 2
		pass=$((pass + 1))
	else
		tail -n 40 "$log"
		# One line that survives any truncation of the output: what
		# failed, where, and how to replay it.
		why=$(grep -m 1 -E '^SUMMARY:|ERROR: libFuzzer|==ERROR' "$log")
		art=$(grep -m 1 -Eo '(crash|leak|timeout|oom|slow-unit)-[0-9a-f]+' "$log")
		echo "$name: FAILED: ${why:-non-zero exit} (log: $log${art:+, input: $art})"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
