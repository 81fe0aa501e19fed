#!/bin/sh
# build-tree.sh INIT CACHE MIRROR OUT
# Builds a Debian 12 root tree with INIT (systemd or sysvinit) by debootstrap
# and stores it as OUT (a .tar.zst in CACHE). The kernel is not installed in
# the tree (no initramfs-tools, no udev: the guests boot from a minimal
# initramfs that run.sh makes): its package is fetched once into CACHE/debs
# and unpacked to CACHE/kernel (vmlinuz and the few modules the guests load).
# The .debs stay in CACHE/debs (debootstrap's --cache-dir).
set -eu
init=$1 cache=$2 mirror=$3 out=$4
suite=bookworm
common=csh,ucspi-tcp,procps,netbase,iproute2,kmod
case $init in
systemd) include=$common,systemd-sysv ;;
# (rpm: the rpm variant installs the .rpm with the guest's own rpm.)
sysvinit) include=$common,sysvinit-core,sysv-rc,initscripts,sysvinit-utils,rpm ;;
*) echo "build-tree: unknown init $init" >&2; exit 100 ;;
esac

mkdir -p "$cache/debs"
tree=$(mktemp -d "$cache/tree-$init.XXXXXX")
cleanup() {
	umount "$tree/proc" 2>/dev/null || :
	rm -rf "$tree" "$cache/kernel.new"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# systemd-sysv and sysvinit-core both satisfy "init"; debootstrap takes the
# first alternative of every dependency, so exclude the other one explicitly.
exclude=
[ "$init" = sysvinit ] && exclude=--exclude=systemd-sysv,systemd,libpam-systemd

debootstrap --variant=minbase --include="$include" $exclude \
	--cache-dir="$cache/debs" "$suite" "$tree" "$mirror"

echo "vm-$init" >"$tree/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 vm-%s\n' "$init" >"$tree/etc/hosts"

# The kernel: the package linux-image-amd64 points to, unpacked outside
# the tree. Only the modules for virtio block devices and ext4 are kept.
if [ ! -s "$cache/kernel/vmlinuz" ]; then
	deb=$(ls "$cache"/debs/linux-image-[0-9]*-amd64_*.deb 2>/dev/null | tail -n 1)
	if [ -z "$deb" ]; then
		mount -t proc proc "$tree/proc"
		chroot "$tree" sh -c 'cd /var/cache/apt/archives && apt-get -q update >/dev/null &&
			apt-get -q download $(apt-cache depends linux-image-amd64 |
				sed -n "s/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p" | head -n 1)'
		umount "$tree/proc"
		mv "$tree"/var/cache/apt/archives/linux-image-*.deb "$cache/debs/"
		deb=$(ls "$cache"/debs/linux-image-[0-9]*-amd64_*.deb | tail -n 1)
	fi
	k=$cache/kernel.new
	rm -rf "$k"
	mkdir -p "$k/modules"
	# depmod and modprobe of the tree (the host need not have kmod).
	dpkg-deb -x "$deb" "$tree/tmp/kernel"
	cp "$tree"/tmp/kernel/boot/vmlinuz-* "$k/vmlinuz"
	kver=$(ls "$tree/tmp/kernel/lib/modules")
	chroot "$tree" depmod -b /tmp/kernel "$kver"
	n=10
	for ko in $(chroot "$tree" modprobe -d /tmp/kernel -S "$kver" -a --show-depends \
		virtio_pci virtio_blk ext4 | awk '$1 == "insmod" { print $2 }'); do
		name=$(basename "$ko")
		ls "$k"/modules/*-"$name" >/dev/null 2>&1 && continue
		cp "$tree$ko" "$k/modules/$n-$name"
		n=$((n + 1))
	done
	rm -rf "$tree/tmp/kernel"
	echo "$kver" >"$k/version"
	rm -rf "$cache/kernel"
	mv "$k" "$cache/kernel"
fi

rm -rf "$tree"/usr/share/doc/* "$tree"/usr/share/man/* "$tree"/usr/share/locale/* \
	"$tree"/var/cache/apt/archives/*.deb "$tree"/var/cache/apt/*.bin \
	"$tree"/var/lib/apt/lists/*_*
tar --numeric-owner -C "$tree" -cf - . | zstd -q -T0 -3 >"$out.new"
mv "$out.new" "$out"
