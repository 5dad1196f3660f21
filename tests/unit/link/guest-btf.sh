#!/bin/sh
# guest-btf.sh: prints the path of the default guest kernel's BTF for the link
# tests. Uses the guest image if one was built (BUILD/guest-image/current, or
# any build dir's guest-image), else extracts the BTF from Debian's
# linux-image package into a cache (never into the source tree).
# usage: guest-btf.sh SOURCE_ROOT [BUILD_ROOT]
set -eu
SRC=${1:?source root}
BLD=${2:-}
for f in ${HT_GUEST_BTF:-} "$BLD"/guest-image/current/vmlinux.btf \
	"$SRC"/build*/guest-image/current/vmlinux.btf \
	"$SRC"/build*/guest-image/*/vmlinux.btf; do
	[ -n "$f" ] && [ -s "$f" ] && { echo "$f"; exit 0; }
done
KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
[ -n "$KPKG" ] || { echo "cannot resolve linux-image-amd64" >&2; exit 1; }
KVER=${KPKG#linux-image-}
C=${XDG_CACHE_HOME:-$HOME/.cache}/hypertrace/guest-btf/$KVER
if [ ! -s "$C/vmlinux.btf" ]; then
	mkdir -p "$C"
	T=$(mktemp -d)
	trap 'rm -rf "$T"' EXIT
	(cd "$T" && apt-get download "$KPKG" >/dev/null 2>&1) ||
		{ echo "apt-get download $KPKG failed" >&2; exit 1; }
	dpkg-deb --fsys-tarfile "$T"/*.deb | tar -x -C "$T" ./boot/vmlinuz-"$KVER"
	Z=$T/boot/vmlinuz-$KVER
	OFF=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$Z" | head -n 1 | cut -d: -f1)
	[ -n "$OFF" ] || { echo "no xz payload in $Z" >&2; exit 1; }
	tail -c +$((OFF + 1)) "$Z" | xz -dc >"$T/vmlinux" 2>/dev/null || true
	objcopy -O binary --only-section=.BTF "$T/vmlinux" "$C/vmlinux.btf.tmp"
	mv "$C/vmlinux.btf.tmp" "$C/vmlinux.btf"
fi
echo "$C/vmlinux.btf"
