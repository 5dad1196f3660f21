#!/usr/bin/env bash
# make demo, HyperTrace's main path: builds the default guest image if
# needed, starts a host dtraced (overlord) with a private state dir, boots
# two small guests under QEMU (TCG unless KVM works) whose init runs a
# steady workload and the dtraced minion, and traces both from the host with
# one D program through `dtrace -E`. Results print as DTrace prints them,
# keyed by vmname. Cleans up every process it started. If the guest path
# cannot start (no image, no QEMU), says why and traces the host instead.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-build}
BUILD=$(cd "$BUILD" && pwd)
DTRACE=$BUILD/cmd/dtrace/dtrace
DTRACED=$BUILD/cmd/dtraced/dtraced
HTVM=$BUILD/cmd/htvm/htvm
SECS=${HT_DEMO_SECONDS:-5}
T=$(mktemp -d /tmp/ht-demo.XXXXXX)
export HTVM_RUN_DIR="$T/run" DTRACED_DIR="$T/state" HT_BUILD_DIR="$BUILD"
GUESTS="vm1 vm2"
started=""
dpid=""

say() { echo "demo: $*" >&2; }

cleanup() {
	for g in $started; do
		"$HTVM" stop "$g" >/dev/null 2>&1
		q=$(awk '{print $7}' "$T/run/$g/info" 2>/dev/null)
		[ -n "$q" ] && [ "$q" -gt 0 ] 2>/dev/null && kill -9 "$q" 2>/dev/null
	done
	started=""
	if [ -n "$dpid" ]; then
		kill "$dpid" 2>/dev/null
		wait "$dpid" 2>/dev/null
		dpid=""
	fi
	rm -rf "$T"
}
trap 'cleanup; exit 130' INT TERM HUP PIPE

# The guest path could not start: say why, then trace the host.
fallback() {
	say "$*"
	say "the guest path is unavailable here; tracing the host instead"
	cleanup
	HT_DEMO_HOST=1 exec "$ROOT/scripts/demo.sh"
}

for b in "$DTRACE" "$DTRACED" "$HTVM" "$BUILD/cmd/htguest/htguest"; do
	[ -x "$b" ] || fallback "$b is not built"
done

say "building the default guest image (cached after the first run)"
"$HTVM" image >"$T/image.log" 2>&1 || {
	tail -5 "$T/image.log" >&2
	fallback "htvm image failed"
}
IMG=$(tail -n 1 "$T/image.log")
[ -x "$IMG/root/bin/dtraced" ] || fallback "the guest image has no dtraced"

mkdir -p "$DTRACED_DIR"
"$DTRACED" -O -d -D "$DTRACED_DIR" -p "$T/dtraced.pid" >"$T/dtraced.log" 2>&1 &
dpid=$!
for _ in $(seq 1 100); do
	[ -S "$DTRACED_DIR/sub.sock" ] && break
	sleep 0.1
done
[ -S "$DTRACED_DIR/sub.sock" ] || fallback "dtraced did not start: $(cat "$T/dtraced.log")"
say "host dtraced (overlord) in $DTRACED_DIR"

accel=TCG
grep -qE ' (vmx|svm)' /proc/cpuinfo && [ -w /dev/kvm ] && accel=KVM
for g in $GUESTS; do
	"$HTVM" run "$g" --append workload=loop >"$T/run-$g.log" 2>&1 ||
		fallback "htvm run $g failed: $(cat "$T/run-$g.log")"
	started="$started $g"
done
for g in $GUESTS; do
	ok=0
	for _ in $(seq 1 1500); do
		if grep -q "init: minion ready" "$T/run/$g/console.log" 2>/dev/null; then
			ok=1
			break
		fi
		sleep 0.2
	done
	[ $ok = 1 ] || fallback "guest $g did not boot: $(tail -5 "$T/run/$g/console.log" 2>/dev/null)"
	say "guest $g booted ($accel), dtraced minion up"
done

prog="
BEGIN
{
	printf(\"Tracing system calls in every guest for $SECS seconds...\\n\");
}

syscall:vmlinux::entry
/execname != \"dtraced\" && execname != \"htguest\"/
{
	@calls[vmname, execname, probefunc] = count();
}

tick-${SECS}s
{
	exit(0);
}
"
echo "# $DTRACE -q -E -n '$(echo "$prog" | tr '\n\t' '  ' | tr -s ' ')'"
"$DTRACE" -q -E -n "$prog"
rc=$?
cleanup
exit $rc
