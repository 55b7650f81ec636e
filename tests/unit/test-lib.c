// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpcipass without the kernel module: contexts, errors, names. Links the
 * shared library, so it also checks what the version script exports.
 * Prints TAP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <linux/pcipass.h>
#include <pcipass/libpcipass.h>

static int n;
static int failed;
static int logged;

static void ok(int cond, const char *what)
{
	n++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, what);
}

static void skip(const char *what, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++n, what, why);
}

static void log_fn(struct pcipass_ctx *ctx, int priority, const char *file,
		   int line, const char *fn, const char *format, va_list args)
{
	char buf[512];

	(void)ctx;
	(void)file;
	(void)line;
	vsnprintf(buf, sizeof(buf), format, args);
	printf("# log %d %s: %s", priority, fn, buf);
	logged++;
}

static void test_ctx(void)
{
	struct pcipass_ctx *ctx = NULL;
	int data;

	ok(pcipass_new(&ctx) == 0 && ctx, "pcipass_new");
	ok(pcipass_ref(ctx) == ctx, "pcipass_ref");
	ok(pcipass_unref(ctx) == ctx, "unref of a shared context keeps it");
	pcipass_set_log_fn(ctx, log_fn, &data);
	ok(pcipass_get_userdata(ctx) == &data, "userdata");
	pcipass_set_log_priority(ctx, LOG_DEBUG);
	ok(pcipass_get_log_priority(ctx) == LOG_DEBUG, "log priority");
	ok(pcipass_get_extack(ctx) == NULL, "no extack before a request");
	ok(pcipass_get_extack_offset(ctx) == -1, "no extack offset");
	ok(pcipass_unref(ctx) == NULL, "last unref frees");
	ok(pcipass_unref(NULL) == NULL, "unref(NULL)");
	ok(pcipass_new(NULL) == -EINVAL, "pcipass_new(NULL)");
}

static void test_no_module(void)
{
	struct pcipass_snapshot *snap = NULL;
	struct pcipass_dev *dev = NULL;
	struct pcipass_ctx *ctx;
	const char *msg;
	int err;

	pcipass_new(&ctx);
	pcipass_set_log_fn(ctx, log_fn, NULL);
	pcipass_set_log_priority(ctx, LOG_DEBUG);
	/* Else, without the module, the snapshot comes from sysfs. */
	pcipass_set_source(ctx, PCIPASS_SOURCE_NETLINK);

	err = pcipass_snapshot_new(ctx, &snap);
	if (err == 0) {
		skip("snapshot without the module", "pcipass module loaded");
		skip("extack without the module", "pcipass module loaded");
		skip("dev_get without the module", "pcipass module loaded");
		pcipass_snapshot_unref(snap);
		pcipass_unref(ctx);
		return;
	}
	ok(err == -ENOENT && !snap, "snapshot without the module: -ENOENT");
	msg = pcipass_get_extack(ctx);
	ok(msg && !strcmp(msg, "pcipass kernel module not loaded"),
	   "extack says the module is not loaded");
	err = pcipass_dev_get(ctx, "0000:00:00.0", &dev);
	ok(err == -ENOENT && !dev, "dev_get without the module: -ENOENT");

	pcipass_unref(ctx);
}

