#!/bin/sh
# conformance.sh BUILD_DIR [err|ok]: runs dtfront-check over the conformance
# lists (err: the err.D_* tests of pure-d-err.txt, whose first error must be
# "[D_TAG] line N:"; ok: pure-d.txt, which must compile) and prints the
# failures and "N passed, N failed". The program is copied to a neutral
# name first: nothing reads the tag from the file name.
# Tests named in conformance-xfail.txt may fail (expected failures, with
# their reason); the exit status is 0 when nothing else fails.
# Owner: front end.
B=${1:-build-front}
MODE=${2:-err}
C=${CONFORMANCE:-$(dirname "$0")/../../../../shared/conformance}
XF=$(dirname "$0")/conformance-xfail.txt
[ -d "$C" ] || { echo "no conformance suites at $C"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
CHK=$(readlink -f "$B")/tests/unit/front/dtfront-check
pass=0; fail=0; xfail=0
if [ "$MODE" = err ]; then LIST=$(grep 'err\.D_' $C/pure-d-err.txt); else LIST=$(cat $C/pure-d.txt); fi
report() {
	if grep -q "^$1	" "$XF"; then
		xfail=$((xfail+1)); echo "XFAIL $1: $(echo "$2" | head -1)"
	else
		fail=$((fail+1)); echo "FAIL $1: $(echo "$2" | head -1)"
	fi
}
for f in $LIST; do
	opts=$(awk -F'\t' -v p="$f" '$1==p {print $11}' $C/manifest.tsv)
	case $f in
	illumos/*) flags=-C; dir=$(dirname $C/$f);;
	*)	flags=; dir=$C/dtrace-utils
		d=$(dirname $f)
		while [ "$d" != . ] && [ "$d" != / ]; do
			[ -f $C/$d/test.options ] && opts="$opts $(sed -n 's/.*@@runtest-opts:\(.*\)/\1/p' $C/$d/test.options)"
			d=$(dirname $d)
		done;;
	esac
	set -- $opts
	while [ $# -gt 0 ]; do
		case $1 in
		-I|-D|-U) flags="$flags $1$2"; shift;;
		-I*|-D*|-U*) flags="$flags $1";;
		-x*) flags="$flags $1";;
		-C|-[a-zA-Z]*C*) flags="$flags -C";;
		esac
		shift
	done
	cp $C/$f $T/prog.d
	out=$(cd $dir && timeout 10 $CHK $flags $T/prog.d 2>&1)
	rc=$?
	if [ "$MODE" = err ]; then
		tag=$(echo $f | sed 's/.*err\.\(D_[A-Z0-9_]*\).*/\1/')
		if [ $rc = 1 ] && echo "$out" | head -1 | grep -q "\[$tag\] line [0-9]*:"; then
			pass=$((pass+1))
		else
			report "$f" "$out"
		fi
	else
		if [ $rc = 0 ]; then pass=$((pass+1)); else report "$f" "$out"; fi
	fi
done
echo "($xfail expected failures, listed in $(basename $XF))"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
