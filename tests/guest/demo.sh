#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make demo", guest side: the seed user's server in miniature, with the
# native drivers loaded as a booted host would have them, then pcipass.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$top/build/bin:$PATH"

insmod "$top/build/modules/$(uname -r)/pcipass.ko"
for mod in nvme e1000 e1000e snd_hda_intel xhci_pci; do
	modprobe -q "$mod" || true
done

run() {
	printf '\n$ %s\n' "$*"
	"$@"
}

run pcipass
run pcipass dev show '04:00.*'
run pcipass dev show 0000:04:00.2 -d