static void test_claim_no_module(void)
{
	const char *bdfs[] = { "0000:01:00.0", "0000:02:00.0" };
	struct pcipass_monitor *mon = NULL;
	struct pcipass_snapshot *snap;
	struct pcipass_ctx *ctx;
	char **done = (char **)bdfs;
	int err;

	pcipass_new(&ctx);
	ok(pcipass_claim(ctx, bdfs, 0, 0, &done) == -EINVAL && !done,
	   "claim of nothing: -EINVAL, done cleared");
	ok(pcipass_claim(NULL, bdfs, 1, 0, NULL) == -EINVAL, "claim(NULL ctx)");
	ok(pcipass_release(ctx, NULL, 1, 0, NULL) == -EINVAL,
	   "release(NULL bdfs)");
	ok(pcipass_claim(ctx, (const char *[]){ "0000:0000:0000:00.0" }, 1, 0,
			 NULL) == -EINVAL, "claim of an overlong name: -EINVAL");
	{
		static const char *many[PCIPASS_CLAIM_MAX_BDFS + 1];
		size_t i;

		for (i = 0; i < PCIPASS_CLAIM_MAX_BDFS + 1; i++)
			many[i] = "0000:01:00.0";
		done = (char **)bdfs;
		ok(pcipass_release(ctx, many, PCIPASS_CLAIM_MAX_BDFS + 1, 0,
				   &done) == -E2BIG && !done &&
		   strstr(pcipass_get_extack(ctx), "at most 1024"),
		   "release of claim-max-bdfs + 1 names: -E2BIG, the limit named");
	}
	ok(pcipass_monitor_new(ctx, NULL) == -EINVAL, "monitor_new(NULL)");
	ok(pcipass_monitor_get_fd(NULL) == -1, "monitor_get_fd(NULL)");
	ok(pcipass_monitor_dispatch(NULL, NULL, NULL) == -EINVAL,
	   "monitor_dispatch(NULL)");
	ok(pcipass_monitor_unref(NULL) == NULL, "monitor_unref(NULL)");

	pcipass_set_source(ctx, PCIPASS_SOURCE_NETLINK);
	if (pcipass_snapshot_new(ctx, &snap) == 0) {
		pcipass_snapshot_unref(snap);
		skip("claim without the module", "pcipass module loaded");
		skip("release without the module", "pcipass module loaded");
		skip("monitor without the module", "pcipass module loaded");
		pcipass_unref(ctx);
		return;
	}
	err = pcipass_claim(ctx, bdfs, 2, PCIPASS_CLAIM_FLAGS_FORCE, &done);
	ok(err == -ENOENT && !done, "claim without the module: -ENOENT");
	err = pcipass_release(ctx, bdfs, 1, 0, &done);
	ok(err == -ENOENT && !done, "release without the module: -ENOENT");
	err = pcipass_monitor_new(ctx, &mon);
	ok(err == -ENOENT && !mon &&
	   !strcmp(pcipass_get_extack(ctx), "pcipass kernel module not loaded"),
	   "monitor without the module: -ENOENT and why");
	pcipass_unref(ctx);
}

/* Source selection and the sysfs root, without touching the kernel. */
static void test_sources(void)
{
	struct pcipass_snapshot *snap = NULL;
	struct pcipass_dev *dev = NULL;
	struct pcipass_ctx *ctx;
	char *policy = (char *)"x";
	int err;

	pcipass_new(&ctx);
	ok(pcipass_get_source(ctx) == PCIPASS_SOURCE_AUTO &&
	   !pcipass_get_sysfs_root(ctx), "default: auto, real /sys");
	ok(pcipass_set_source(ctx, 7) == -EINVAL &&
	   pcipass_set_source(ctx, -1) == -EINVAL &&
	   pcipass_get_source(ctx) == PCIPASS_SOURCE_AUTO,
	   "unknown source: -EINVAL, unchanged");
	ok(!strcmp(pcipass_source_name(PCIPASS_SOURCE_NETLINK), "netlink") &&
	   !strcmp(pcipass_source_name(PCIPASS_SOURCE_SYSFS), "sysfs") &&
	   !strcmp(pcipass_source_name(PCIPASS_SOURCE_AUTO), "auto") &&
	   !pcipass_source_name(3), "source names");
	ok(!pcipass_set_sysfs_root(ctx, "/nonexistent//") &&
	   !strcmp(pcipass_get_sysfs_root(ctx), "/nonexistent"),
	   "sysfs root: trailing slashes dropped");
	err = pcipass_snapshot_new(ctx, &snap);
	ok(err == -ENOENT && !snap && pcipass_get_extack(ctx) &&
	   strstr(pcipass_get_extack(ctx), "/nonexistent/sys/bus/pci/devices"),
	   "auto with a root reads sysfs there: -ENOENT naming the path");
	err = pcipass_dev_get(ctx, "0000:00:00.0", &dev);
	ok(err == -ENODEV && !dev, "dev_get below a missing root: -ENODEV");
	err = pcipass_dev_get(ctx, "zz", &dev);
	ok(err == -EINVAL && !dev, "dev_get of a bad BDF from sysfs: -EINVAL");
	err = pcipass_policy_get(ctx, &policy);
	ok(err == -ENOENT && !policy &&
	   !strcmp(pcipass_get_extack(ctx), "pcipass kernel module not loaded"),
	   "policy below a missing root: -ENOENT, no module");
	ok(pcipass_claim_runtime(ctx, NULL, 0, 0, NULL) == -EINVAL,
	   "runtime claim of nothing: -EINVAL");
	ok(!pcipass_set_sysfs_root(ctx, "/") && !pcipass_get_sysfs_root(ctx),
	   "sysfs root \"/\" is the real /sys");
	ok(pcipass_snapshot_get_source(NULL) == -1 &&
	   !pcipass_group_has_generation(NULL) &&
	   !pcipass_dev_has_generation(NULL), "NULL getters");
	pcipass_unref(ctx);
}

