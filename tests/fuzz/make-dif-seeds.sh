#!/bin/sh
# make-dif-seeds.sh OUTDIR [BUILDDIR]: fills OUTDIR with the DIF of every
# conformance program, compiled by the library (dif-seeds, built in
# BUILDDIR, default build/) and written in fuzz-dif's input format
# (owner: DIF engine). The seeds are generated, never committed.
set -e
OUT=${1:?usage: make-dif-seeds.sh OUTDIR [BUILDDIR]}
B=${2:-$(dirname "$0")/../../build}
C=${CONFORMANCE:-/work/shared/conformance}
tool=$B/tests/unit/dif/dif-seeds
[ -f "$B/build.ninja" ] || meson setup "$B" >/dev/null
[ -x "$tool" ] || ninja -C "$B" tests/unit/dif/dif-seeds >/dev/null
mkdir -p "$OUT"
export T="$tool" O="$OUT"
# each batch: dif-seeds FILE... OUTDIR (a program that fails to compile
# just gives no seeds)
find "$C" -name '*.d' -print0 |
	xargs -0 -n 200 sh -c 'exec "$T" "$@" "$O"' sh >/dev/null 2>&1 || true
echo "$(ls "$OUT" | wc -l) seeds in $OUT"
