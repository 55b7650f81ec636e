// SPDX-License-Identifier: GPL-2.0
/*
 * pcipass core: walk PCI functions and IOMMU groups, evaluate ACS the way
 * the IOMMU core does, and keep the topology generation counter.
 */

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "pcipass.h"
#include "pcipass_quirks.h"

/**
 * pcipass_acs_enabled() - does one function provide the given ACS features
 * @in: the function's PCIe type, multifunction bit and ACS registers
 * @flags: required PCI_ACS_* features
 *
 * Mirrors pci_acs_enabled() in drivers/pci/pci.c (which is not exported),
 * without the device-specific quirks of drivers/pci/quirks.c: those can
 * only make a function look better isolated than its registers say, and
 * the kernel's IOMMU group stays the truth.
 *
 * Return: true if the function isolates as @flags require.
 */
bool pcipass_acs_enabled(const struct pcipass_acs_in *in, u16 flags)
{
	/* Conventional PCI: a shared bus, anyone can snoop DMA. */
	if (!in->pcie)
		return false;

	switch (in->pcie_type) {
	case PCI_EXP_TYPE_PCIE_BRIDGE:
	case PCI_EXP_TYPE_PCI_BRIDGE:
	case PCI_EXP_TYPE_RC_EC:
		return false;
	case PCI_EXP_TYPE_DOWNSTREAM:
	case PCI_EXP_TYPE_ROOT_PORT:
		break;
	case PCI_EXP_TYPE_ENDPOINT:
	case PCI_EXP_TYPE_UPSTREAM:
	case PCI_EXP_TYPE_LEG_END:
	case PCI_EXP_TYPE_RC_END:
		/* ACS only applies between functions of one device. */
		if (!in->multifunction)
			return true;
		break;
	default:
		return true;
	}

	/* Registers that cannot be read isolate nothing anyone can tell. */
	if (!in->has_cap || in->unreadable)
		return false;
	/*
	 * Except for egress control, a feature the capability does not
	 * offer is hard-wired enabled (PCIe r6.0, 6.12.1).
	 */
	flags &= in->cap | PCI_ACS_EC;
	return (in->ctrl & flags) == flags;
}

/**
 * pcipass_acs_read() - read what pcipass_acs_enabled() needs from hardware
 * @pdev: the PCI function
 * @in: filled in
 */
void pcipass_acs_read(struct pci_dev *pdev, struct pcipass_acs_in *in)
{
	int pos = pdev->acs_cap, err;
	u32 cap, ctrl;

	memset(in, 0, sizeof(*in));
	in->pcie = pci_is_pcie(pdev);
	if (in->pcie)
		in->pcie_type = pci_pcie_type(pdev);
	in->multifunction = pdev->multifunction;
	if (!pos)
		return;
	in->has_cap = true;
	if (pcipass_acs_dword_regs(pdev->vendor, pdev->device,
				   in->pcie &&
				   in->pcie_type == PCI_EXP_TYPE_ROOT_PORT)) {
		err = pci_read_config_dword(pdev, pos + PCI_ACS_CAP, &cap);
		err |= pci_read_config_dword(pdev, pos + PCIPASS_ACS_CTRL_DWORD,
					     &ctrl);
		in->unreadable = err || PCI_POSSIBLE_ERROR(cap);
		in->cap = cap;
		in->ctrl = ctrl;
		return;
	}
	err = pci_read_config_word(pdev, pos + PCI_ACS_CAP, &in->cap);
	err |= pci_read_config_word(pdev, pos + PCI_ACS_CTRL, &in->ctrl);
	/* A function in D3cold, or gone, reads all ones. */
	in->unreadable = err || PCI_POSSIBLE_ERROR(in->cap);
}

/**
 * pcipass_acs_path_enabled() - does a function and every bridge above it
 *	isolate
 * @pdev: the PCI function
 * @flags: required PCI_ACS_* features
 *
 * Mirrors pci_acs_path_enabled(pdev, NULL, flags).
 *
 * Return: true if every function from @pdev up to the root bus isolates.
 */
