#!/bin/sh
# Builds (once) or reuses a Debian 13 root file system with GIMP 3 for the
# real-GIMP tests: Debian 12 has only GIMP 2.10, and trixie's GIMP 3 needs a
# newer libc than the host, so GIMP runs in a chroot of its own.
#
#   tests/in_gimp/gimp_root.sh            build or reuse; prints the root's path
#   MASKGAN_GIMP_ROOT=DIR                 where the root lives (default below)
#   MASKGAN_GIMP_MIRROR=URL               the Debian mirror (default deb.debian.org)
#
# Needs root and mmdebstrap (apt-get install mmdebstrap). The root is built in a
# temporary folder beside it and renamed into place only when complete, so an
# interrupted build never leaves a half root that looks ready.
set -eu
root="${MASKGAN_GIMP_ROOT:-/var/cache/maskgan-gimp-root}"
mirror="${MASKGAN_GIMP_MIRROR:-http://deb.debian.org/debian}"
packages="gimp,python3-gi,gir1.2-gimp-3.0"
stamp="$root/.maskgan-gimp-root"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$packages" ]; then
    echo "$root"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "gimp_root.sh: building the GIMP 3 root file system needs root (chroot, mmdebstrap)" >&2
    exit 2
fi
command -v mmdebstrap >/dev/null || {
    echo "gimp_root.sh: mmdebstrap is missing: apt-get install mmdebstrap" >&2
    exit 2
}
mkdir -p "$(dirname "$root")"
building="$root.building"
rm -rf "$building"
mmdebstrap --quiet --variant=apt --include="$packages" trixie "$building" "$mirror" >&2
echo "$packages" > "$building/.maskgan-gimp-root"
rm -rf "$root"
mv "$building" "$root"
echo "$root"
