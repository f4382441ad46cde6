#!/usr/bin/env bash
# Builds the Debian guest images the integration suites boot under QEMU/TCG, as KubeVirt's virt-launcher boots a VMI,
# and prints the folder holding them as the last line of stdout:
#   - netplan.img: cloud-init renders netplan, netplan hands it to systemd-networkd (Debian's cloud images' stack);
#   - nm.img: cloud-init renders NetworkManager keyfiles, NetworkManager applies them;
#   - vmlinuz and initrd.img: the kernel whose modules both images carry (QEMU boots it directly with -kernel/-initrd,
#     so no boot loader runs under emulation), its initrd holding only the modules that find the root disk;
#   - netplan.packages, nm.packages: what each image holds (package=version); netplan.log, nm.log: mmdebstrap's logs.
# Each image is a bare ext4 file system (no partition table; the guest mounts /dev/vda), made by mmdebstrap's root mode
# into a directory and `mkfs.ext4 -d`: no loop device, no mount. Images are read-only once built: every VM boots a
# qcow2 overlay over them (test/integration/support/guest/).
# Needs root (mmdebstrap's root mode; ownership kept in the image) and the Debian mirror. Installs the host packages
# it and the guest driver need when missing. Cached in ${XDG_CACHE_HOME:-~/.cache}/wukong-iac/guest/<key>, the key a
# digest of every file of testbed/guest/: built once, rebuilt only when a pin or this script changes.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=versions.env
source versions.env

say() { echo "[guest] $*" >&2; }
step() { say "step $1 (at ${SECONDS} s): $2"; }

[ "$(id -u)" = 0 ] || { say "must run as root: mmdebstrap's root mode and mkfs.ext4 -d keep the guest files' owners only as root"; exit 3; }

root="${XDG_CACHE_HOME:-$HOME/.cache}/wukong-iac/guest"
mkdir -p "$root"
# Suites start side by side (jest workers, test-env.sh), each running this script: one installs and builds, the
# others wait here and then find the cache (two apt-gets or two builds into the same folder would trip each other).
exec 9>"$root/.lock"
flock 9

# qemu-system-x86 and qemu-utils run the guests, xorriso makes KubeVirt's NoCloud seed ISO, dnsmasq-base is the
# DHCP stand-in; mmdebstrap builds the images.
HOST_PACKAGES=(qemu-system-x86 qemu-utils mmdebstrap xorriso dnsmasq-base)
missing=()
for p in "${HOST_PACKAGES[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step 1/6 "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The package lists are refreshed only when they turn out too old to install from.
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
    || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
else
  step 1/6 "host packages present: ${HOST_PACKAGES[*]}"
fi

key=$(find . -type f -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-16)
out="$root/$key"
IMAGES=(netplan nm)
have_images() { for i in "${IMAGES[@]}"; do [ -s "$1/$i.img" ] || return 1; done; [ -s "$1/vmlinuz" ] && [ -s "$1/initrd.img" ]; }
if have_images "$out"; then
  say "cached in $out: Debian $DEBIAN_SUITE, $KERNEL_PACKAGE $KERNEL_VERSION, cloud-init $CLOUD_INIT_VERSION"
  echo "$out"
  exit 0
fi

step 2/6 "check the pins of versions.env against what apt offers"
# Each pin must be apt's candidate here: mmdebstrap installs from the same mirror, and a pin the mirror no longer
# carries would otherwise fail deep inside mmdebstrap's log. Checked before a build only: cached images are exactly
# the pins (they are in the key), and stay usable after the mirror has moved on.
PINS=("$KERNEL_PACKAGE=$KERNEL_VERSION" "cloud-init=$CLOUD_INIT_VERSION" "netplan.io=$NETPLAN_VERSION"
  "network-manager=$NETWORK_MANAGER_VERSION" "qemu-guest-agent=$QEMU_GUEST_AGENT_VERSION"
  "systemd=$SYSTEMD_VERSION" "systemd-sysv=$SYSTEMD_VERSION" "udev=$SYSTEMD_VERSION" "systemd-resolved=$SYSTEMD_VERSION")
