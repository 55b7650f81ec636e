// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the pure logic of kmod/pcipass_core.c (ACS evaluation, group
 * viability, PCI address parsing) over tables, and the generation counter
 * and snapshot bookkeeping against the real PCI functions and IOMMU groups
 * of the machine the test runs on.
 */
#include <kunit/test.h>
#include <linux/iommu.h>
#include <linux/kref.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "pcipass.h"
#include "pcipass_quirks.h"

/* --- ACS --------------------------------------------------------------- */

struct acs_case {
	const char *what;
	struct pcipass_acs_in in;
	u16 flags;
	bool enabled;
};

#define REQ	PCIPASS_ACS_REQ
#define ALL	(PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR | \
		 PCI_ACS_UF | PCI_ACS_EC | PCI_ACS_DT)
/* pcie, type, multifunction, has_cap, cap, ctrl */
#define ACS(type, mf, has, cap, ctrl)	{ true, type, mf, has, cap, ctrl }

static const struct acs_case acs_cases[] = {
	{ "conventional PCI", { false, 0, false, true, ALL, ALL }, REQ, false },
	{ "PCIe-to-PCI bridge", ACS(PCI_EXP_TYPE_PCI_BRIDGE, false, true, ALL, ALL), REQ, false },
	{ "PCI-to-PCIe bridge", ACS(PCI_EXP_TYPE_PCIE_BRIDGE, false, true, ALL, ALL), REQ, false },
	{ "RC event collector", ACS(PCI_EXP_TYPE_RC_EC, false, true, ALL, ALL), REQ, false },
	{ "endpoint, single function", ACS(PCI_EXP_TYPE_ENDPOINT, false, false, 0, 0), REQ, true },
	{ "legacy endpoint, single", ACS(PCI_EXP_TYPE_LEG_END, false, false, 0, 0), REQ, true },
	{ "RC integrated endpoint, single",
	  ACS(PCI_EXP_TYPE_RC_END, false, false, 0, 0), REQ, true },
	{ "upstream port, single", ACS(PCI_EXP_TYPE_UPSTREAM, false, false, 0, 0), REQ, true },
	{ "endpoint, multifunction, no cap",
	  ACS(PCI_EXP_TYPE_ENDPOINT, true, false, 0, 0), REQ, false },
	{ "legacy endpoint, mf, no cap", ACS(PCI_EXP_TYPE_LEG_END, true, false, 0, 0), REQ, false },
	{ "RC endpoint, mf, no cap", ACS(PCI_EXP_TYPE_RC_END, true, false, 0, 0), REQ, false },
	{ "upstream port, mf, no cap", ACS(PCI_EXP_TYPE_UPSTREAM, true, false, 0, 0), REQ, false },
	{ "endpoint, mf, all enabled",
	  ACS(PCI_EXP_TYPE_ENDPOINT, true, true, ALL, ALL), REQ, true },
	{ "endpoint, mf, exactly SV RR CR UF",
	  ACS(PCI_EXP_TYPE_ENDPOINT, true, true, REQ, REQ), REQ, true },
	{ "endpoint, mf, UF off",
	  ACS(PCI_EXP_TYPE_ENDPOINT, true, true, REQ, REQ & ~PCI_ACS_UF), REQ, false },
	{ "endpoint, mf, SV off",
	  ACS(PCI_EXP_TYPE_ENDPOINT, true, true, ALL, ALL & ~PCI_ACS_SV), REQ, false },
	{ "endpoint, mf, only RR offered and on",
	  ACS(PCI_EXP_TYPE_ENDPOINT, true, true, PCI_ACS_RR, PCI_ACS_RR), REQ, true },
	{ "endpoint, mf, only RR offered, off",
	  ACS(PCI_EXP_TYPE_ENDPOINT, true, true, PCI_ACS_RR, 0), REQ, false },
	{ "endpoint, mf, nothing offered",
	  ACS(PCI_EXP_TYPE_ENDPOINT, true, true, 0, 0), REQ, true },
	{ "root port, no cap", ACS(PCI_EXP_TYPE_ROOT_PORT, false, false, 0, 0), REQ, false },
	{ "root port, all enabled", ACS(PCI_EXP_TYPE_ROOT_PORT, false, true, ALL, ALL), REQ, true },
	{ "root port, offered, all off",
	  ACS(PCI_EXP_TYPE_ROOT_PORT, false, true, ALL, 0), REQ, false },
	{ "root port, CR off",
	  ACS(PCI_EXP_TYPE_ROOT_PORT, false, true, ALL, ALL & ~PCI_ACS_CR), REQ, false },
	{ "root port, RR off",
	  ACS(PCI_EXP_TYPE_ROOT_PORT, false, true, ALL, ALL & ~PCI_ACS_RR), REQ, false },
	{ "root port, nothing offered", ACS(PCI_EXP_TYPE_ROOT_PORT, false, true, 0, 0), REQ, true },
	{ "root port, ctrl bits not offered",
	  ACS(PCI_EXP_TYPE_ROOT_PORT, false, true, PCI_ACS_SV, ALL), REQ, true },
	{ "downstream port, no cap", ACS(PCI_EXP_TYPE_DOWNSTREAM, false, false, 0, 0), REQ, false },
	{ "downstream port, all enabled",
	  ACS(PCI_EXP_TYPE_DOWNSTREAM, true, true, ALL, ALL), REQ, true },
	{ "downstream port, UF off",
	  ACS(PCI_EXP_TYPE_DOWNSTREAM, false, true, ALL, ALL & ~PCI_ACS_UF), REQ, false },
	{ "egress control required, not offered",
	  ACS(PCI_EXP_TYPE_ROOT_PORT, false, true, 0, 0), PCI_ACS_EC, false },
	{ "egress control required, on",
	  ACS(PCI_EXP_TYPE_ROOT_PORT, false, true, 0, PCI_ACS_EC), PCI_ACS_EC, true },
	{ "translation blocking only, on",
	  ACS(PCI_EXP_TYPE_DOWNSTREAM, false, true, PCI_ACS_TB, PCI_ACS_TB), PCI_ACS_TB, true },
	{ "no flags required, mf, no cap",
	  ACS(PCI_EXP_TYPE_ENDPOINT, true, false, 0, 0), 0, false },
	{ "reserved port type 2", ACS(2, true, false, 0, 0), REQ, true },
	{ "reserved port type 0xf", ACS(0xf, true, false, 0, 0), REQ, true },
	/* D3cold or gone: all ones, which would read as everything on. */
	{ "root port, registers unreadable",
	  { true, PCI_EXP_TYPE_ROOT_PORT, false, true, 0xffff, 0xffff, true },
	  REQ, false },
	{ "downstream port, registers unreadable",
	  { true, PCI_EXP_TYPE_DOWNSTREAM, false, true, 0xffff, 0xffff, true },
	  REQ, false },
};

