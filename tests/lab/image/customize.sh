#!/bin/sh
# Turns a debootstrapped Debian root ($1) into the lab server image's root filesystem.
set -eu
root=$1
here=$(dirname "$0")
# Every server makes its own host key at start (an image must not carry one).
rm -f "$root"/etc/ssh/ssh_host_*
install -m 0755 "$here/tug-lab-init" "$root/usr/local/sbin/tug-lab-init"
install -m 0644 "$here/sshd.conf" "$root/etc/ssh/sshd_config.d/tug-lab.conf"
# Services are started by tug-lab-init, not by an init system.
rm -f "$root"/etc/machine-id "$root"/var/lib/dbus/machine-id
: >"$root/etc/machine-id"
# Smaller image: no package lists, caches or docs.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