bool pcipass_acs_path_enabled(struct pci_dev *pdev, u16 flags)
{
	struct pcipass_acs_in in;
	struct pci_bus *bus;

	for (;;) {
		pcipass_acs_read(pdev, &in);
		if (!pcipass_acs_enabled(&in, flags))
			return false;
		/* SR-IOV VFs may sit on a virtual bus with no bridge. */
		for (bus = pdev->bus; !pci_is_root_bus(bus) && !bus->self;
		     bus = bus->parent)
			;
		if (pci_is_root_bus(bus))
			return true;
		pdev = bus->self;
	}
}

/**
 * pcipass_dev_viable() - may a group member stay as it is when its group
 *	is given to a VFIO user
 * @pdev: the member
 *
 * vfio's own rule (iommu_group_claim_dma_owner()): every member, bridges
 * included, is unbound or bound to a driver that manages DMA itself
 * (driver_managed_dma: vfio-pci and its variant drivers, pci-stub,
 * pcieport). Any other driver uses the kernel's DMA API, which holds the
 * group's DMA ownership (pci_dma_configure()) and keeps vfio out. Lockless
 * for the reason pcipass_driver_name() gives.
 *
 * Return: true if the member does not stop its group from being viable.
 */
bool pcipass_dev_viable(struct pci_dev *pdev)
{
	struct device_driver *drv;
	bool viable;

	rcu_read_lock();
	drv = READ_ONCE(pdev->dev.driver);
	viable = !drv || to_pci_driver(drv)->driver_managed_dma;
	rcu_read_unlock();
	return viable;
}

static int pcipass_hex(const char *s, unsigned int len, u32 *val)
{
	unsigned int i;
	int d;

	*val = 0;
	for (i = 0; i < len; i++) {
		d = hex_to_bin(s[i]);
		if (d < 0)
			return -EINVAL;
		*val = *val << 4 | d;
	}
	return 0;
}

/**
 * pcipass_parse_bdf() - parse a full PCI address as the kernel prints it
 * @s: "dddd:bb:dd.f", the domain four to eight hex digits
 * @domain: parsed domain
 * @bus: parsed bus
 * @devfn: parsed device and function
 *
 * Return: 0, or -EINVAL if @s is not a full, in-range PCI address.
 */
int pcipass_parse_bdf(const char *s, u32 *domain, u8 *bus, u8 *devfn)
{
	size_t len = strlen(s);
	unsigned int dlen;
	u32 b, d, f;

	if (len < 12 || len > 16)
		return -EINVAL;
	dlen = len - 8;
	if (s[dlen] != ':' || s[dlen + 3] != ':' || s[dlen + 6] != '.')
		return -EINVAL;
	if (pcipass_hex(s, dlen, domain) ||
	    pcipass_hex(s + dlen + 1, 2, &b) ||
	    pcipass_hex(s + dlen + 4, 2, &d) ||
	    pcipass_hex(s + dlen + 7, 1, &f))
		return -EINVAL;
	if (d > 0x1f || f > 7)
		return -EINVAL;
	*bus = b;
	*devfn = PCI_DEVFN(d, f);
	return 0;
}

/**
 * pcipass_dev_key() - a function's position in address order
 * @pdev: the PCI function
 *
 * Return: a key that sorts functions by domain, bus, device, function.
 */
u64 pcipass_dev_key(const struct pci_dev *pdev)
{
	return (u64)pci_domain_nr(pdev->bus) << 16 |
	       pdev->bus->number << 8 | pdev->devfn;
}

static int pcipass_dev_cmp(const void *a, const void *b)
{
	u64 ka = pcipass_dev_key(*(struct pci_dev * const *)a);
	u64 kb = pcipass_dev_key(*(struct pci_dev * const *)b);

	return ka < kb ? -1 : ka > kb;
}