struct dword_case {
	u16 vendor, device;
	bool root_port, dword;
};

/* drivers/pci/quirks.c, pci_quirk_intel_spt_pch_acs_match(), 6.12 */
static const struct dword_case dword_cases[] = {
	{ 0x8086, 0xa110, true, true },
	{ 0x8086, 0xa11f, true, true },
	{ 0x8086, 0xa120, true, false },
	{ 0x8086, 0xa167, true, true },
	{ 0x8086, 0xa16a, true, true },
	{ 0x8086, 0xa16b, true, false },
	{ 0x8086, 0xa290, true, true },
	{ 0x8086, 0xa2ee, true, true },
	{ 0x8086, 0x9d10, true, true },
	{ 0x8086, 0x9d1b, true, true },
	{ 0x8086, 0x9d1c, true, false },
	{ 0x8086, 0xa110, false, false },
	{ 0x1022, 0xa110, true, false },
	{ 0x8086, 0x29c0, true, false },
};

static void dword_desc(const struct dword_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%04x:%04x%s", c->vendor,
		 c->device, c->root_port ? " root port" : "");
}

KUNIT_ARRAY_PARAM(dword, dword_cases, dword_desc);

static void pcipass_acs_dword_regs_test(struct kunit *test)
{
	const struct dword_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, pcipass_acs_dword_regs(c->vendor, c->device,
						     c->root_port), c->dword);
}

