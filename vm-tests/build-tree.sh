#!/bin/sh
# build-tree.sh INIT CACHE MIRROR OUT [ARCH]
# Builds a Debian 12 root tree with INIT (systemd or sysvinit) by debootstrap
# and stores it as OUT (a .tar.zst in CACHE). The kernel is not installed in
# the tree (no initramfs-tools, no udev: the guests boot from a minimal
# initramfs that run.sh makes): its package is fetched once into CACHE/debs
# and unpacked to CACHE/kernel (vmlinuz and the few modules the guests load).
# The .debs stay in CACHE/debs (debootstrap's --cache-dir).
#
# ARCH (default amd64) arm64: a foreign tree, made with debootstrap --foreign
# and its second stage run in the tree by qemu-aarch64-static (binfmt_misc);
# its .debs in CACHE/debs-arm64, its kernel in CACHE/kernel-arm64 (with the
# virtio console's module, the results port of the arm64 guest), and
# Debian's C daemontools for arm64, the oracle of the limits tests run in the
# guest, and runit (for chpst) in CACHE/debs-arm64 (unpacked in the image
# by run.sh, never installed: daemontools would take our package's files).
set -eu
init=$1 cache=$2 mirror=$3 out=$4 arch=${5:-amd64}
suite=bookworm
debs=$cache/debs kernel=$cache/kernel modules="virtio_pci virtio_blk ext4"
foreign=
if [ "$arch" != amd64 ]; then
	debs=$cache/debs-$arch kernel=$cache/kernel-$arch
	modules="$modules virtio_console"
	foreign="--foreign --arch=$arch"
fi
common=csh,ucspi-tcp,procps,netbase,iproute2,kmod
case $init in
systemd) include=$common,systemd-sysv ;;
# (rpm: the rpm variant installs the .rpm with the guest's own rpm.)
sysvinit) include=$common,sysvinit-core,sysv-rc,initscripts,sysvinit-utils,rpm ;;
*) echo "build-tree: unknown init $init" >&2; exit 100 ;;
esac

mkdir -p "$debs"
tree=$(mktemp -d "$cache/tree-$init-$arch.XXXXXX")
cleanup() {
	umount "$tree/proc" 2>/dev/null || :
	rm -rf "$tree" "$kernel.new"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# systemd-sysv and sysvinit-core both satisfy "init"; debootstrap takes the
# first alternative of every dependency, so exclude the other one explicitly.
exclude=
[ "$init" = sysvinit ] && exclude=--exclude=systemd-sysv,systemd,libpam-systemd

debootstrap $foreign --variant=minbase --include="$include" $exclude \
	--cache-dir="$debs" "$suite" "$tree" "$mirror"
if [ -n "$foreign" ]; then
	# The second stage runs the tree's own programs: binfmt_misc must
	# hand them to qemu-user-static (its F flag: no copy in the tree).
	[ -e /proc/sys/fs/binfmt_misc/status ] ||
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
	update-binfmts --enable >/dev/null 2>&1 || :
	chroot "$tree" /debootstrap/debootstrap --second-stage
	# The C oracle for the tests run in the guest, and runit's chpst,
	# one more way to set the limits.
	if ! ls "$debs"/daemontools_*.deb "$debs"/runit_*.deb >/dev/null 2>&1; then
		mount -t proc proc "$tree/proc"
		chroot "$tree" sh -c 'cd /var/cache/apt/archives && apt-get -q update >/dev/null &&
			apt-get -q download daemontools runit'
		umount "$tree/proc"
		mv "$tree"/var/cache/apt/archives/daemontools_*.deb "$tree"/var/cache/apt/archives/runit_*.deb "$debs/"
	fi
fi

echo "vm-$init" >"$tree/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 vm-%s\n' "$init" >"$tree/etc/hosts"

# The kernel: the package linux-image-amd64 points to, unpacked outside
# the tree. Only the modules for virtio block devices and ext4 are kept.
if [ ! -s "$kernel/vmlinuz" ]; then
	deb=$(ls "$debs"/linux-image-[0-9]*-"$arch"_*.deb 2>/dev/null | tail -n 1)
	if [ -z "$deb" ]; then
		mount -t proc proc "$tree/proc"
		chroot "$tree" sh -c 'cd /var/cache/apt/archives && apt-get -q update >/dev/null &&
			apt-get -q download $(apt-cache depends linux-image-'"$arch"' |
				sed -n "s/.*Depends: \(linux-image-[0-9].*-'"$arch"'\)$/\1/p" | head -n 1)'
		umount "$tree/proc"
		mv "$tree"/var/cache/apt/archives/linux-image-*.deb "$debs/"
		deb=$(ls "$debs"/linux-image-[0-9]*-"$arch"_*.deb | tail -n 1)
	fi
	k=$kernel.new
	rm -rf "$k"
	mkdir -p "$k/modules"
	# depmod and modprobe of the tree (the host need not have kmod).
	dpkg-deb -x "$deb" "$tree/tmp/kernel"
	cp "$tree"/tmp/kernel/boot/vmlinuz-* "$k/vmlinuz"
	kver=$(ls "$tree/tmp/kernel/lib/modules")
	chroot "$tree" depmod -b /tmp/kernel "$kver"
	n=10
	for ko in $(chroot "$tree" modprobe -d /tmp/kernel -S "$kver" -a --show-depends \
		$modules | awk '$1 == "insmod" { print $2 }'); do
		name=$(basename "$ko")
		ls "$k"/modules/*-"$name" >/dev/null 2>&1 && continue
		cp "$tree$ko" "$k/modules/$n-$name"
		n=$((n + 1))
	done
	rm -rf "$tree/tmp/kernel"
	echo "$kver" >"$k/version"
	rm -rf "$kernel"
	mv "$k" "$kernel"
fi

rm -rf "$tree"/usr/share/doc/* "$tree"/usr/share/man/* "$tree"/usr/share/locale/* \
	"$tree"/var/cache/apt/archives/*.deb "$tree"/var/cache/apt/*.bin \
	"$tree"/var/lib/apt/lists/*_*
tar --numeric-owner -C "$tree" -cf - . | zstd -q -T0 -3 >"$out.new"
mv "$out.new" "$out"
