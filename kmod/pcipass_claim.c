// SPDX-License-Identifier: GPL-2.0
/*
 * pcipass claims: the claim= policy, probe-time overrides from the PCI bus
 * notifier, and runtime claim and release with rollback.
 *
 * Locking, outermost first:
 *
 *   pcipass_claim_mutex	serialises claim, release and policy changes;
 *				held across driver core calls, so never taken
 *				from the bus notifier (which those calls fire)
 *   device_lock, group mutex	taken by the driver core and the IOMMU core
 *   pcipass_state_lock		the claim records and the policy; held only
 *				for short lookups and updates, never across a
 *				driver core call
 */

#include <linux/blkdev.h>
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/kmod.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/vgaarb.h>
#include <linux/workqueue.h>
#include <uapi/linux/pcipass.h>

#include "compat.h"
#include "pcipass.h"
#include "pcipass_filter.h"
#include "pcipass_nl.h"

#ifndef NL_SET_ERR_MSG_FMT
char pcipass_extack_ring[PCIPASS_EXTACK_RING][PCIPASS_EXTACK_LEN + 1];
atomic_t pcipass_extack_next;
#endif

#define PCIPASS_VFIO	"vfio-pci"

/**
 * struct pcipass_claim - a function pcipass holds for vfio-pci
 * @node: in pcipass_claims
 * @pdev: the function, referenced
 * @origin: PCIPASS_CLAIM_ORIGIN_POLICY or _RUNTIME
 * @prev: the driver it had, where a release returns it; "" if none
 */
struct pcipass_claim {
	struct list_head node;
	struct pci_dev *pdev;
	u8 origin;
	char prev[PCIPASS_NAME_MAX];
};

static DEFINE_MUTEX(pcipass_claim_mutex);
static DEFINE_MUTEX(pcipass_state_lock);
static LIST_HEAD(pcipass_claims);
static struct pcipass_policy *pcipass_policy;
static char *pcipass_policy_text;
/*
 * Set once init is done (before, a policy write is only stored), cleared
 * under pcipass_claim_mutex when unloading starts.
 */
static bool pcipass_live;
/*
 * Set under pcipass_state_lock when unloading starts (or loading fails):
 * a claim= write then is refused, not stored where nobody frees it.
 */
static bool pcipass_policy_closed;

/*
 * Load vfio-pci if it is not there yet. Once registered, it binds every
 * function whose driver_override names it. Only where no lock of another
 * subsystem is held: the policy paths and a work item, never a netlink
 * request (see pcipass_vfio_registered()).
 */
static void pcipass_vfio_load(void)
{
	if (!pcipass_vfio_registered())
		request_module(PCIPASS_VFIO);
}

/*
 * Whether vfio-pci is registered now. The driver is only looked for, not
 * used: nothing pins it. A netlink request does not load it: its doit
 * runs under genl's cb_lock, and a modprobe that waits (on an install
 * command, on a device) would hold up every generic netlink family's
 * registration and, queued behind that, every generic netlink user.
 * "modprobe pcipass" loads vfio-pci first (MODULE_SOFTDEP), and
 * libpcipass loads it before it asks for a claim.
 */
bool pcipass_vfio_registered(void)
{
	return driver_find(PCIPASS_VFIO, &pci_bus_type);
}

/* From the bus notifier, where waiting on modprobe could deadlock. */
static void pcipass_vfio_load_work_fn(struct work_struct *work)
{
	pcipass_vfio_load();
}

static DECLARE_WORK(pcipass_vfio_load_work, pcipass_vfio_load_work_fn);

static void pcipass_policy_apply(void);

/*
 * The claim= policy again, as at load time, once the bus settles after a
 * function was added or a native driver bound one. At BUS_NOTIFY_ADD_DEVICE
 * pcipass can only set the override of the function being added: a group
 * mate that a native driver holds must be moved, and a function taken when
 * it appeared must go back when a mate that the policy leaves alone ('!')
 * appears after it, since a partial group cannot be assigned. Moving
 * drivers is not for the notifier: a work item, delayed so that a burst
 * (a multi-function slot, a rescan, VFs) is applied once.
 */
static void pcipass_policy_work_fn(struct work_struct *work)
{
	if (READ_ONCE(pcipass_live))
		pcipass_policy_apply();
}

static DECLARE_DELAYED_WORK(pcipass_policy_work, pcipass_policy_work_fn);

/* Does a claim= policy name anything? */
static bool pcipass_policy_any(void)
{
	bool any;

	mutex_lock(&pcipass_state_lock);
	any = pcipass_policy && pcipass_policy->n;
	mutex_unlock(&pcipass_state_lock);
	return any;
}

/* From the bus notifier: apply the policy soon, if there is one. */
static void pcipass_policy_kick(void)
{
	if (pcipass_policy_any() && READ_ONCE(pcipass_live))
		mod_delayed_work(system_wq, &pcipass_policy_work, HZ / 5);
}

/* Under pcipass_state_lock. */
static struct pcipass_claim *pcipass_claim_find(struct pci_dev *pdev)
{
	struct pcipass_claim *c;

	list_for_each_entry(c, &pcipass_claims, node)
		if (c->pdev == pdev)
			return c;
	return NULL;
}

/* Under pcipass_state_lock. */
static void pcipass_claim_free(struct pcipass_claim *c)
{
	list_del(&c->node);
	pci_dev_put(c->pdev);
	kfree(c);
}