for pin in "${PINS[@]}"; do
  pkg=${pin%%=*} want=${pin#*=}
  offered=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
  if [ "$offered" != "$want" ]; then
    say "versions.env pins $pkg $want but apt offers ${offered:-nothing} (apt-cache policy $pkg; after apt-get update if the lists are old): move the pin or the mirror"
    exit 1
  fi
done
# The suite with its updates and security suites, from Debian's mirrors (this machine's apt sources name the same).
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

rm -rf "$out.tmp"
mkdir -p "$out.tmp"
say "building into $out"

# Packages both images carry. Recommends stay out (mmdebstrap's default), so each image holds what it needs only:
# dbus for networkctl/nmcli and hostnamed, kmod to load virtio_net when a NIC is hot-plugged, iproute2 for the tests'
# guest-exec checks. cloud-init Depends on isc-dhcp-client, so it comes along without being named.
COMMON="systemd=$SYSTEMD_VERSION,systemd-sysv=$SYSTEMD_VERSION,udev=$SYSTEMD_VERSION,dbus,kmod,iproute2,initramfs-tools"
COMMON="$COMMON,$KERNEL_PACKAGE=$KERNEL_VERSION,cloud-init=$CLOUD_INIT_VERSION,qemu-guest-agent=$QEMU_GUEST_AGENT_VERSION"
# No ifupdown in either image: cloud-init takes the first available renderer of eni > sysconfig > netplan >
# network-manager > networkd, and eni counts as available as soon as ifup and /etc/network/interfaces exist
# (cloudinit/net/renderers.py DEFAULT_PRIORITY, net/eni.py available()).
# The netplan image resolves through systemd-resolved, as netplan systems do (Ubuntu): without it networkd has nowhere
# to put the DNS servers and search domains of the network data.
declare -A FLAVOUR=([netplan]="netplan.io=$NETPLAN_VERSION,systemd-resolved=$SYSTEMD_VERSION" [nm]="network-manager=$NETWORK_MANAGER_VERSION")

bootstrap() { # NAME: mmdebstrap into $out.tmp/NAME.root, its log in $out.tmp/NAME.log
  local name=$1
  # The initrd is configured before the kernel's postinst builds it: only the listed modules (MODULES=list), i.e.
  # what mounting /dev/vda needs; ext4 is built into the cloud kernel. Every module byte is decompressed under TCG.
  mmdebstrap --variant=minbase --mode=root --format=directory \
    --aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Check-Date "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" && echo MODULES=list > "$1/etc/initramfs-tools/conf.d/wukong.conf" && printf "virtio_pci\nvirtio_blk\n" >> "$1/etc/initramfs-tools/modules"' \
    --include="$COMMON,${FLAVOUR[$name]}" \
    "$DEBIAN_SUITE" "$out.tmp/$name.root" \
    "deb $mirror $DEBIAN_SUITE main" "deb $mirror $DEBIAN_SUITE-updates main" "deb $security $DEBIAN_SUITE-security main" \
    >"$out.tmp/$name.log" 2>&1
}

step 3/6 "mmdebstrap ${IMAGES[*]} side by side (minbase + systemd, udev, cloud-init, qemu-guest-agent, the kernel; netplan.io or network-manager)"
pids=()
for i in "${IMAGES[@]}"; do bootstrap "$i" & pids+=($!); done
for n in "${!IMAGES[@]}"; do
  wait "${pids[$n]}" || { say "mmdebstrap of ${IMAGES[$n]} failed; the end of $out.tmp/${IMAGES[$n]}.log:"; tail -n 30 "$out.tmp/${IMAGES[$n]}.log" >&2; exit 1; }
done

step 4/6 "configure the guests for a fast, quiet boot"
customize() { # ROOTFS NAME
  local r=$1 name=$2
  # The kernel mounts /dev/vda read-write (the driver's -append); fsck and ext4's lazy inode-table zeroing would
  # only burn emulated CPU on a file system that mkfs.ext4 just wrote and the VM throws away.
  echo '/dev/vda / ext4 rw,noinit_itable 0 0' >"$r/etc/fstab"
  # Every VM boots a fresh copy of this image, so each needs its own machine-id: an empty file makes systemd make one
  # up at boot, without the first-boot semantics (and systemd-firstboot's console prompts) of a missing one.
  : >"$r/etc/machine-id"
  mkdir -p "$r/etc/cloud/cloud.cfg.d"
  cat >"$r/etc/cloud/cloud.cfg.d/90-wukong.cfg" <<'CFG'
# KubeVirt's cloudInitNoCloud volume (a `cidata` ISO); nothing else is probed. Kept on one line: ds-identify reads
# only single-line lists (see /etc/cloud/cloud.cfg).
datasource_list: [ NoCloud, None ]
# Steps that cost seconds of emulated CPU on every first boot and play no part in networking: cc_locale would run
# locale-gen for the distro's default locale (cloudinit/distros/debian.py apply_locale), cc_grub_dpkg probes for a
# boot loader the image does not have (QEMU loads the kernel itself).
locale: false
grub_dpkg: {enabled: false}
CFG
  # Measured with systemd-analyze blame under TCG: each unit is a fork/exec (or a mount) the emulated CPU pays for.
  local mask=(
    # Timers that would start apt or e2scrub in the middle of a test.
    apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer
    # No one logs in: the console is a file and the guest agent is the way in.
    getty@.service serial-getty@.service
    # Nothing to prompt for (see machine-id above).
    systemd-firstboot.service
    # Kernel modules and pseudo file systems for graphics, FUSE, loop devices, device-mapper, pstore, binfmt, tracing,
    # huge pages and POSIX message queues: nothing in a test guest uses them.
    modprobe@drm.service modprobe@fuse.service modprobe@loop.service modprobe@dm_mod.service modprobe@efi_pstore.service
    systemd-binfmt.service proc-sys-fs-binfmt_misc.automount sys-fs-fuse-connections.mount
    sys-kernel-debug.mount sys-kernel-tracing.mount dev-hugepages.mount dev-mqueue.mount
  )
  chroot "$r" systemctl mask --quiet "${mask[@]}"
  # mmdebstrap leaves the build host's resolv.conf behind; the guest's comes from its own network stack.
  rm -f "$r/etc/resolv.conf"
  if [ "$name" = netplan ]; then
    # netplan only writes networkd's files; Debian leaves networkd disabled until someone enables it.
    chroot "$r" systemctl enable --quiet systemd-networkd.service systemd-resolved.service
    ln -s ../run/systemd/resolve/stub-resolv.conf "$r/etc/resolv.conf"
  fi
  # The kernel and initrd both images share (same package, same version) are taken from the netplan image below.
  rm -rf "$r"/boot/vmlinuz* "$r"/boot/initrd.img* "$r"/vmlinuz* "$r"/initrd.img*
}
initrd_files=$(chroot "$out.tmp/netplan.root" sh -c 'lsinitramfs /boot/initrd.img-*')
grep -q '/virtio_blk.ko$' <<<"$initrd_files" || { say "the initrd has no virtio_blk: the guest could not find /dev/vda"; exit 1; }
cp "$out.tmp/netplan.root/boot/vmlinuz-"* "$out.tmp/vmlinuz"
cp "$out.tmp/netplan.root/boot/initrd.img-"* "$out.tmp/initrd.img"
for i in "${IMAGES[@]}"; do customize "$out.tmp/$i.root" "$i"; done

step 5/6 "mkfs.ext4 -d each image (no loop device, no mount)"
for i in "${IMAGES[@]}"; do
  # Installed pins, checked against versions.env below, and what else each image holds, for whoever reads a failure.
  chroot "$out.tmp/$i.root" dpkg-query -W -f='${Package}=${Version}\n' >"$out.tmp/$i.packages"
  # 2 GiB leaves the guest room to write (the overlay takes the writes, the file stays sparse on the host). Inode
  # tables are written now, not lazily by the guest (see noinit_itable above).
  mkfs.ext4 -q -F -L wukong-root -E lazy_itable_init=0,lazy_journal_init=0 -d "$out.tmp/$i.root" "$out.tmp/$i.img" 2G >&2
done

step 6/6 "verify the images"
for i in "${IMAGES[@]}"; do
  for pin in "${PINS[@]}"; do
    pkg=${pin%%=*}
    case "$i:$pkg" in nm:netplan.io | nm:systemd-resolved | netplan:network-manager) continue ;; esac
    grep -qxF "$pin" "$out.tmp/$i.packages" || { say "$i.img holds $(grep "^$pkg=" "$out.tmp/$i.packages" || echo "no $pkg"), not $pin"; exit 1; }
  done
  ! grep -q '^ifupdown=' "$out.tmp/$i.packages" || { say "$i.img holds ifupdown: cloud-init would render eni, not $i"; exit 1; }
done
config=$(ls "$out.tmp/netplan.root/boot/config-"*)
for option in 'CONFIG_VIRTIO_PCI=[ym]' 'CONFIG_VIRTIO_BLK=[ym]' 'CONFIG_VIRTIO_NET=[ym]' CONFIG_EXT4_FS=y CONFIG_HOTPLUG_PCI_PCIE=y CONFIG_HOTPLUG_PCI_ACPI=y; do
  grep -qE "^$option" "$config" || { say "the guest kernel's $(basename "$config") lacks $option: the driver's boot and hot-plug rely on it"; exit 1; }
done
rm -rf "$out.tmp"/*.root
mv "$out.tmp" "$out"
# Images of other pins are never used again.
find "$root" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
say "built $(for i in "${IMAGES[@]}"; do echo -n "$i.img ($(du -m "$out/$i.img" | cut -f1) MiB used) "; done)and $KERNEL_PACKAGE $KERNEL_VERSION in ${SECONDS} s"
echo "$out"
