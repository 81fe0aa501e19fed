#!/bin/sh
# build-tree.sh INIT CACHE MIRROR
# Builds a Debian 12 root tree with INIT (systemd or sysvinit) by debootstrap
# and stores it in CACHE as INIT.tar.zst plus INIT.vmlinuz and INIT.initrd
# (extracted for direct kernel boot). The .debs stay in CACHE/debs, so a
# rebuild after a lost tarball needs the network only for the index files.
set -eu
init=$1 cache=$2 mirror=$3
suite=bookworm
common=linux-image-amd64,csh,ucspi-tcp,procps,netbase,iproute2,e2fsprogs
case $init in
systemd) include=$common,systemd-sysv ;;
sysvinit) include=$common,sysvinit-core,sysv-rc,initscripts,sysvinit-utils ;;
*) echo "build-tree: unknown init $init" >&2; exit 100 ;;
esac

mkdir -p "$cache/debs"
tree=$(mktemp -d "$cache/tree-$init.XXXXXX")
cleanup() {
	for m in proc sys dev; do umount "$tree/$m" 2>/dev/null || :; done
	rm -rf "$tree"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# systemd-sysv and sysvinit-core both satisfy "init"; debootstrap takes the
# first alternative of every dependency, so exclude the other one explicitly.
exclude=
[ "$init" = sysvinit ] && exclude=--exclude=systemd-sysv,systemd,libpam-systemd

debootstrap --variant=minbase --include="$include" $exclude \
	--cache-dir="$cache/debs" "$suite" "$tree" "$mirror"

# The guest boots from /dev/vda without network. A small initrd (only the
# virtio and ext4 modules) makes boots under software emulation much faster.
cat >"$tree/etc/fstab" <<FSTAB
/dev/vda / ext4 rw,errors=remount-ro 0 0
FSTAB
echo "vm-$init" >"$tree/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 vm-%s\n' "$init" >"$tree/etc/hosts"
sed -i 's/^MODULES=.*/MODULES=list/; s/^COMPRESS=.*/COMPRESS=gzip/' \
	"$tree/etc/initramfs-tools/initramfs.conf"
printf '%s\n' virtio_pci virtio_blk ext4 >>"$tree/etc/initramfs-tools/modules"
mount -t proc proc "$tree/proc"
chroot "$tree" update-initramfs -u -k all
umount "$tree/proc"

cp "$tree"/boot/vmlinuz-* "$cache/$init.vmlinuz.new"
cp "$tree"/boot/initrd.img-* "$cache/$init.initrd.new"

# Slim the tree: the kernel and initrd live outside it, most modules are
# never loaded in a guest without hardware, and docs are dead weight.
rm -rf "$tree"/boot/vmlinuz-* "$tree"/boot/initrd.img-* \
	"$tree"/usr/share/doc/* "$tree"/usr/share/man/* "$tree"/usr/share/locale/* \
	"$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/*_Packages
for d in "$tree"/lib/modules/*/kernel; do
	find "$d" -mindepth 1 -maxdepth 1 ! -name fs ! -name lib ! -name crypto \
		! -name drivers -exec rm -rf {} +
	find "$d/drivers" -mindepth 1 -maxdepth 1 ! -name virtio ! -name block \
		! -name char -exec rm -rf {} +
done

tar --numeric-owner -C "$tree" -cf - . | zstd -q -T0 -3 >"$cache/$init.tar.zst.new"
mv "$cache/$init.vmlinuz.new" "$cache/$init.vmlinuz"
mv "$cache/$init.initrd.new" "$cache/$init.initrd"
mv "$cache/$init.tar.zst.new" "$cache/$init.tar.zst"