/**
 * pcipass_claim_origin_of() - why a function is held for vfio-pci, given
 *	its driver_override
 * @pdev: the PCI function
 * @override: its driver_override as the caller read it; NULL if none is
 *	set or it could not be read (pcipass_peek_driver_override())
 * @prev: filled with the driver a release returns it to ("" if none)
 * @len: size of @prev
 *
 * Return: a PCIPASS_CLAIM_ORIGIN_* value.
 */
u8 pcipass_claim_origin_of(struct pci_dev *pdev, const char *override,
			   char *prev, size_t len)
{
	char name[PCIPASS_NAME_MAX];
	struct pcipass_claim *c;
	u8 origin = PCIPASS_CLAIM_ORIGIN_NONE;

	prev[0] = '\0';
	mutex_lock(&pcipass_state_lock);
	c = pcipass_claim_find(pdev);
	if (c) {
		origin = c->origin;
		strscpy(prev, c->prev, len);
	}
	mutex_unlock(&pcipass_state_lock);
	if (origin != PCIPASS_CLAIM_ORIGIN_NONE)
		return origin;

	if ((override && !strcmp(override, PCIPASS_VFIO)) ||
	    (pcipass_driver_name(pdev, name, sizeof(name)) &&
	     !strcmp(name, PCIPASS_VFIO)))
		return PCIPASS_CLAIM_ORIGIN_EXTERNAL;
	return PCIPASS_CLAIM_ORIGIN_NONE;
}

/**
 * pcipass_claim_origin() - why a function is held for vfio-pci
 * @pdev: the PCI function
 * @prev: filled with the driver a release returns it to ("" if none)
 * @len: size of @prev
 *
 * Reads the driver_override itself, waiting for the device lock where
 * that guards it: for the claim and release paths, which must know.
 *
 * Return: a PCIPASS_CLAIM_ORIGIN_* value.
 */
u8 pcipass_claim_origin(struct pci_dev *pdev, char *prev, size_t len)
{
	char over[PCIPASS_NAME_MAX];

	return pcipass_claim_origin_of(pdev,
				       pcipass_read_driver_override(pdev, over,
								    sizeof(over)) ?
				       over : NULL, prev, len);
}

static void pcipass_policy_dev(struct pci_dev *pdev,
			       struct pcipass_policy_dev *d)
{
	d->domain = pci_domain_nr(pdev->bus);
	d->bus = pdev->bus->number;
	d->devfn = pdev->devfn;
	d->vendor = pdev->vendor;
	d->device = pdev->device;
	d->class = pdev->class;
}

/*
 * Under pcipass_state_lock: does the policy take @pdev, and does an entry
 * with '!' leave it alone.
 */
static void pcipass_policy_judge(struct pci_dev *pdev, bool *take, bool *leave)
{
	struct pcipass_policy_dev d;

	*take = false;
	*leave = false;
	if (!pcipass_policy)
		return;
	pcipass_policy_dev(pdev, &d);
	*take = pcipass_policy_match(pcipass_policy, &d);
	*leave = pcipass_policy_excludes(pcipass_policy, &d);
}

/*
 * The policy takes a function, or an endpoint of its IOMMU group: a
 * partial group cannot be assigned, so the whole group goes.
 */
static bool pcipass_policy_takes_group(struct pci_dev *pdev)
{
	struct pci_dev *m, *taken = NULL, *left = NULL;
	struct pcipass_devs members;
	struct iommu_group *group;
	bool take, leave;
	unsigned int i;

	group = iommu_group_get(&pdev->dev);
	if (!group || pcipass_group_members(group, &members)) {
		iommu_group_put(group);
		mutex_lock(&pcipass_state_lock);
		pcipass_policy_judge(pdev, &take, &leave);
		mutex_unlock(&pcipass_state_lock);
		return take;
	}
	iommu_group_put(group);
	mutex_lock(&pcipass_state_lock);
	for (i = 0; i < members.n; i++) {
		m = members.dev[i];
		if (pci_is_bridge(m))
			continue;
		pcipass_policy_judge(m, &take, &leave);
		if (!taken && take)
			taken = m;
		if (!left && leave)
			left = m;
	}
	mutex_unlock(&pcipass_state_lock);
	if (taken && left && pdev == taken)
		pci_warn(pdev, "pcipass: claim= takes it but excludes %s of its IOMMU group; a partial group cannot be assigned, so neither is claimed\n",
			 pci_name(left));
	pcipass_devs_release(&members);
	return taken && !left;
}

/* Runs under the group mutex: pcipass_state_lock nests inside it. */
static int pcipass_member_policy_claimed(struct device *dev, void *data)
{
	struct pcipass_claim *c;
	int found = 0;

	if (!dev_is_pci(dev) || dev == data)
		return 0;
	mutex_lock(&pcipass_state_lock);
	c = pcipass_claim_find(to_pci_dev(dev));
	if (c && c->origin == PCIPASS_CLAIM_ORIGIN_POLICY)
		found = 1;
	mutex_unlock(&pcipass_state_lock);
	return found;
}

/* Runs under the group mutex: does the policy leave this mate alone? */
static int pcipass_member_policy_left(struct device *dev, void *data)
{
	bool take, leave;

	if (!dev_is_pci(dev) || dev == data || pci_is_bridge(to_pci_dev(dev)))
		return 0;
	mutex_lock(&pcipass_state_lock);
	pcipass_policy_judge(to_pci_dev(dev), &take, &leave);
	mutex_unlock(&pcipass_state_lock);
	return leave;
}