static void acs_desc(const struct acs_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(acs, acs_cases, acs_desc);

static void pcipass_acs_enabled_test(struct kunit *test)
{
	const struct acs_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, pcipass_acs_enabled(&c->in, c->flags), c->enabled);
}

/*
 * What pcipass_acs_read() reports is what config space holds: the PCIe
 * type, the multifunction bit and, for every function with an ACS
 * capability, its Capability and Control registers read directly. The
 * lab's root ports have ACS, so at least one function is compared. And a
 * path isolates only if its first hop does.
 */
static void pcipass_acs_path_test(struct kunit *test)
{
	struct pcipass_acs_in in;
	struct pci_dev *pdev = NULL;
	unsigned int n = 0, compared = 0;
	u16 cap, ctrl;
	int pos, err;

	for_each_pci_dev(pdev) {
		n++;
		pcipass_acs_read(pdev, &in);
		KUNIT_EXPECT_EQ_MSG(test, in.pcie, pci_is_pcie(pdev), "%s",
				    pci_name(pdev));
		if (in.pcie)
			KUNIT_EXPECT_EQ_MSG(test, in.pcie_type,
					    pci_pcie_type(pdev), "%s",
					    pci_name(pdev));
		KUNIT_EXPECT_EQ_MSG(test, in.multifunction,
				    (bool)pdev->multifunction, "%s",
				    pci_name(pdev));

		pos = pci_find_ext_capability(pdev, PCI_EXT_CAP_ID_ACS);
		KUNIT_EXPECT_EQ_MSG(test, in.has_cap, pos != 0, "%s",
				    pci_name(pdev));
		if (pos && in.has_cap) {
			err = pci_read_config_word(pdev, pos + PCI_ACS_CAP, &cap);
			err |= pci_read_config_word(pdev, pos + PCI_ACS_CTRL,
						    &ctrl);
			KUNIT_EXPECT_EQ_MSG(test, err, PCIBIOS_SUCCESSFUL,
					    "%s config read", pci_name(pdev));
			KUNIT_EXPECT_EQ_MSG(test, in.cap, cap, "%s ACS cap",
					    pci_name(pdev));
			KUNIT_EXPECT_EQ_MSG(test, in.ctrl, ctrl, "%s ACS ctrl",
					    pci_name(pdev));
			compared++;
		}

		if (!pcipass_acs_enabled(&in, PCIPASS_ACS_REQ))
			KUNIT_EXPECT_FALSE(test,
					   pcipass_acs_path_enabled(pdev, PCIPASS_ACS_REQ));
	}
	if (!n)
		kunit_skip(test, "no PCI functions");
	kunit_info(test, "ACS registers compared on %u of %u functions\n",
		   compared, n);
	KUNIT_ASSERT_GT_MSG(test, compared, 0,
			    "no function with an ACS capability");
}

/* --- group viability --------------------------------------------------- */

struct viable_case {
	const char *driver;	/* NULL: unbound */
	bool managed;		/* driver_managed_dma */
	bool bridge;
	bool viable;
};

/*
 * vfio's rule: the driver's driver_managed_dma, not its name, and bridges
 * too. The names are those of drivers that have (or lack) the flag.
 */
static const struct viable_case viable_cases[] = {
	{ NULL, false, false, true },
	{ NULL, false, true, true },
	{ "vfio-pci", true, false, true },
	{ "pci-stub", true, false, true },
	{ "mlx5_vfio_pci", true, false, true },
	{ "nvgrace_gpu_vfio_pci", true, false, true },
	{ "pcieport", true, true, true },
	{ "shpchp", false, true, false },
	{ "nvme", false, false, false },
	{ "e1000e", false, false, false },
	{ "xhci_hcd", false, false, false },
	{ "vfio-pci", false, false, false },
};

