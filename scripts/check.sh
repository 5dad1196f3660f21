#!/usr/bin/env bash
# make check: every test phase, each timed and under a budget, then one
# closing "N passed, N failed" line. Any unexpected failure, any phase over
# budget, and any phase that ran no test makes the whole run fail.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/tests/out
mkdir -p "$OUT"

total_pass=0
total_fail=0
bad_phases=()

# counts_from FILE: prints "P F" from the last "N passed, N failed" line.
counts_from() {
	grep -Eo '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 |
		sed -E 's/([0-9]+) passed, ([0-9]+) failed/\1 \2/'
}

# phase NAME BUDGET_SECONDS CMD...: runs CMD under the budget, tees its output.
phase() {
	local name=$1 budget=$2
	shift 2
	local log=$OUT/phase-$name.log
	echo "=== phase $name (budget ${budget}s) ==="
	local t0=$SECONDS rc
	timeout --kill-after=10 "$budget" bash -c '"$@"' phase-"$name" "$@" \
		2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	local dt=$((SECONDS - t0))
	local pf p f
	pf=$(counts_from "$log")
	p=${pf% *}
	f=${pf#* }
	[ -n "$pf" ] || { p=0; f=0; }
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "phase $name: OVER BUDGET (${budget}s)"
		bad_phases+=("$name:over-budget")
	elif [ "$rc" -ne 0 ]; then
		bad_phases+=("$name:exit-$rc")
	fi
	if [ "$((p + f))" -eq 0 ]; then
		echo "phase $name: ran no test"
		bad_phases+=("$name:no-tests")
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	echo "=== phase $name: ${p} passed, ${f} failed, ${dt}s ==="
}

# meson_unit BUILDDIR: runs the unit suite and turns meson's summary into the
# common closing line.
meson_unit() {
	local dir=$1 log
	log=$(mktemp)
	meson test -C "$dir" --suite unit --print-errorlogs --num-processes 2 \
		2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	local ok fail to
	ok=$(awk '/^Ok:/ {print $2}' "$log")
	fail=$(awk '/^Fail:/ {print $2}' "$log")
	to=$(awk '/^Timeout:/ {print $2}' "$log")
	rm -f "$log"
	echo "${ok:-0} passed, $(( ${fail:-0} + ${to:-0} )) failed"
	return "$rc"
}

build_main() {
	[ -f build/build.ninja ] || meson setup build || return 1
	ninja -C build && echo "1 passed, 0 failed"
}

build_asan() {
	[ -f build-asan/build.ninja ] ||
		meson setup build-asan -Db_sanitize=address,undefined \
			-Db_lundef=false || return 1
	ninja -C build-asan || return 1
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		ASAN_OPTIONS=detect_leaks=1 meson_unit build-asan
}

# The DTrace suites are shared test data beside the repository (CI and
# developers have ../shared/conformance); HT_CONFORMANCE_DIR overrides.
conformance_dir() {
	local d
	for d in "${HT_CONFORMANCE_DIR:-}" "$ROOT/../shared/conformance" \
		/work/shared/conformance; do
		[ -n "$d" ] && [ -f "$d/pure-d.txt" ] && { echo "$d"; return 0; }
	done
	return 1
}

conformance() {
	local dir
	dir=$(conformance_dir) || {
		echo "conformance suites not found (set HT_CONFORMANCE_DIR)"
		return 1
	}
	tests/conformance/run --dtrace "$ROOT/build/cmd/dtrace/dtrace" \
		--suite-dir "$dir" --list "$dir/pure-d.txt" \
		--list "$dir/pure-d-err.txt" --out "$OUT/conformance"
}

e2e() {
	local p=0 f=0 t log pf
	for t in tests/e2e/*/run; do
		[ -x "$t" ] || continue
		log=$(mktemp)
		echo "--- $t"
		timeout --kill-after=10 900 "$t" 2>&1 | tee "$log"
		pf=$(counts_from "$log")
		if [ -z "$pf" ]; then
			echo "$t: no result line"
			f=$((f + 1))
		else
			p=$((p + ${pf% *}))
			f=$((f + ${pf#* }))
		fi
		rm -f "$log"
	done
	echo "$p passed, $f failed"
	[ "$f" -eq 0 ]
}

if d=$(conformance_dir); then
	export HT_CONFORMANCE_DIR=$d CONFORMANCE_DIR=$d
fi

# Phases run under timeout(1) in a child bash, which needs the functions.
export -f counts_from meson_unit build_main build_asan conformance_dir \
	conformance e2e
export ROOT OUT

start=$SECONDS
phase build 900 build_main
phase unit 600 meson_unit build
phase sanitize 1200 build_asan
phase conformance 1800 conformance
phase fuzz 900 ./scripts/fuzz.sh
phase e2e 1800 e2e

echo "=== make check: $((SECONDS - start))s ==="
if [ "${#bad_phases[@]}" -ne 0 ]; then
	echo "failing phases: ${bad_phases[*]}"
	# Repeat each failing phase's failure lines here, where a truncated
	# log still shows them.
	for b in "${bad_phases[@]}"; do
		grep -E 'FAILED|^FAIL|^not ok|OVER BUDGET|XPASS' \
			"$OUT/phase-${b%%:*}.log" | tail -n 10
	done
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && [ "${#bad_phases[@]}" -eq 0 ]