/*
 * A function being added: the policy takes it, or a function of its IOMMU
 * group that the policy took (a partial group cannot be assigned), and no
 * mate there is one the policy leaves alone ('!'), as
 * pcipass_policy_takes_group() rules for the functions already there.
 * Mates added after it, and mates a native driver holds, are the work
 * item's (pcipass_policy_work_fn()).
 */
static bool pcipass_policy_takes_new(struct pci_dev *pdev)
{
	struct iommu_group *group;
	bool take, leave;

	if (pci_is_bridge(pdev))
		return false;
	mutex_lock(&pcipass_state_lock);
	pcipass_policy_judge(pdev, &take, &leave);
	mutex_unlock(&pcipass_state_lock);
	if (leave)
		return false;
	group = iommu_group_get(&pdev->dev);
	if (!group)
		return take;
	if (!take)
		take = iommu_group_for_each_dev(group, &pdev->dev,
						pcipass_member_policy_claimed) > 0;
	if (take && iommu_group_for_each_dev(group, &pdev->dev,
					     pcipass_member_policy_left) > 0)
		take = false;
	iommu_group_put(group);
	return take;
}

/*
 * A record holds a reference until the function's removal forgets it
 * (pcipass_claim_forget() at BUS_NOTIFY_DEL_DEVICE and _REMOVED_DEVICE).
 * A claim racing that removal must not add one after it: by
 * _REMOVED_DEVICE the function is out of sysfs, which this checks under
 * the same lock, so a record added after that forget is refused, and one
 * added between the two notifications is forgotten at the second.
 */
static int pcipass_claim_record(struct pci_dev *pdev, u8 origin,
				const char *prev)
{
	struct pcipass_claim *c;

	mutex_lock(&pcipass_state_lock);
	c = pcipass_claim_find(pdev);
	if (!c && !pcipass_dev_registered(pdev)) {
		mutex_unlock(&pcipass_state_lock);
		return -ENODEV;
	}
	if (!c) {
		c = kzalloc(sizeof(*c), GFP_KERNEL);
		if (!c) {
			mutex_unlock(&pcipass_state_lock);
			return -ENOMEM;
		}
		c->pdev = pci_dev_get(pdev);
		list_add_tail(&c->node, &pcipass_claims);
	}
	c->origin = origin;
	strscpy(c->prev, prev, sizeof(c->prev));
	mutex_unlock(&pcipass_state_lock);
	return 0;
}

static void pcipass_claim_forget(struct pci_dev *pdev)
{
	struct pcipass_claim *c;

	mutex_lock(&pcipass_state_lock);
	c = pcipass_claim_find(pdev);
	if (c)
		pcipass_claim_free(c);
	mutex_unlock(&pcipass_state_lock);
}

/*
 * BUS_NOTIFY_ADD_DEVICE comes before the uevent and before any driver is
 * matched (PCI keeps match_driver false until pci_bus_add_device()), so an
 * override set here wins against every native driver, built in or not.
 */
static void pcipass_device_added(struct pci_dev *pdev)
{
	if (!pcipass_policy_takes_new(pdev))
		return;
	if (pcipass_write_driver_override(pdev, PCIPASS_VFIO)) {
		pci_warn(pdev, "pcipass: cannot set driver_override\n");
		return;
	}
	if (pcipass_claim_record(pdev, PCIPASS_CLAIM_ORIGIN_POLICY, "")) {
		pcipass_write_driver_override(pdev, "");
		return;
	}
	pcipass_gen_bump();
	pcipass_nl_event(PCIPASS_EVENT_TYPE_CLAIM, pdev, PCIPASS_VFIO);
	if (!driver_find(PCIPASS_VFIO, &pci_bus_type))
		schedule_work(&pcipass_vfio_load_work);
}

/* A bind or unbind event, naming the driver still set on the function. */
static void pcipass_driver_event(u8 type, struct pci_dev *pdev)
{
	char drv[PCIPASS_NAME_MAX];

	pcipass_nl_event(type, pdev, pcipass_driver_name(pdev, drv, sizeof(drv)) ?
			 drv : NULL);
}