static void viable_desc(const struct viable_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s%s%s",
		 c->driver ? c->driver : "(unbound)",
		 c->managed ? ", driver_managed_dma" : "",
		 c->bridge ? ", bridge" : "");
}

KUNIT_ARRAY_PARAM(viable, viable_cases, viable_desc);

static void pcipass_dev_viable_test(struct kunit *test)
{
	const struct viable_case *c = test->param_value;
	struct pci_driver *drv;
	struct pci_dev *pdev;

	pdev = kunit_kzalloc(test, sizeof(*pdev), GFP_KERNEL);
	drv = kunit_kzalloc(test, sizeof(*drv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pdev);
	KUNIT_ASSERT_NOT_NULL(test, drv);
	pdev->hdr_type = c->bridge ? PCI_HEADER_TYPE_BRIDGE :
				     PCI_HEADER_TYPE_NORMAL;
	drv->name = c->driver;
	drv->driver.name = c->driver;
	drv->driver_managed_dma = c->managed;
	if (c->driver)
		pdev->dev.driver = &drv->driver;
	KUNIT_EXPECT_EQ(test, pcipass_dev_viable(pdev), c->viable);
}

/*
 * The running kernel's functions: every one bound to pcieport, a bridge
 * vfio lets stay, counts as viable, and none bound to a driver that uses
 * the DMA API does.
 */
static void pcipass_dev_viable_live_test(struct kunit *test)
{
	struct pci_dev *pdev = NULL;
	unsigned int ports = 0, others = 0;
	char drv[PCIPASS_NAME_MAX];

	for_each_pci_dev(pdev) {
		if (!pcipass_driver_name(pdev, drv, sizeof(drv)))
			continue;
		if (!strcmp(drv, "pcieport")) {
			ports++;
			KUNIT_EXPECT_TRUE_MSG(test, pcipass_dev_viable(pdev),
					      "%s on pcieport", pci_name(pdev));
		} else if (!strcmp(drv, "nvme") || !strcmp(drv, "e1000e") ||
			   !strcmp(drv, "xhci_hcd")) {
			others++;
			KUNIT_EXPECT_FALSE_MSG(test, pcipass_dev_viable(pdev),
					       "%s on %s", pci_name(pdev), drv);
		}
	}
	if (!ports && !others)
		kunit_skip(test, "no function on pcieport, nvme, e1000e or xhci_hcd");
	kunit_info(test, "%u on pcieport, %u on nvme/e1000e/xhci_hcd\n",
		   ports, others);
}

/* --- PCI addresses ----------------------------------------------------- */

struct bdf_case {
	const char *in;
	int ret;
	u32 domain;
	u8 bus, slot, func;
};

static const struct bdf_case bdf_cases[] = {
	{ "0000:00:00.0", 0, 0, 0, 0, 0 },
	{ "0000:05:1f.7", 0, 0, 5, 0x1f, 7 },
	{ "10000:ff:00.1", 0, 0x10000, 0xff, 0, 1 },
	{ "7fffffff:AB:0a.3", 0, 0x7fffffff, 0xab, 0xa, 3 },
	{ "ffffffff:00:00.0", 0, 0xffffffff, 0, 0, 0 },
	{ "", -EINVAL },
	{ "000:00:00.0", -EINVAL },		/* domain too short */
	{ "123456789:00:00.0", -EINVAL },	/* domain too long */
	{ "05:00.0", -EINVAL },			/* not a full address */
	{ "0000:00:20.0", -EINVAL },		/* slot out of range */
	{ "0000:00:00.8", -EINVAL },
	{ "0000-00:00.0", -EINVAL },
	{ "0000:00-00.0", -EINVAL },
	{ "0000:00:00:0", -EINVAL },
	{ "0000:0g:00.0", -EINVAL },
	{ "000x:00:00.0", -EINVAL },
	{ "0000:00:00.0 ", -EINVAL },
	{ " 0000:00:00.0", -EINVAL },
	{ "0000:+1:00.0", -EINVAL },
};

static void bdf_desc(const struct bdf_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->in);
}

