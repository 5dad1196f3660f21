#!/bin/sh
# Installs every Debian package HyperTrace needs, and nothing when all are present.
# The only place dependencies are installed: Makefile targets and CI call it.
set -eu

PKGS="
build-essential gcc clang libclang-rt-14-dev llvm meson ninja-build pkg-config
libelf-dev libbpf-dev libcmocka-dev libssl-dev zlib1g-dev
python3 clang-format
qemu-system-x86 qemu-utils busybox-static cpio kmod zstd xz-utils file
linux-headers-amd64 bpftool bpftrace iproute2 procps
"

# The guest image's kernel comes from linux-image-amd64 (guest/image); its
# module needs the headers of exactly that kernel, whatever the headers
# meta-package points at.
kver=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*\)$/\1/p' | head -n 1)
[ -n "$kver" ] && PKGS="$PKGS linux-headers-$kver"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$st" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi

echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
