// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * P1 of "make bench": one snapshot of every PCI function with its IOMMU
 * group and driver, taken ITER times, median printed in microseconds.
 *
 *   snapshot-bench pcipass|libpci [ITER]
 *
 * pcipass: pcipass_snapshot_new(), the module's netlink dumps.
 * libpci:  pci_scan_bus() and pci_fill_info() with ident, class, IOMMU
 *          group and driver (PCI_FILL_IOMMU_GROUP, PCI_FILL_DRIVER: sysfs
 *          reads per function), the way a libpci tool gets the same facts.
 *
 * Prints "<functions> <median us> <min us> <max us>" on one line. Each
 * run checks it saw functions, so a broken snapshot cannot look fast.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pci/pci.h>
#include <pcipass/libpcipass.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One pcipass snapshot: functions seen, or a negative errno. */
static long run_pcipass(struct pcipass_ctx *ctx)
{
	struct pcipass_snapshot *snap;
	long n;
	int err;

	err = pcipass_snapshot_new(ctx, &snap);
	if (err)
		return err;
	n = pcipass_snapshot_get_dev_count(snap);
	pcipass_snapshot_unref(snap);
	return n;
}

/* One libpci scan with groups and drivers: functions seen. */
static long run_libpci(void)
{
	struct pci_access *pacc;
	struct pci_dev *d;
	long n = 0, named = 0;

	pacc = pci_alloc();
	pci_init(pacc);
	pci_scan_bus(pacc);
	for (d = pacc->devices; d; d = d->next) {
		pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS |
			      PCI_FILL_IOMMU_GROUP | PCI_FILL_DRIVER);
		n++;
		named += d->vendor_id != 0xffff;
	}
	pci_cleanup(pacc);
	return named == n ? n : -EIO;
}

int main(int argc, char **argv)
{
	struct pcipass_ctx *ctx = NULL;
	long iter = argc > 2 ? strtol(argv[2], NULL, 0) : 50, i, n = 0;
	double *t;
	int pcipass;

	if (argc < 2 || (strcmp(argv[1], "pcipass") && strcmp(argv[1], "libpci")) ||
	    iter < 1) {
		fprintf(stderr, "usage: %s pcipass|libpci [ITER]\n", argv[0]);
		return 2;
	}
	pcipass = !strcmp(argv[1], "pcipass");
	if (pcipass && pcipass_new(&ctx)) {
		fprintf(stderr, "snapshot-bench: pcipass_new failed\n");
		return 1;
	}
	t = calloc(iter, sizeof(*t));
	if (!t)
		return 1;
	/* One untimed run warms caches, as a long-running tool would be. */
	n = pcipass ? run_pcipass(ctx) : run_libpci();
	for (i = 0; i < iter && n > 0; i++) {
		double t0 = now_us();

		n = pcipass ? run_pcipass(ctx) : run_libpci();
		t[i] = now_us() - t0;
	}
	if (n <= 0) {
		fprintf(stderr, "snapshot-bench: %s: %s\n", argv[1],
			strerror((int)-n));
		return 1;
	}
	qsort(t, iter, sizeof(*t), cmp_double);
	printf("%ld %.0f %.0f %.0f\n", n, t[iter / 2], t[0], t[iter - 1]);
	free(t);
	pcipass_unref(ctx);
	return 0;
}