KUNIT_ARRAY_PARAM(bdf, bdf_cases, bdf_desc);

static void pcipass_parse_bdf_test(struct kunit *test)
{
	const struct bdf_case *c = test->param_value;
	u32 domain = 0x5555;
	u8 bus = 0x55, devfn = 0x55;
	int ret;

	ret = pcipass_parse_bdf(c->in, &domain, &bus, &devfn);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret) {
		KUNIT_EXPECT_EQ(test, bus, 0x55);
		KUNIT_EXPECT_EQ(test, devfn, 0x55);
		return;
	}
	KUNIT_EXPECT_EQ(test, domain, c->domain);
	KUNIT_EXPECT_EQ(test, bus, c->bus);
	KUNIT_EXPECT_EQ(test, devfn, PCI_DEVFN(c->slot, c->func));
}

/* Every function's own name parses back to itself. */
static void pcipass_parse_bdf_names_test(struct kunit *test)
{
	struct pci_dev *pdev = NULL;
	u32 domain;
	u8 bus, devfn;

	for_each_pci_dev(pdev) {
		KUNIT_EXPECT_EQ(test, pcipass_parse_bdf(pci_name(pdev), &domain,
							&bus, &devfn), 0);
		KUNIT_EXPECT_EQ(test, domain, (u32)pci_domain_nr(pdev->bus));
		KUNIT_EXPECT_EQ(test, bus, pdev->bus->number);
		KUNIT_EXPECT_EQ(test, devfn, pdev->devfn);
	}
}

/* --- generation -------------------------------------------------------- */

static void pcipass_gen_test(struct kunit *test)
{
	u32 g = pcipass_gen_read(), next;
	unsigned int i;

	KUNIT_EXPECT_NE(test, g, 0);
	for (i = 0; i < 1000; i++) {
		pcipass_gen_bump();
		next = pcipass_gen_read();
		KUNIT_ASSERT_EQ(test, next, g + 1 ?: 1);
		g = next;
	}
}

/* Zero means "not tracked" to the netlink core: a wrap skips it. */
static void pcipass_gen_wrap_test(struct kunit *test)
{
	int saved = atomic_read(&pcipass_gen);

	atomic_set(&pcipass_gen, (int)(U32_MAX - 1));
	pcipass_gen_bump();
	KUNIT_EXPECT_EQ(test, pcipass_gen_read(), U32_MAX);
	pcipass_gen_bump();
	KUNIT_EXPECT_EQ(test, pcipass_gen_read(), 1);
	pcipass_gen_bump();
	KUNIT_EXPECT_EQ(test, pcipass_gen_read(), 2);
	atomic_set(&pcipass_gen, saved);
}

/* --- snapshots --------------------------------------------------------- */

static unsigned int refs(struct pci_dev *pdev)
{
	return kref_read(&pdev->dev.kobj.kref);
}

/*
 * A collect holds one reference on each function, in address order and
 * without duplicates, and a release gives exactly those back.
 */
