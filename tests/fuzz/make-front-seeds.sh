#!/bin/sh
# make-front-seeds.sh [OUTDIR]: fills the seed corpus of fuzz-front with
# every D program of the conformance suites (owner: front end).
OUT=${1:-$(dirname "$0")/seeds/fuzz-front}
C=${CONFORMANCE:-/work/shared/conformance}
mkdir -p "$OUT"
find "$C" -name '*.d' | while read -r f; do
	cp "$f" "$OUT/$(echo "$f" | md5sum | cut -c1-16).d"
done
echo "$(ls "$OUT" | wc -l) seeds in $OUT"