static void test_names(void)
{
	struct pcipass_ctx *ctx;
	char buf[256];
	int err;

	pcipass_new(&ctx);

	err = pcipass_name_lookup(ctx, PCIPASS_NAME_VENDOR, 0x10de, 0, 0, 0, 0,
				  buf, sizeof(buf));
	if (err == -ENOENT) {
		skip("names", "no PCI ID database");	/* plan is at the end */
		pcipass_unref(ctx);
		return;
	}
	ok(!err && !strcmp(buf, "NVIDIA Corporation"), "vendor name");
	err = pcipass_name_lookup(ctx, PCIPASS_NAME_VENDOR_DEVICE, 0x10de,
				  0x1b39, 0, 0, 0, buf, sizeof(buf));
	printf("# %s\n", err ? "-" : buf);
	ok(!err && !strcmp(buf, "NVIDIA Corporation GP102GL [Tesla P10]"),
	   "vendor and device name");
	err = pcipass_name_lookup(ctx, PCIPASS_NAME_CLASS, 0, 0, 0, 0,
				  0x010802, buf, sizeof(buf));
	ok(!err && !strcmp(buf, "Non-Volatile memory controller"),
	   "class name");
	err = pcipass_name_lookup(ctx, PCIPASS_NAME_PROGIF, 0, 0, 0, 0,
				  0x010802, buf, sizeof(buf));
	ok(!err && !strcmp(buf, "NVM Express"), "programming interface name");
	ok(pcipass_name_lookup(ctx, PCIPASS_NAME_DEVICE, 0x10de, 0xfffe, 0, 0,
			       0, buf, sizeof(buf)) == -ENOENT,
	   "unknown device: -ENOENT");
	ok(pcipass_name_lookup(ctx, PCIPASS_NAME_VENDOR, 0x10de, 0, 0, 0, 0,
			       buf, 4) == -ENOSPC, "short buffer: -ENOSPC");
	ok(pcipass_name_lookup(ctx, (enum pcipass_name)99, 0, 0, 0, 0, 0, buf,
			       sizeof(buf)) == -EINVAL, "bad request: -EINVAL");
	pcipass_unref(ctx);
}

int main(void)
{
	printf("TAP version 13\n");
	test_ctx();
	test_no_module();
	test_names();
	test_claim_no_module();
	test_sources();
	ok(!strcmp(pcipass_claim_origin_name(PCIPASS_CLAIM_ORIGIN_EXTERNAL),
		   "external"), "claim origin name");
	ok(pcipass_claim_origin_name(4) == NULL, "claim origin 4 has no name");
	ok(!strcmp(pcipass_event_type_name(PCIPASS_EVENT_TYPE_RELEASE),
		   "release"), "event type name");
	ok(pcipass_event_type_name(-1) == NULL, "event type -1 has no name");
	ok(pcipass_dev_get_claim_origin(NULL) == -1, "claim origin of NULL");
	ok(pcipass_dev_get_prev_driver(NULL) == NULL, "prev driver of NULL");
	ok(pcipass_event_get_bdf(NULL) == NULL, "event_get_bdf(NULL)");
	ok(!strcmp(pcipass_pcie_type_name(4), "root-port"), "pcie type name");
	ok(pcipass_pcie_type_name(2) == NULL, "pcie type 2 has no name");
	ok(pcipass_pcie_type_name(-1) == NULL, "pcie type -1 has no name");
	ok(pcipass_snapshot_unref(NULL) == NULL, "snapshot_unref(NULL)");
	ok(pcipass_dev_unref(NULL) == NULL, "dev_unref(NULL)");
	ok(pcipass_dev_next(NULL, NULL) == NULL, "dev_next(NULL)");
	ok(pcipass_dev_get_bdf(NULL) == NULL, "dev_get_bdf(NULL)");
	ok(pcipass_dev_get_numa_node(NULL) == -1, "numa node of NULL");
	ok(logged > 0, "log callback called");
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