static void pcipass_devs_collect_test(struct kunit *test)
{
	struct pcipass_devs a, b;
	struct pci_dev *pdev = NULL;
	unsigned int i, n = 0, *before;

	for_each_pci_dev(pdev)
		n++;
	if (!n)
		kunit_skip(test, "no PCI functions");

	KUNIT_ASSERT_EQ(test, pcipass_devs_collect(&a), 0);
	KUNIT_ASSERT_EQ(test, a.n, n);
	for (i = 1; i < a.n; i++)
		KUNIT_EXPECT_LT(test, pcipass_dev_key(a.dev[i - 1]),
				pcipass_dev_key(a.dev[i]));

	before = kunit_kcalloc(test, a.n, sizeof(*before), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	for (i = 0; i < a.n; i++)
		before[i] = refs(a.dev[i]);

	KUNIT_ASSERT_EQ(test, pcipass_devs_collect(&b), 0);
	KUNIT_EXPECT_EQ(test, b.n, a.n);
	for (i = 0; i < a.n && i < b.n; i++) {
		KUNIT_EXPECT_PTR_EQ(test, b.dev[i], a.dev[i]);
		KUNIT_EXPECT_EQ(test, refs(a.dev[i]), before[i] + 1);
	}
	pcipass_devs_release(&b);
	KUNIT_EXPECT_EQ(test, b.n, 0);
	KUNIT_EXPECT_PTR_EQ(test, b.dev, NULL);
	for (i = 0; i < a.n; i++)
		KUNIT_EXPECT_EQ(test, refs(a.dev[i]), before[i]);
	pcipass_devs_release(&a);

	/* Releasing an empty snapshot is harmless. */
	pcipass_devs_release(&a);
	KUNIT_EXPECT_EQ(test, a.n, 0);
}

/*
 * Groups come in id order, each once; every PCI function in a group is a
 * member of exactly that group's snapshot, in address order.
 */
static void pcipass_groups_collect_test(struct kunit *test)
{
	struct pcipass_group_ref *g;
	struct pcipass_devs members;
	struct iommu_group *group;
	struct pci_dev *pdev = NULL;
	unsigned int i, j, n, in_groups = 0, total = 0;
	u32 max_id = 0;

	for_each_pci_dev(pdev) {
		group = iommu_group_get(&pdev->dev);
		if (group) {
			in_groups++;
			iommu_group_put(group);
		}
	}
	KUNIT_ASSERT_EQ(test, pcipass_groups_collect(&g, &n), 0);
	if (!in_groups) {
		KUNIT_EXPECT_EQ(test, n, 0);
		pcipass_groups_release(g, n);
		kunit_skip(test, "no IOMMU groups (no IOMMU)");
	}
	KUNIT_ASSERT_GT(test, n, 0);

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, g[i].id, (u32)iommu_group_id(g[i].group));
		if (i)
			KUNIT_EXPECT_LT(test, g[i - 1].id, g[i].id);
		max_id = max(max_id, g[i].id);

		KUNIT_ASSERT_EQ(test, pcipass_group_members(g[i].group,
							    &members), 0);
		KUNIT_EXPECT_GT(test, members.n, 0);
		for (j = 0; j < members.n; j++) {
			group = iommu_group_get(&members.dev[j]->dev);
			KUNIT_EXPECT_PTR_EQ(test, group, g[i].group);
			iommu_group_put(group);
			if (j)
				KUNIT_EXPECT_LT(test,
						pcipass_dev_key(members.dev[j - 1]),
						pcipass_dev_key(members.dev[j]));
		}
		total += members.n;
		pcipass_devs_release(&members);

		group = pcipass_group_find(g[i].id);
		KUNIT_EXPECT_PTR_EQ(test, group, g[i].group);
		iommu_group_put(group);
	}
	KUNIT_EXPECT_EQ(test, total, in_groups);
	KUNIT_EXPECT_PTR_EQ(test, pcipass_group_find(max_id + 1), NULL);
	pcipass_groups_release(g, n);
}

static struct kunit_case pcipass_core_cases[] = {
	KUNIT_CASE_PARAM(pcipass_acs_enabled_test, acs_gen_params),
	KUNIT_CASE(pcipass_acs_path_test),
	KUNIT_CASE_PARAM(pcipass_acs_dword_regs_test, dword_gen_params),
	KUNIT_CASE_PARAM(pcipass_dev_viable_test, viable_gen_params),
	KUNIT_CASE(pcipass_dev_viable_live_test),
	KUNIT_CASE_PARAM(pcipass_parse_bdf_test, bdf_gen_params),
	KUNIT_CASE(pcipass_parse_bdf_names_test),
	KUNIT_CASE(pcipass_gen_test),
	KUNIT_CASE(pcipass_gen_wrap_test),
	KUNIT_CASE(pcipass_devs_collect_test),
	KUNIT_CASE(pcipass_groups_collect_test),
	{}
};

static struct kunit_suite pcipass_core_suite = {
	.name = "pcipass_core",
	.test_cases = pcipass_core_cases,
};

kunit_test_suite(pcipass_core_suite);
