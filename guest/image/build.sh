#!/bin/sh
# guest/image/build.sh: builds the default HyperTrace guest image from Debian
# packages: the stock kernel (version resolved from linux-image-amd64), its
# uncompressed vmlinux for PVH boot, its BTF for the host, hypertrace.ko built
# against the matching headers, and a busybox initramfs with our static
# binaries, plus the HyperTrace guest programs (dtraced as minion, htguest)
# with the shared libraries they load, taken from the build directory
# ($HT_BUILD_DIR, default: OUTDIR's parent, where htvm puts its images).
# Output: OUT/<kver>/{vmlinux,vmlinux.btf,initrd.cpio.gz,kver}, and
# OUT/current -> <kver>. Cached: rebuilt only when an input changes.
#
# usage: build.sh SRCDIR OUTDIR
set -eu
SRC=${1:?source dir}
OUT=${2:?output dir}
SRC=$(cd "$SRC" && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

log() { echo "htvm image: $*" >&2; }

# The kernel package the meta-package points at, e.g. linux-image-6.1.0-56-amd64.
KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
[ -n "$KPKG" ] || { log "cannot resolve linux-image-amd64"; exit 1; }
KVER=${KPKG#linux-image-}
HDR=/usr/src/linux-headers-$KVER
if [ ! -d "$HDR" ]; then
	log "missing $HDR: install linux-headers-$KVER (scripts/deps.sh)"
	exit 1
fi
D=$OUT/$KVER
mkdir -p "$D"

# The guest's dtraced and program command, if built (the image works
# without them: init then serves the test agent).
BUILD=${HT_BUILD_DIR:-$(dirname "$OUT")}
HTBINS=""
for b in cmd/dtraced/dtraced cmd/htguest/htguest; do
	if [ -x "$BUILD/$b" ]; then
		HTBINS="$HTBINS $BUILD/$b"
	else
		log "no $BUILD/$b: the image has no dtraced minion"
	fi
done

# Input hash: kernel package version + every source that goes into the image.
KDEBVER=$(apt-cache show "$KPKG" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
INPUTS=$( (echo "$KPKG $KDEBVER"; cat "$SRC"/guest/image/build.sh \
	"$SRC"/guest/image/init "$SRC"/guest/linux/*.c \
	"$SRC"/guest/linux/Kbuild "$SRC"/include/hypertrace/guest_abi.h \
	"$SRC"/guest/bin/*.c; ls -l /bin/busybox; for b in $HTBINS; do
	sha256sum "$b"; done) | sha256sum | cut -c1-16)
if [ -f "$D/stamp" ] && [ "$(cat "$D/stamp")" = "$INPUTS" ]; then
	ln -sfn "$KVER" "$OUT/current"
	echo "$D"
	exit 0
fi

# 1. The kernel: download once per Debian version, extract vmlinux + BTF.
# The virtio modules the program channel needs (=m in Debian's config).
KMODS="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console"
if [ ! -f "$D/vmlinux" ] || [ ! -f "$D/kmods/virtio_console.ko" ] ||
	[ "$(cat "$D/kdebver" 2>/dev/null)" != "$KDEBVER" ]; then
	log "fetching $KPKG $KDEBVER"
	T=$(mktemp -d)
	(cd "$T" && apt-get download "$KPKG" >/dev/null 2>&1) ||
		{ log "apt-get download $KPKG failed"; rm -rf "$T"; exit 1; }
	dpkg-deb -x "$T"/*.deb "$T/x"
	VMLINUZ=$T/x/boot/vmlinuz-$KVER
	# The bzImage payload is xz: find its magic and decompress from there.
	OFF=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$VMLINUZ" | head -n 1 | cut -d: -f1)
	[ -n "$OFF" ] || { log "no xz payload in $VMLINUZ"; exit 1; }
	tail -c +$((OFF + 1)) "$VMLINUZ" | xz -dc >"$T/vmlinux" 2>/dev/null || true
	[ -s "$T/vmlinux" ] || { log "vmlinux extraction failed"; exit 1; }
	objcopy -O binary --only-section=.BTF "$T/vmlinux" "$T/vmlinux.btf"
	cp "$T/x/boot/config-$KVER" "$D/config"
	mkdir -p "$D/kmods"
	for m in $KMODS; do
		f=$(find "$T/x/lib/modules/$KVER" -name "$m.ko*" | head -n 1)
		[ -n "$f" ] || { log "module $m not in $KPKG"; exit 1; }
		case "$f" in
		*.xz) xz -dc "$f" >"$D/kmods/$m.ko" ;;
		*.zst) zstd -qdc "$f" >"$D/kmods/$m.ko" ;;
		*) cp "$f" "$D/kmods/$m.ko" ;;
		esac
	done
	mv "$T/vmlinux" "$D/vmlinux"
	mv "$T/vmlinux.btf" "$D/vmlinux.btf"
	echo "$KDEBVER" >"$D/kdebver"
	rm -rf "$T"
fi
echo "$KVER" >"$D/kver"

# 2. hypertrace.ko against the matching headers (out of the source tree).
log "building hypertrace.ko for $KVER"
MB=$D/module
rm -rf "$MB"
mkdir -p "$MB"
cp "$SRC"/guest/linux/*.c "$SRC"/guest/linux/Kbuild "$MB"/
cp "$SRC"/include/hypertrace/guest_abi.h "$MB"/
make -s -C "$HDR" M="$MB" modules >"$MB/build.log" 2>&1 ||
	{ cat "$MB/build.log" >&2; exit 1; }

# 3. Static guest binaries.
mkdir -p "$D/bin"
for c in "$SRC"/guest/bin/*.c; do
	n=$(basename "$c" .c)
	gcc -static -O2 -Wall -Werror -I"$SRC/include" -o "$D/bin/$n" "$c"
done

# 4. The initramfs.
R=$D/root
rm -rf "$R"
mkdir -p "$R/bin" "$R/sbin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/mods" "$R/etc"
cp /bin/busybox "$R/bin/busybox"
for a in sh mount umount mkdir cat echo ls insmod rmmod lsmod sleep poweroff \
	hostname grep sed head tail dmesg awk tr cut wc seq date reboot sync \
	mknod chmod ln rm ps kill uname true false test env readlink; do
	ln -s busybox "$R/bin/$a"
done
cp "$MB/hypertrace.ko" "$R/mods/"
for m in $KMODS; do cp "$D/kmods/$m.ko" "$R/mods/"; done
echo "$KMODS" >"$R/mods/order"
cp "$D"/bin/* "$R/bin/"
for b in $HTBINS; do
	cp "$b" "$R/bin/"
	# Its shared libraries and the loader, at the paths the host has.
	for l in $(ldd "$b" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
		$1 ~ /^\/.*ld-linux/ { print $1 }'); do
		mkdir -p "$R$(dirname "$l")"
		cp -L "$l" "$R$l"
	done
done
cp "$SRC/guest/image/init" "$R/init"
chmod 755 "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) >"$D/initrd.cpio.gz.tmp"
mv "$D/initrd.cpio.gz.tmp" "$D/initrd.cpio.gz"
echo "$INPUTS" >"$D/stamp"
ln -sfn "$KVER" "$OUT/current"
log "image ready in $D"
echo "$D"