static int pcipass_bus_notify(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	char drv[PCIPASS_NAME_MAX];

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
	case BUS_NOTIFY_DEL_DEVICE:
	case BUS_NOTIFY_REMOVED_DEVICE:
	case BUS_NOTIFY_BIND_DRIVER:
	case BUS_NOTIFY_BOUND_DRIVER:
	case BUS_NOTIFY_DRIVER_NOT_BOUND:
	case BUS_NOTIFY_UNBIND_DRIVER:
	case BUS_NOTIFY_UNBOUND_DRIVER:
		pcipass_gen_bump();
		break;
	default:
		return NOTIFY_DONE;
	}

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		pcipass_nl_event(PCIPASS_EVENT_TYPE_ADD, pdev, NULL);
		pcipass_device_added(pdev);
		pcipass_policy_kick();
		break;
	case BUS_NOTIFY_DEL_DEVICE:
		pcipass_nl_event(PCIPASS_EVENT_TYPE_REMOVE, pdev, NULL);
		pcipass_claim_forget(pdev);
		break;
	case BUS_NOTIFY_REMOVED_DEVICE:
		/* A claim that raced the removal (pcipass_claim_record()). */
		pcipass_claim_forget(pdev);
		break;
	case BUS_NOTIFY_BOUND_DRIVER:
		pcipass_driver_event(PCIPASS_EVENT_TYPE_BIND, pdev);
		/* A native driver took a mate of a group the policy takes? */
		if (!pcipass_driver_name(pdev, drv, sizeof(drv)) ||
		    strcmp(drv, PCIPASS_VFIO))
			pcipass_policy_kick();
		break;
	case BUS_NOTIFY_UNBIND_DRIVER:
		pcipass_driver_event(PCIPASS_EVENT_TYPE_UNBIND, pdev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block pcipass_bus_nb = {
	.notifier_call = pcipass_bus_notify,
};

struct pcipass_use_walk {
	char *why;
	size_t len;
};

/* A block device that is mounted or held (LVM, MD, dm, swap ...). */
static bool pcipass_block_in_use(struct device *dev)
{
	struct block_device *bdev;

	if (!dev->class || strcmp(dev->class->name, "block"))
		return false;
	bdev = dev_to_bdev(dev);
	return READ_ONCE(bdev->bd_holder);
}

static bool pcipass_net_in_use(struct device *dev)
{
	if (!dev->class || strcmp(dev->class->name, "net"))
		return false;
	return READ_ONCE(to_net_dev(dev)->flags) & IFF_UP;
}

static int pcipass_child_in_use(struct device *dev, void *data)
{
	struct pcipass_use_walk *walk = data;

	if (pcipass_block_in_use(dev)) {
		snprintf(walk->why, walk->len, "%s is in use (mounted or held)",
			 dev_name(dev));
		return 1;
	}
	if (pcipass_net_in_use(dev)) {
		snprintf(walk->why, walk->len, "interface %s is up",
			 dev_name(dev));
		return 1;
	}
	return device_for_each_child(dev, data, pcipass_child_in_use);
}

/**
 * pcipass_dev_in_use() - is the host using a function
 * @pdev: the PCI function
 * @why: filled with what is in use
 * @len: size of @why
 *
 * Looks below the function for block devices that are mounted or held
 * and network interfaces that are up, and at whether it is the boot
 * display.
 *
 * Return: true if taking the function away would pull it from under the
 * host.
 */
static bool pcipass_dev_in_use(struct pci_dev *pdev, char *why, size_t len)
{
	struct pcipass_use_walk walk = { .why = why, .len = len };

	if (vga_default_device() == pdev) {
		snprintf(why, len, "it is the boot display (boot_vga)");
		return true;
	}
	return device_for_each_child(&pdev->dev, &walk,
				     pcipass_child_in_use) > 0;
}

/*
 * The functions a request acts on: the named ones and, unless
 * function-only, every endpoint of their IOMMU groups. Bridges stay with
 * the host.
 */
static int pcipass_expand(struct pci_dev **named, unsigned int n, u32 flags,
			  struct pcipass_devs *set)
{
	struct pcipass_devs members;
	struct iommu_group *group;
	unsigned int i, j, k;
	struct pci_dev **all;
	int err;

	set->dev = NULL;
	set->n = 0;
	for (i = 0; i < n; i++) {
		if (flags & PCIPASS_CLAIM_FLAGS_FUNCTION_ONLY)
			group = NULL;
		else
			group = iommu_group_get(&named[i]->dev);
		if (group) {
			err = pcipass_group_members(group, &members);
			iommu_group_put(group);
			if (err)
				goto err_release;
		} else {
			members.dev = kmalloc(sizeof(*members.dev), GFP_KERNEL);
			if (!members.dev) {
				err = -ENOMEM;
				goto err_release;
			}
			members.dev[0] = pci_dev_get(named[i]);
			members.n = 1;
		}
		all = krealloc_array(set->dev, set->n + members.n,
				     sizeof(*all), GFP_KERNEL);
		if (!all) {
			pcipass_devs_release(&members);
			err = -ENOMEM;
			goto err_release;
		}
		set->dev = all;
		for (j = 0; j < members.n; j++) {
			struct pci_dev *m = members.dev[j];

			for (k = 0; k < set->n && set->dev[k] != m; k++)
				;
			if (k < set->n || pci_is_bridge(m)) {
				pci_dev_put(m);
				continue;
			}
			set->dev[set->n++] = m;
		}
		kfree(members.dev);
	}
	return 0;

err_release:
	pcipass_devs_release(set);
	return err;
}

/*
 * Bind a function to whatever matches it now, which is the driver it had
 * (@prev) unless the host changed since: with pcipass's override gone, the
 * match that bound @prev matches again. Not driver_find(@prev): it returns
 * a driver nothing pins, which an rmmod of @prev could free before the
 * attach. vfio-pci is never one to go back to: a function that was on it
 * before pcipass took it was held by hand or by another tool, and with the
 * override gone vfio-pci does not match it (unless its ids= does).
 */
static void pcipass_rebind(struct pci_dev *pdev, const char *prev)
{
	char drv[PCIPASS_NAME_MAX];
	int ret;

	ret = device_attach(&pdev->dev);
	if (ret < 0) {
		pci_warn(pdev, "pcipass: could not rebind %s: %d\n",
			 prev[0] ? prev : "a driver", ret);
		return;
	}
	if (!prev[0] || !strcmp(prev, PCIPASS_VFIO))
		return;
	if (!pcipass_driver_name(pdev, drv, sizeof(drv)))
		pci_warn(pdev, "pcipass: %s did not bind again: no driver\n",
			 prev);
	else if (strcmp(drv, prev))
		pci_info(pdev, "pcipass: %s bound, not %s as before\n", drv,
			 prev);
}

/**
 * struct pcipass_move - one function's state before a claim moved it
 * @pdev: the function
 * @prev: the driver it had ("" if none)
 * @had_override: it had a driver_override before (left in place on undo)
 * @recorded: it was already claimed by pcipass
 */
struct pcipass_move {
	struct pci_dev *pdev;
	char prev[PCIPASS_NAME_MAX];
	bool had_override;
	bool recorded;
};

static void pcipass_undo(struct pcipass_move *mv)
{
	char drv[PCIPASS_NAME_MAX];

	if (mv->recorded)
		return;
	if (!mv->had_override)
		pcipass_write_driver_override(mv->pdev, "");
	if (pcipass_driver_name(mv->pdev, drv, sizeof(drv)) &&
	    !strcmp(drv, mv->prev))
		return;
	if (pcipass_driver_name(mv->pdev, drv, sizeof(drv)))
		device_release_driver(&mv->pdev->dev);
	if (mv->prev[0])
		pcipass_rebind(mv->pdev, mv->prev);
	pcipass_gen_bump();
}

/* Move one function to vfio-pci. Return: 0, or why it did not bind. */
static int pcipass_move_one(struct pcipass_move *mv,
			    struct netlink_ext_ack *extack)
{
	struct pci_dev *pdev = mv->pdev;
	char drv[PCIPASS_NAME_MAX];
	int err;

	if (pcipass_driver_name(pdev, drv, sizeof(drv)) &&
	    !strcmp(drv, PCIPASS_VFIO))
		return 0;

	err = pcipass_write_driver_override(pdev, PCIPASS_VFIO);
	if (err) {
		PCIPASS_ERR_MSG_FMT(extack, "%s: cannot set driver_override",
				    pci_name(pdev));
		return err;
	}
	pcipass_gen_bump();
	if (mv->prev[0])
		device_release_driver(&pdev->dev);
	err = device_attach(&pdev->dev);
	if (err == 1 && pcipass_driver_name(pdev, drv, sizeof(drv)) &&
	    !strcmp(drv, PCIPASS_VFIO))
		return 0;

	PCIPASS_ERR_MSG_FMT(extack, "%s: vfio-pci did not bind (%d)%s%s",
			    pci_name(pdev), err,
			    mv->prev[0] ? ", back on " : "", mv->prev);
	return err < 0 ? err : -ENODEV;
}

/**
 * pcipass_claim_devs() - claim functions for vfio-pci, all or nothing
 * @named: the functions asked for
 * @n: number of entries in @named
 * @flags: PCIPASS_CLAIM_FLAGS_*
 * @origin: PCIPASS_CLAIM_ORIGIN_POLICY or _RUNTIME
 * @done: filled with the functions this changed; release with
 *	pcipass_devs_release()
 * @extack: where to say what went wrong, or NULL
 *
 * Every function in the set (see pcipass_expand()) gets driver_override
 * vfio-pci, is unbound from its driver and bound to vfio-pci. When one
 * does not bind, every function is put back as it was.
 *
 * Return: 0 or a negative errno; -EBUSY when the host uses a function, or
 * a PF to be moved has VFs enabled.
 */
int pcipass_claim_devs(struct pci_dev **named, unsigned int n, u32 flags,
		       u8 origin, struct pcipass_devs *done,
		       struct netlink_ext_ack *extack)
{
	char why[PCIPASS_EXTACK_WHY], over[PCIPASS_NAME_MAX];
	struct pcipass_devs set;
	struct pcipass_move *mv;
	unsigned int i, moved;
	int err;

	done->dev = NULL;
	done->n = 0;

	mutex_lock(&pcipass_claim_mutex);
	if (!pcipass_live) {
		err = -ENODEV;
		goto out_unlock;
	}
	for (i = 0; i < n; i++) {
		/* vfio-pci takes endpoints only; a port stays with the host. */
		if (pci_is_bridge(named[i])) {
			PCIPASS_ERR_MSG_FMT(extack,
					    "%s is a bridge; bridges stay with the host",
					    pci_name(named[i]));
			err = -EINVAL;
			goto out_unlock;
		}
	}
	err = pcipass_expand(named, n, flags, &set);
	if (err)
		goto out_unlock;
	mv = kcalloc(set.n ?: 1, sizeof(*mv), GFP_KERNEL);
	done->dev = kcalloc(set.n ?: 1, sizeof(*done->dev), GFP_KERNEL);
	if (!mv || !done->dev) {
		err = -ENOMEM;
		goto out_free;
	}

	for (i = 0; i < set.n; i++) {
		struct pci_dev *pdev = set.dev[i];

		mv[i].pdev = pdev;
		pcipass_driver_name(pdev, mv[i].prev, sizeof(mv[i].prev));
		mv[i].had_override = pcipass_read_driver_override(pdev, over,
								  sizeof(over));
		mutex_lock(&pcipass_state_lock);
		mv[i].recorded = pcipass_claim_find(pdev);
		mutex_unlock(&pcipass_state_lock);
		if (mv[i].had_override && strcmp(over, PCIPASS_VFIO)) {
			PCIPASS_ERR_MSG_FMT(extack,
					    "%s has driver_override %s; clear it first",
					    pci_name(pdev), over);
			err = -EBUSY;
			goto out_free;
		}
		if (!strcmp(mv[i].prev, PCIPASS_VFIO))
			continue;
		/*
		 * vfio-pci binds no PF with VFs enabled. Unbinding the PF's
		 * driver either leaves them enabled (nvme), so the claim
		 * fails late, or disables SR-IOV (most NIC drivers) and so
		 * removes the VFs: group mates where no ACS separates them,
		 * maybe a running guest's. Neither is a claim.
		 */
		if (pdev->is_physfn && pci_num_vf(pdev)) {
			PCIPASS_ERR_MSG_FMT(extack,
					    "%s has %d VFs, which unbinding it removes: disable them first",
					    pci_name(pdev), pci_num_vf(pdev));
			err = -EBUSY;
			goto out_free;
		}
		if (pcipass_dev_in_use(pdev, why, sizeof(why))) {
			if (!(flags & PCIPASS_CLAIM_FLAGS_FORCE)) {
				PCIPASS_ERR_MSG_FMT(extack, "%s (%s): %s",
						    pci_name(pdev),
						    mv[i].prev[0] ? mv[i].prev :
						    "no driver", why);
				err = -EBUSY;
				goto out_free;
			}
			pci_warn(pdev, "pcipass: claimed by force although %s\n",
				 why);
		}
	}

	for (moved = 0; moved < set.n; moved++) {
		err = pcipass_move_one(&mv[moved], extack);
		if (err) {
			/* This one, then every one before it. */
			for (i = moved + 1; i-- > 0;)
				pcipass_undo(&mv[i]);
			goto out_free;
		}
	}

	for (i = 0; i < set.n; i++) {
		if (mv[i].recorded)
			continue;
		/*
		 * A mate vfio-pci held before stays external: a release
		 * without force must leave it. A named one was asked for.
		 */
		if (!strcmp(mv[i].prev, PCIPASS_VFIO) &&
		    !pcipass_dev_in(mv[i].pdev, named, n))
			continue;
		err = pcipass_claim_record(mv[i].pdev, origin, mv[i].prev);
		if (err) {
			/*
			 * Removed meanwhile, or out of memory: keep going,
			 * the others are claimed.
			 */
			pci_warn(mv[i].pdev, "pcipass: claim not recorded: %d\n",
				 err);
			continue;
		}
		pcipass_nl_event(PCIPASS_EVENT_TYPE_CLAIM, mv[i].pdev,
				 PCIPASS_VFIO);
		done->dev[done->n++] = pci_dev_get(mv[i].pdev);
	}
	err = 0;

out_free:
	kfree(mv);
	pcipass_devs_release(&set);
out_unlock:
	mutex_unlock(&pcipass_claim_mutex);
	if (err)
		pcipass_devs_release(done);
	return err;
}

/*
 * Has a VFIO user (a guest) taken the group's DMA ownership? The IOMMU
 * core counts kernel drivers as owners too, but the two exclude each
 * other: while a member is bound to a driver that uses the kernel's DMA
 * API, no user can own the group.
 */
static bool pcipass_group_user_owned(struct iommu_group *group)
{
	struct pcipass_devs members;
	bool user = true;
	unsigned int i;

	if (!iommu_group_dma_owner_claimed(group))
		return false;
	if (pcipass_group_members(group, &members))
		return true;
	for (i = 0; i < members.n && user; i++)
		user = pcipass_dev_viable(members.dev[i]);
	pcipass_devs_release(&members);
	return user;
}

/*
 * The id of @pdev's IOMMU group when a VFIO user owns it, else -1.
 * Unbinding vfio-pci under a running guest blocks until it exits.
 */
static int pcipass_dev_user_owned(struct pci_dev *pdev)
{
	struct iommu_group *group;
	int id = -1;

	group = iommu_group_get(&pdev->dev);
	if (group && pcipass_group_user_owned(group))
		id = iommu_group_id(group);
	iommu_group_put(group);
	return id;
}

/*
 * Under pcipass_claim_mutex. -EBUSY, changing nothing, when a VFIO user
 * owns @pdev's group: checked again right before the unbind, which would
 * wait for as long as the user runs.
 */
static int pcipass_release_one(struct pci_dev *pdev, const char *prev)
{
	char drv[PCIPASS_NAME_MAX], over[PCIPASS_NAME_MAX];

	if (pcipass_dev_user_owned(pdev) >= 0)
		return -EBUSY;

	if (pcipass_read_driver_override(pdev, over, sizeof(over)) &&
	    !strcmp(over, PCIPASS_VFIO))
		pcipass_write_driver_override(pdev, "");
	pcipass_claim_forget(pdev);
	pcipass_gen_bump();
	if (pcipass_driver_name(pdev, drv, sizeof(drv))) {
		if (strcmp(drv, PCIPASS_VFIO))
			goto out;
		device_release_driver(&pdev->dev);
	}
	pcipass_rebind(pdev, prev);
out:
	pcipass_nl_event(PCIPASS_EVENT_TYPE_RELEASE, pdev, PCIPASS_VFIO);
	return 0;
}

/* May a release with @flags hand back a function of @origin? */
static bool pcipass_releasable(u8 origin, u32 flags)
{
	return origin == PCIPASS_CLAIM_ORIGIN_POLICY ||
	       origin == PCIPASS_CLAIM_ORIGIN_RUNTIME ||
	       (origin == PCIPASS_CLAIM_ORIGIN_EXTERNAL &&
		(flags & PCIPASS_CLAIM_FLAGS_FORCE));
}

/*
 * Under pcipass_claim_mutex: may a release name @pdev? Yes when pcipass
 * holds it; when it is held for vfio-pci outside pcipass (by hand, by
 * another tool, or by a pcipass that was unloaded) and force is given;
 * and, unless function-only, when a member of its group is releasable:
 * a function removed and found again by a rescan comes back on its
 * native driver while pcipass still holds its group mates.
 */
static int pcipass_release_check(struct pci_dev *pdev, u32 flags,
				 struct netlink_ext_ack *extack)
{
	char prev[PCIPASS_NAME_MAX];
	struct pcipass_devs group;
	bool mates = false;
	unsigned int i;
	u8 origin;
	int err;

	origin = pcipass_claim_origin(pdev, prev, sizeof(prev));
	if (pcipass_releasable(origin, flags))
		return 0;
	if (origin == PCIPASS_CLAIM_ORIGIN_EXTERNAL) {
		PCIPASS_ERR_MSG_FMT(extack,
				    "%s is held for vfio-pci outside pcipass; release it with force",
				    pci_name(pdev));
		return -EINVAL;
	}
	if (!(flags & PCIPASS_CLAIM_FLAGS_FUNCTION_ONLY)) {
		err = pcipass_expand(&pdev, 1, flags, &group);
		if (err)
			return err;
		for (i = 0; i < group.n && !mates; i++)
			mates = pcipass_releasable(pcipass_claim_origin(group.dev[i],
									prev, sizeof(prev)),
						   flags);
		pcipass_devs_release(&group);
		if (mates)
			return 0;
	}
	PCIPASS_ERR_MSG_FMT(extack, "%s is not claimed by pcipass",
			    pci_name(pdev));
	return -EINVAL;
}

/**
 * pcipass_release_devs() - give functions pcipass claimed back to the host
 * @named: the functions asked for
 * @n: number of entries in @named
 * @flags: PCIPASS_CLAIM_FLAGS_*
 * @done: filled with the functions this changed
 * @extack: where to say what went wrong, or NULL
 *
 * Every function in the set (see pcipass_expand()) that pcipass claimed
 * goes back to the driver it had; with PCIPASS_CLAIM_FLAGS_FORCE, so does
 * every one held for vfio-pci outside pcipass, to whatever matches it.
 * Other members are left alone.
 *
 * Return: 0, -EINVAL if a named function cannot be released (see
 * pcipass_release_check()), or -EBUSY if a VFIO user (a running guest)
 * holds a group.
 */
int pcipass_release_devs(struct pci_dev **named, unsigned int n, u32 flags,
			 struct pcipass_devs *done,
			 struct netlink_ext_ack *extack)
{
	char prev[PCIPASS_NAME_MAX];
	struct pcipass_devs set;
	unsigned int i;
	int err, id;
	u8 origin;

	done->dev = NULL;
	done->n = 0;
	mutex_lock(&pcipass_claim_mutex);
	if (!pcipass_live) {
		err = -ENODEV;
		goto out_unlock;
	}
	for (i = 0; i < n; i++) {
		err = pcipass_release_check(named[i], flags, extack);
		if (err)
			goto out_unlock;
	}
	err = pcipass_expand(named, n, flags, &set);
	if (err)
		goto out_unlock;
	done->dev = kcalloc(set.n ?: 1, sizeof(*done->dev), GFP_KERNEL);
	if (!done->dev) {
		err = -ENOMEM;
		goto out_set;
	}

	for (i = 0; i < set.n; i++) {
		id = pcipass_dev_user_owned(set.dev[i]);
		if (id >= 0) {
			PCIPASS_ERR_MSG_FMT(extack,
					    "%s: IOMMU group %d is in use by a VFIO user",
					    pci_name(set.dev[i]), id);
			err = -EBUSY;
			goto out_set;
		}
	}

	for (i = 0; i < set.n; i++) {
		origin = pcipass_claim_origin(set.dev[i], prev, sizeof(prev));
		if (!pcipass_releasable(origin, flags))
			continue;
		/*
		 * A user that took a group since the check above can only
		 * have taken one this loop has not reached: once a member is
		 * back on a driver of the kernel's DMA API, no user can own
		 * its group. Those released before it stay released.
		 */
		err = pcipass_release_one(set.dev[i], prev);
		if (err) {
			PCIPASS_ERR_MSG_FMT(extack,
					    "%s: group taken by a VFIO user mid-release; %u released",
					    pci_name(set.dev[i]), done->n);
			goto out_set;
		}
		done->dev[done->n++] = pci_dev_get(set.dev[i]);
	}

out_set:
	pcipass_devs_release(&set);
out_unlock:
	mutex_unlock(&pcipass_claim_mutex);
	if (err)
		pcipass_devs_release(done);
	return err;
}

/*
 * Bring the claims in line with the policy: claim what it takes that is
 * not claimed yet (moving it off its driver), release what it claimed
 * and no longer takes.
 */
static void pcipass_policy_apply(void)
{
	struct netlink_ext_ack extack;
	struct pcipass_devs devs, done;
	struct pcipass_claim *c;
	struct pci_dev *pdev;
	unsigned int i;
	bool take, ours;

	if (pcipass_policy_any())
		pcipass_vfio_load();
	if (pcipass_devs_collect(&devs))
		return;
	/* Unloading: pcipass_claim_stop() waits for this, claims would fail. */
	for (i = 0; i < devs.n && READ_ONCE(pcipass_live); i++) {
		pdev = devs.dev[i];
		if (pci_is_bridge(pdev))
			continue;
		take = pcipass_policy_takes_group(pdev);
		mutex_lock(&pcipass_state_lock);
		c = pcipass_claim_find(pdev);
		ours = c && c->origin == PCIPASS_CLAIM_ORIGIN_POLICY;
		mutex_unlock(&pcipass_state_lock);

		memset(&extack, 0, sizeof(extack));
		if (take && !c) {
			if (!pcipass_claim_devs(&pdev, 1, 0,
						PCIPASS_CLAIM_ORIGIN_POLICY,
						&done, &extack))
				pcipass_devs_release(&done);
			else
				pci_warn(pdev, "pcipass: claim= takes it, not claimed: %s\n",
					 extack._msg ?: "error");
		} else if (!take && ours) {
			if (!pcipass_release_devs(&pdev, 1, 0, &done, &extack))
				pcipass_devs_release(&done);
			else
				pci_warn(pdev, "pcipass: claim= no longer takes it, not released: %s\n",
					 extack._msg ?: "error");
		}
	}
	pcipass_devs_release(&devs);
}

static int pcipass_claim_param_set(const char *val,
				   const struct kernel_param *kp)
{
	struct pcipass_policy_error perr;
	struct pcipass_policy *policy;
	size_t len = strlen(val);
	char *text;
	int err;

	/* "echo" adds a newline. */
	while (len && isspace(val[len - 1]))
		len--;
	policy = kzalloc(sizeof(*policy), GFP_KERNEL);
	text = kstrndup(val, len, GFP_KERNEL);
	if (!policy || !text) {
		err = -ENOMEM;
		goto err_free;
	}
	err = pcipass_policy_parse(policy, val, len, &perr);
	if (err) {
		pr_err("pcipass: claim: entry %u \"%.*s\": %s\n", perr.index,
		       (int)perr.token_len, perr.token, perr.reason);
		goto err_free;
	}

	mutex_lock(&pcipass_state_lock);
	if (pcipass_policy_closed) {
		mutex_unlock(&pcipass_state_lock);
		err = -ENODEV;
		goto err_free;
	}
	swap(pcipass_policy, policy);
	swap(pcipass_policy_text, text);
	mutex_unlock(&pcipass_state_lock);
	kfree(policy);
	kfree(text);

	if (READ_ONCE(pcipass_live))
		pcipass_policy_apply();
	return 0;

err_free:
	kfree(policy);
	kfree(text);
	return err;
}

static int pcipass_claim_param_get(char *buffer, const struct kernel_param *kp)
{
	int len;

	mutex_lock(&pcipass_state_lock);
	len = scnprintf(buffer, PAGE_SIZE, "%s\n",
			pcipass_policy_text ?: "");
	mutex_unlock(&pcipass_state_lock);
	return len;
}

/*
 * Refuse claim= writes from now on and forget the policy: the file
 * outlives ->exit() until the module's sysfs goes.
 */
static void pcipass_policy_close(void)
{
	struct pcipass_policy *policy;
	char *text;

	/* param_attr_store() holds it across ->set(): none is in flight. */
	kernel_param_lock(THIS_MODULE);
	mutex_lock(&pcipass_state_lock);
	pcipass_policy_closed = true;
	policy = pcipass_policy;
	text = pcipass_policy_text;
	pcipass_policy = NULL;
	pcipass_policy_text = NULL;
	mutex_unlock(&pcipass_state_lock);
	kernel_param_unlock(THIS_MODULE);
	kfree(policy);
	kfree(text);
}

static const struct kernel_param_ops pcipass_claim_param_ops = {
	.set = pcipass_claim_param_set,
	.get = pcipass_claim_param_get,
};

module_param_cb(claim, &pcipass_claim_param_ops, NULL, 0644);
MODULE_PARM_DESC(claim,
		 "Functions to hold for vfio-pci from the moment they appear: comma-separated [!]slot ([[[domain]:]bus:]slot[.func], * allowed), [!]vendor:device or [!]class=0xCCSS[PP][/mask]");

/**
 * pcipass_claim_init() - start claiming
 *
 * Registers the bus notifier, then applies the claim= policy given at load
 * to the functions that exist already.
 *
 * Return: 0 or a negative errno.
 */
int pcipass_claim_init(void)
{
	int err;

	err = bus_register_notifier(&pci_bus_type, &pcipass_bus_nb);
	if (err) {
		pcipass_policy_close();
		return err;
	}
	WRITE_ONCE(pcipass_live, true);
	/* A write from here on applies its policy itself; this may repeat it. */
	pcipass_policy_apply();
	return 0;
}

/**
 * pcipass_claim_stop() - refuse new claims and stop watching the bus
 *
 * Waits for a claim or release in progress, and for a claim= write in
 * progress; refuses the writes that follow. After this, nothing of ours
 * sends events, so the netlink family can go.
 */
void pcipass_claim_stop(void)
{
	pcipass_policy_close();
	mutex_lock(&pcipass_claim_mutex);
	WRITE_ONCE(pcipass_live, false);
	mutex_unlock(&pcipass_claim_mutex);
	bus_unregister_notifier(&pci_bus_type, &pcipass_bus_nb);
	cancel_delayed_work_sync(&pcipass_policy_work);
	cancel_work_sync(&pcipass_vfio_load_work);
}

/**
 * pcipass_claim_exit() - forget every claim
 *
 * Clears the driver_override pcipass set on every function it claimed, so
 * the next probe follows the ordinary rules, but unbinds nothing: a
 * function on vfio-pci may be in a running guest.
 */
void pcipass_claim_exit(void)
{
	char over[PCIPASS_NAME_MAX];
	struct pcipass_claim *c, *tmp;
	LIST_HEAD(claims);

	mutex_lock(&pcipass_claim_mutex);
	mutex_lock(&pcipass_state_lock);
	list_splice_init(&pcipass_claims, &claims);
	mutex_unlock(&pcipass_state_lock);
	list_for_each_entry_safe(c, tmp, &claims, node) {
		if (pcipass_read_driver_override(c->pdev, over, sizeof(over)) &&
		    !strcmp(over, PCIPASS_VFIO))
			pcipass_write_driver_override(c->pdev, "");
		pcipass_claim_free(c);
	}
	mutex_unlock(&pcipass_claim_mutex);
}
