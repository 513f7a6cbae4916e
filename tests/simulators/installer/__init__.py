"""A tiny OS installer for the install tests, built from Debian packages: a kernel and a busybox initramfs.

What it builds (build.py, build_installer(cache_dir)):
- vmlinuz: the kernel of the running Debian release's `linux-image-amd64` (the linux-image-<abi>-amd64 it depends
  on), fetched with `apt-get download` and unpacked with `dpkg-deb -x` into a scratch directory: nothing is installed
  into /boot, nothing of the machine changes.
- initrd.gz: a gzip'd cpio (newc) archive written by our own code (cpio.py): busybox from `busybox-static`
  (unpacked the same way), the kernel modules the guest needs for its virtio NIC and disk with their dependencies
  (virtio_pci, virtio_net with failover and net_failover, virtio_blk; a module built into the kernel is skipped, a
  compressed one is unpacked because busybox insmod reads plain .ko only), udhcpc's default.script and /init.

What /init does, as the installer a PureBoot workflow boots: mounts proc, sys and dev, loads the modules, finds the
NIC whose MAC the kernel command line names (mac=), gets an address with udhcpc, reports `install_started` to
PureBoot's public `POST <pureboot=>/api/v1/report`, writes a marker ("pureboot-installed <mac>") to the start of the
first disk (/dev/vda), reports `install_complete` and reboots (pureboot_then=reboot, the default) or powers off
(pureboot_then=poweroff). Anything that fails is reported as `install_failed` with a message, then the same end.
Its progress goes to the console (console=ttyS0 on the command line to read it from a serial log).

Why: a real PXE install needs a kernel and an initrd that talk to PureBoot; a distribution installer would take
minutes under TCG and a mirror. This one boots and reports in seconds, and every part of it is a Debian package.

The result is cached in cache_dir under a name made of both packages' versions and a digest of what this package
writes (so a change to /init builds again); apt-get download needs package lists: when there are none, the builder
runs `apt-get update -qq` once (root only). Nothing else on the machine changes.
"""