static int pcipass_devs_add(struct pcipass_devs *devs, struct pci_dev *pdev,
			    unsigned int *cap)
{
	struct pci_dev **dev;

	if (devs->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		/* A dump's, kept as long as its reader likes: charge it. */
		dev = krealloc_array(devs->dev, *cap, sizeof(*dev),
				     GFP_KERNEL_ACCOUNT);
		if (!dev)
			return -ENOMEM;
		devs->dev = dev;
	}
	devs->dev[devs->n++] = pci_dev_get(pdev);
	return 0;
}

/**
 * pcipass_dev_registered() - is a function still in the device model
 * @pdev: a referenced PCI function
 *
 * False once its removal has begun (device_del()); the reference keeps
 * the struct, not the function. A removal may begin right after: only
 * pci_lock_rescan_remove() would hold it off (see the dev dump).
 *
 * Return: true if @pdev is registered.
 */
bool pcipass_dev_registered(struct pci_dev *pdev)
{
	return device_is_registered(&pdev->dev);
}

/**
 * pcipass_dev_in() - is a function one of an array's
 * @pdev: the PCI function
 * @devs: the array
 * @n: number of entries in @devs
 *
 * Return: true if @pdev is in @devs.
 */
bool pcipass_dev_in(struct pci_dev *pdev, struct pci_dev **devs,
		    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (devs[i] == pdev)
			return true;
	return false;
}

static void pcipass_devs_sort(struct pcipass_devs *devs)
{
	sort(devs->dev, devs->n, sizeof(*devs->dev), pcipass_dev_cmp, NULL);
}

/**
 * pcipass_devs_collect() - take a reference to every PCI function
 * @devs: filled with the functions, sorted by address
 *
 * Functions may come and go right after this returns; callers report that
 * through the generation counter rather than by holding a lock.
 *
 * Return: 0 or -ENOMEM. On error @devs is empty.
 */
int pcipass_devs_collect(struct pcipass_devs *devs)
{
	struct pci_dev *pdev = NULL;
	unsigned int cap = 0;

	devs->dev = NULL;
	devs->n = 0;
	for_each_pci_dev(pdev) {
		if (pcipass_devs_add(devs, pdev, &cap)) {
			pci_dev_put(pdev);
			pcipass_devs_release(devs);
			return -ENOMEM;
		}
	}
	pcipass_devs_sort(devs);
	return 0;
}

/**
 * pcipass_devs_release() - drop the references taken by a collect
 * @devs: the functions
 */
void pcipass_devs_release(struct pcipass_devs *devs)
{
	unsigned int i;

	for (i = 0; i < devs->n; i++)
		pci_dev_put(devs->dev[i]);
	kfree(devs->dev);
	devs->dev = NULL;
	devs->n = 0;
}

struct pcipass_member_walk {
	struct pcipass_devs *devs;
	unsigned int cap;
};

/* Runs under the group mutex: must not take device_lock. */
static int pcipass_member_add(struct device *dev, void *data)
{
	struct pcipass_member_walk *walk = data;

	if (!dev_is_pci(dev) || !pcipass_dev_registered(to_pci_dev(dev)))
		return 0;
	return pcipass_devs_add(walk->devs, to_pci_dev(dev), &walk->cap);
}

/**
 * pcipass_group_members() - take a reference to every PCI function of a
 *	group
 * @group: the IOMMU group
 * @devs: filled with its PCI functions, sorted by address
 *
 * Return: 0 or -ENOMEM. On error @devs is empty.
 */
int pcipass_group_members(struct iommu_group *group,
			  struct pcipass_devs *devs)
{
	struct pcipass_member_walk walk = { .devs = devs };
	int err;

	devs->dev = NULL;
	devs->n = 0;
	err = iommu_group_for_each_dev(group, &walk, pcipass_member_add);
	if (err) {
		pcipass_devs_release(devs);
		return err;
	}
	pcipass_devs_sort(devs);
	return 0;
}

/**
 * pcipass_group_find() - find the IOMMU group with an id
 * @id: IOMMU group id
 *
 * iommu_group_get_by_id() is gone since 6.3, so look for a PCI function
 * in the group. Groups with no PCI function are not ours to report.
 *
 * Return: a referenced group (release with iommu_group_put()), or NULL.
 */
struct iommu_group *pcipass_group_find(u32 id)
{
	struct iommu_group *group;
	struct pci_dev *pdev = NULL;

	for_each_pci_dev(pdev) {
		group = iommu_group_get(&pdev->dev);
		if (!group)
			continue;
		if (iommu_group_id(group) == id) {
			pci_dev_put(pdev);
			return group;
		}
		iommu_group_put(group);
	}
	return NULL;
}

static int pcipass_group_ref_cmp(const void *a, const void *b)
{
	const struct pcipass_group_ref *ga = a, *gb = b;

	return ga->id < gb->id ? -1 : ga->id > gb->id;
}

/**
 * pcipass_groups_collect() - take a reference to every IOMMU group that
 *	holds a PCI function
 * @out: the groups, sorted by id, without duplicates
 * @n: number of groups in @out
 *
 * There is no exported group iterator, so walk the PCI functions.
 *
 * Return: 0 or -ENOMEM. Release @out with pcipass_groups_release().
 */
int pcipass_groups_collect(struct pcipass_group_ref **out, unsigned int *n)
{
	struct pcipass_group_ref *refs;
	struct pcipass_devs devs;
	struct iommu_group *group;
	unsigned int i, k = 0;
	int err;

	err = pcipass_devs_collect(&devs);
	if (err)
		return err;
	refs = kcalloc(devs.n ?: 1, sizeof(*refs), GFP_KERNEL_ACCOUNT);
	if (!refs) {
		pcipass_devs_release(&devs);
		return -ENOMEM;
	}
	for (i = 0; i < devs.n; i++) {
		group = iommu_group_get(&devs.dev[i]->dev);
		if (!group)
			continue;
		refs[k].id = iommu_group_id(group);
		refs[k++].group = group;
	}
	pcipass_devs_release(&devs);

	sort(refs, k, sizeof(*refs), pcipass_group_ref_cmp, NULL);
	*n = 0;
	for (i = 0; i < k; i++) {
		if (*n && refs[*n - 1].id == refs[i].id) {
			iommu_group_put(refs[i].group);
			continue;
		}
		refs[(*n)++] = refs[i];
	}
	*out = refs;
	return 0;
}

/**
 * pcipass_groups_release() - drop the references taken by a groups collect
 * @refs: the groups
 * @n: number of groups in @refs
 */
void pcipass_groups_release(struct pcipass_group_ref *refs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		iommu_group_put(refs[i].group);
	kfree(refs);
}

/**
 * pcipass_driver_name() - copy the name of a function's bound driver
 * @pdev: the PCI function
 * @buf: destination
 * @len: size of @buf
 *
 * Deliberately lockless: device_lock is held across probe and remove, and
 * vfio-pci's remove waits for userspace to close the device, so taking it
 * here would hang a topology dump exactly when a user needs one. A driver
 * structure lives in its module's memory; free_module() waits for an RCU
 * grace period before freeing that, so it cannot vanish under us.
 *
 * Return: true if a driver is bound and its name was copied.
 */
bool pcipass_driver_name(struct pci_dev *pdev, char *buf, size_t len)
{
	struct device_driver *drv;
	bool bound = false;

	rcu_read_lock();
	drv = READ_ONCE(pdev->dev.driver);
	if (drv) {
		strscpy(buf, drv->name, len);
		bound = true;
	}
	rcu_read_unlock();
	return bound;
}

/*
 * The topology generation: bumped around every change a dump can see, so
 * that a dump overlapping one is flagged NLM_F_DUMP_INTR. Zero is never
 * used: the netlink core treats a zero sequence as "not tracked".
 */
PCIPASS_KUNIT_VISIBLE atomic_t pcipass_gen = ATOMIC_INIT(1);

u32 pcipass_gen_read(void)
{
	/* Order the caller's earlier reads of device state before this. */
	smp_rmb();
	return atomic_read(&pcipass_gen);
}

void pcipass_gen_bump(void)
{
	if (!atomic_inc_return(&pcipass_gen))
		atomic_inc(&pcipass_gen);
}
