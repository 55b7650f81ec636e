/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpcipass - PCI functions, IOMMU groups and ACS isolation, as the
 * pcipass kernel module reports them over generic netlink.
 *
 * Conventions:
 * - Functions that can fail return 0 or a negative errno. When the kernel
 *   refused a request, that is the kernel's own errno, and the kernel's
 *   explanation (extended ack) is kept: see pcipass_get_extack().
 * - Objects are reference counted. *_unref() returns NULL once the object
 *   is freed.
 * - Pointers returned by iterators and getters are borrowed: they stay
 *   valid as long as the object they came from. Take a reference to keep
 *   one longer.
 * - The library never prints and never exits; see pcipass_set_log_fn().
 * - A context is not thread-safe: use one per thread.
 */
#ifndef _LIBPCIPASS_H_
#define _LIBPCIPASS_H_

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PCIPASS_EXPORT __attribute__((visibility("default")))

/*
 * Longest BDF, without the terminating NUL: "dddd:bb:dd.f" with a domain
 * of up to eight hex digits ("10000:00:00.0" behind an Intel VMD).
 */
#define PCIPASS_BDF_MAX_STRLEN 16

struct pcipass_ctx;
struct pcipass_snapshot;
struct pcipass_dev;
struct pcipass_group;

/*
 * Library context
 */

/**
 * pcipass_new:
 * @ctx: where to store the new context
 *
 * Create a library context. This does not talk to the kernel yet, so it
 * succeeds even when the pcipass module is not loaded. The log priority
 * defaults to LOG_ERR and can be set with the environment variable
 * PCIPASS_LOG ("err", "info", "debug" or a number).
 *
 * Returns: 0 or a negative errno.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_new(struct pcipass_ctx **ctx);
/**
 * pcipass_ref:
 * @ctx: the context
 *
 * Take a reference on @ctx.
 *
 * Returns: @ctx, or NULL if @ctx is NULL.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_ctx *pcipass_ref(struct pcipass_ctx *ctx);
/**
 * pcipass_unref:
 * @ctx: the context
 *
 * Drop a reference on @ctx; the last one frees it and closes its
 * sockets.
 *
 * Returns: @ctx while references remain, NULL once it is freed.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_ctx *pcipass_unref(struct pcipass_ctx *ctx);

/**
 * pcipass_log_fn:
 *
 * A log callback. @priority is a syslog priority (LOG_ERR ... LOG_DEBUG).
 */
typedef void (*pcipass_log_fn)(struct pcipass_ctx *ctx, int priority,
			       const char *file, int line, const char *fn,
			       const char *format, va_list args);

/**
 * pcipass_set_log_fn:
 * @ctx: the context
 * @log_fn: the callback, or NULL to discard all messages (the default)
 * @data: passed back by pcipass_get_userdata()
 *
 * Since: 1
 */
PCIPASS_EXPORT void pcipass_set_log_fn(struct pcipass_ctx *ctx,
				       pcipass_log_fn log_fn, void *data);
/**
 * pcipass_get_log_priority:
 * @ctx: the context
 *
 * Returns: the syslog priority up to which messages reach the log
 * callback.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_get_log_priority(const struct pcipass_ctx *ctx);
/**
 * pcipass_set_log_priority:
 * @ctx: the context
 * @priority: a syslog priority
 *
 * Pass messages up to @priority (LOG_ERR ... LOG_DEBUG) to the log
 * callback.
 *
 * Since: 1
 */
PCIPASS_EXPORT void pcipass_set_log_priority(struct pcipass_ctx *ctx,
					     int priority);
/**
 * pcipass_get_userdata:
 * @ctx: the context
 *
 * Returns: the data given to pcipass_set_log_fn() or
 * pcipass_set_userdata().
 * Since: 1
 */
PCIPASS_EXPORT void *pcipass_get_userdata(const struct pcipass_ctx *ctx);
/**
 * pcipass_set_userdata:
 * @ctx: the context
 * @data: anything
 *
 * Store @data for pcipass_get_userdata(), for the log callback.
 *
 * Since: 1
 */
PCIPASS_EXPORT void pcipass_set_userdata(struct pcipass_ctx *ctx, void *data);

/**
 * pcipass_get_extack:
 * @ctx: the context
 *
 * The explanation that came with the last failed request: the kernel's
 * extended ack message, or a message of the library's own (for example
 * "pcipass kernel module not loaded"). Cleared by every request.
 *
 * Returns: a string owned by @ctx, or NULL if there is none.
 * Since: 1
 */
PCIPASS_EXPORT const char *pcipass_get_extack(const struct pcipass_ctx *ctx);

/**
 * pcipass_get_extack_offset:
 * @ctx: the context
 *
 * Returns: the byte offset, in the request, of the attribute the kernel
 * objected to (NLMSGERR_ATTR_OFFS), or -1 if it named none.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_get_extack_offset(const struct pcipass_ctx *ctx);

/*
 * Sources: the pcipass module over netlink, or sysfs (read-only).
 */

/**
 * pcipass_source:
 * @PCIPASS_SOURCE_AUTO: the module if it is loaded, else sysfs
 * @PCIPASS_SOURCE_NETLINK: the pcipass module, over generic netlink
 * @PCIPASS_SOURCE_SYSFS: /sys/bus/pci/devices and /sys/kernel/iommu_groups,
 *	read-only. There is no generation check: a change while the files
 *	are read can tear the snapshot (a group that does not match its
 *	members' links is re-read, nothing more). The generation, the claim
 *	origin and the previous driver are absent; ACS isolation is computed
 *	by the module's rules from the config space file, whose PCIe and ACS
 *	capabilities only root can read. Claims need the module, or
 *	pcipass_claim_runtime().
 */
enum pcipass_source {
	PCIPASS_SOURCE_AUTO,
	PCIPASS_SOURCE_NETLINK,
	PCIPASS_SOURCE_SYSFS,
};

/**
 * pcipass_set_source:
 * @ctx: the context
 * @source: an enum pcipass_source
 *
 * Choose where snapshots and pcipass_dev_get() read from. The default is
 * PCIPASS_SOURCE_AUTO, or PCIPASS_SOURCE_SYSFS when the environment
 * variable PCIPASS_SYSFS_ROOT is set at pcipass_new().
 *
 * Returns: 0, or -EINVAL for an unknown @source.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_set_source(struct pcipass_ctx *ctx, int source);

/**
 * pcipass_get_source:
 * @ctx: the context
 *
 * Returns: the enum pcipass_source set on @ctx (maybe PCIPASS_SOURCE_AUTO).
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_get_source(const struct pcipass_ctx *ctx);

/**
 * pcipass_source_name:
 * @source: an enum pcipass_source
 *
 * Returns: "auto", "netlink" or "sysfs", or NULL if @source is unknown.
 * Since: 1
 */
PCIPASS_EXPORT const char *pcipass_source_name(int source);

/**
 * pcipass_set_sysfs_root:
 * @ctx: the context
 * @root: a directory holding sys/ (as captured by tests/golden/capture.sh),
 *	or NULL or "/" for the real /sys
 *
 * Read sysfs below @root: the sysfs source, and the module's parameters
 * for pcipass_policy_get(). Also set by the environment variable
 * PCIPASS_SYSFS_ROOT at pcipass_new(). A root other than "/" makes
 * PCIPASS_SOURCE_AUTO mean sysfs.
 *
 * Returns: 0 or -ENOMEM.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_set_sysfs_root(struct pcipass_ctx *ctx,
					  const char *root);

/**
 * pcipass_get_sysfs_root:
 * @ctx: the context
 *
 * Returns: the root set with pcipass_set_sysfs_root() (borrowed), or NULL
 * for the real /sys.
 * Since: 1
 */
PCIPASS_EXPORT const char *pcipass_get_sysfs_root(const struct pcipass_ctx *ctx);

/**
 * pcipass_policy_get:
 * @ctx: the context
 * @policy: where to store the module's claim= policy, as the module
 *	prints it (maybe ""); free it with free()
 *
 * Read the claim policy in force from the module's parameter
 * (/sys/module/pcipass/parameters/claim, below the sysfs root).
 *
 * Returns: 0, -ENOENT if the pcipass module is not loaded, -EOPNOTSUPP if
 * it has no claim parameter, or another negative errno.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_policy_get(struct pcipass_ctx *ctx, char **policy);

/*
 * Snapshots: every PCI function and IOMMU group, consistent in time.
 */

/**
 * pcipass_snapshot_new:
 * @ctx: the context
 * @snap: where to store the snapshot
 *
 * Dump all PCI functions and IOMMU groups. A dump that overlaps a change
 * in the kernel is retried, both dumps together, so that every function
 * and group is seen at the same generation.
 *
 * Returns: 0, -ENOENT if the pcipass module is not loaded, -EAGAIN if no
 * consistent view could be had after several attempts, or another
 * negative errno.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_snapshot_new(struct pcipass_ctx *ctx,
					struct pcipass_snapshot **snap);
/**
 * pcipass_snapshot_ref:
 * @snap: the snapshot
 *
 * Take a reference on @snap.
 *
 * Returns: @snap.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_snapshot *
pcipass_snapshot_ref(struct pcipass_snapshot *snap);
/**
 * pcipass_snapshot_unref:
 * @snap: the snapshot
 *
 * Drop a reference on @snap; the last one frees it with every group and
 * function in it.
 *
 * Returns: @snap while references remain, NULL once it is freed.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_snapshot *
pcipass_snapshot_unref(struct pcipass_snapshot *snap);
/**
 * pcipass_snapshot_get_ctx:
 * @snap: the snapshot
 *
 * Returns: the context @snap was taken with (borrowed).
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_ctx *
pcipass_snapshot_get_ctx(const struct pcipass_snapshot *snap);
/* The generation all messages of the snapshot were reported at (0 from sysfs). */
/**
 * pcipass_snapshot_get_generation:
 * @snap: the snapshot
 *
 * Returns: the generation every message of @snap was reported at, 0 for
 * a snapshot from sysfs.
 * Since: 1
 */
PCIPASS_EXPORT uint32_t
pcipass_snapshot_get_generation(const struct pcipass_snapshot *snap);

/**
 * pcipass_snapshot_get_source:
 * @snap: the snapshot
 *
 * Returns: where @snap was read from, PCIPASS_SOURCE_NETLINK or
 * PCIPASS_SOURCE_SYSFS (never _AUTO), or -1 if @snap is NULL.
 * Since: 1
 */
PCIPASS_EXPORT int
pcipass_snapshot_get_source(const struct pcipass_snapshot *snap);

/**
 * pcipass_snapshot_get_dev_count:
 * @snap: the snapshot
 *
 * Returns: the number of PCI functions in @snap.
 * Since: 1
 */
PCIPASS_EXPORT size_t
pcipass_snapshot_get_dev_count(const struct pcipass_snapshot *snap);
/**
 * pcipass_snapshot_get_group_count:
 * @snap: the snapshot
 *
 * Returns: the number of IOMMU groups in @snap (0 with the IOMMU off).
 * Since: 1
 */
PCIPASS_EXPORT size_t
pcipass_snapshot_get_group_count(const struct pcipass_snapshot *snap);

/**
 * pcipass_dev_next:
 * @snap: the snapshot
 * @dev: the previous function, or NULL to get the first
 *
 * Iterate over all PCI functions of @snap in BDF order (numerically, by
 * domain, bus, device and function).
 *
 * Returns: a borrowed pointer, or NULL after the last function.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_dev *
pcipass_dev_next(const struct pcipass_snapshot *snap,
		 const struct pcipass_dev *dev);

/**
 * pcipass_group_next:
 * @snap: the snapshot
 * @group: the previous group, or NULL to get the first
 *
 * Iterate over all IOMMU groups of @snap in ascending id order.
 *
 * Returns: a borrowed pointer, or NULL after the last group.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_group *
pcipass_group_next(const struct pcipass_snapshot *snap,
		   const struct pcipass_group *group);

#define pcipass_snapshot_for_each_dev(dev, snap)			\
	for ((dev) = pcipass_dev_next((snap), NULL); (dev);		\
	     (dev) = pcipass_dev_next((snap), (dev)))

#define pcipass_snapshot_for_each_group(group, snap)			\
	for ((group) = pcipass_group_next((snap), NULL); (group);	\
	     (group) = pcipass_group_next((snap), (group)))

/**
 * pcipass_snapshot_get_dev:
 * @snap: the snapshot
 * @bdf: "dddd:bb:dd.f"; any form a slot filter without wildcards takes
 *	(as "5:0.0" for "0000:05:00.0") names the same function
 *
 * Returns: a borrowed pointer, or NULL if @snap has no such function.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_dev *
pcipass_snapshot_get_dev(const struct pcipass_snapshot *snap, const char *bdf);

/**
 * pcipass_snapshot_get_group:
 * @snap: the snapshot
 * @id: IOMMU group id
 *
 * Returns: a borrowed pointer, or NULL if @snap has no such group.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_group *
pcipass_snapshot_get_group(const struct pcipass_snapshot *snap, uint32_t id);

/*
 * IOMMU groups. A group belongs to its snapshot; pcipass_group_ref()
 * keeps the whole snapshot alive.
 */
/**
 * pcipass_group_ref:
 * @group: the group
 *
 * Take a reference on the snapshot @group belongs to.
 *
 * Returns: @group.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_group *
pcipass_group_ref(struct pcipass_group *group);
/**
 * pcipass_group_unref:
 * @group: the group
 *
 * Drop a reference taken with pcipass_group_ref().
 *
 * Returns: @group while its snapshot lives, NULL once it is freed.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_group *
pcipass_group_unref(struct pcipass_group *group);
/**
 * pcipass_group_get_id:
 * @group: the group
 *
 * Returns: the IOMMU group id.
 * Since: 1
 */
PCIPASS_EXPORT uint32_t pcipass_group_get_id(const struct pcipass_group *group);
/**
 * pcipass_group_is_viable:
 * @group: the group
 *
 * Returns: true if every member that is not a bridge is unbound or on
 * vfio-pci or pci-stub: the group can be assigned as a whole.
 * Since: 1
 */
PCIPASS_EXPORT bool pcipass_group_is_viable(const struct pcipass_group *group);
/**
 * pcipass_group_get_generation:
 * @group: the group
 *
 * Returns: the generation the group was reported at, 0 if none (see
 * pcipass_group_has_generation()).
 * Since: 1
 */
PCIPASS_EXPORT uint32_t
pcipass_group_get_generation(const struct pcipass_group *group);

/**
 * pcipass_group_has_generation:
 * @group: the group
 *
 * Returns: true if the kernel reported the group's generation (never in a
 * snapshot from sysfs).
 * Since: 1
 */
PCIPASS_EXPORT bool
pcipass_group_has_generation(const struct pcipass_group *group);
/**
 * pcipass_group_get_member_count:
 * @group: the group
 *
 * Returns: the number of PCI functions in @group.
 * Since: 1
 */
PCIPASS_EXPORT size_t
pcipass_group_get_member_count(const struct pcipass_group *group);
/**
 * pcipass_group_get_member:
 * @group: the group
 * @idx: 0 ... pcipass_group_get_member_count() - 1
 *
 * Returns: member @idx in BDF order (borrowed), or NULL if @idx is out
 * of range.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_dev *
pcipass_group_get_member(const struct pcipass_group *group, size_t idx);

/**
 * pcipass_group_member_next:
 * @group: the group
 * @dev: the previous member, or NULL to get the first
 *
 * Returns: the next member of @group in BDF order (borrowed), or NULL.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_dev *
pcipass_group_member_next(const struct pcipass_group *group,
			  const struct pcipass_dev *dev);

#define pcipass_group_for_each_member(dev, group)			\
	for ((dev) = pcipass_group_member_next((group), NULL); (dev);	\
	     (dev) = pcipass_group_member_next((group), (dev)))

/*
 * PCI functions. A function from a snapshot belongs to it, and
 * pcipass_dev_ref() keeps the whole snapshot alive; one from
 * pcipass_dev_get() stands alone.
 */

/**
 * pcipass_dev_get:
 * @ctx: the context
 * @bdf: "dddd:bb:dd.f"
 * @dev: where to store the function; release it with pcipass_dev_unref()
 *
 * Ask the kernel for one PCI function.
 *
 * Returns: 0 or the kernel's negative errno (see pcipass_get_extack()).
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_dev_get(struct pcipass_ctx *ctx, const char *bdf,
				   struct pcipass_dev **dev);
/**
 * pcipass_dev_ref:
 * @dev: the function
 *
 * Take a reference on @dev (on its snapshot, if it came from one).
 *
 * Returns: @dev.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_dev *pcipass_dev_ref(struct pcipass_dev *dev);
/**
 * pcipass_dev_unref:
 * @dev: the function
 *
 * Drop a reference on @dev (or on its snapshot).
 *
 * Returns: @dev while references remain, NULL once it is freed.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_dev *pcipass_dev_unref(struct pcipass_dev *dev);

/**
 * pcipass_dev_get_bdf:
 * @dev: the function
 *
 * Returns: "dddd:bb:dd.f" (borrowed).
 * Since: 1
 */
PCIPASS_EXPORT const char *pcipass_dev_get_bdf(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_domain:
 * @dev: the function
 *
 * Returns: the PCI domain (segment).
 * Since: 1
 */
PCIPASS_EXPORT unsigned int
pcipass_dev_get_domain(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_bus:
 * @dev: the function
 *
 * Returns: the bus number.
 * Since: 1
 */
PCIPASS_EXPORT unsigned int pcipass_dev_get_bus(const struct pcipass_dev *dev);
/* Device and function number, as the kernel's devfn. */
/**
 * pcipass_dev_get_devfn:
 * @dev: the function
 *
 * Returns: device and function number, as the kernel's devfn (slot << 3
 * | function).
 * Since: 1
 */
PCIPASS_EXPORT unsigned int
pcipass_dev_get_devfn(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_vendor:
 * @dev: the function
 *
 * Returns: the vendor id.
 * Since: 1
 */
PCIPASS_EXPORT uint16_t pcipass_dev_get_vendor(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_device:
 * @dev: the function
 *
 * Returns: the device id.
 * Since: 1
 */
PCIPASS_EXPORT uint16_t pcipass_dev_get_device(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_subsystem_vendor:
 * @dev: the function
 *
 * Returns: the subsystem vendor id.
 * Since: 1
 */
PCIPASS_EXPORT uint16_t
pcipass_dev_get_subsystem_vendor(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_subsystem_device:
 * @dev: the function
 *
 * Returns: the subsystem device id.
 * Since: 1
 */
PCIPASS_EXPORT uint16_t
pcipass_dev_get_subsystem_device(const struct pcipass_dev *dev);
/* 24-bit class code: base class in bits 23:16, then subclass, prog-if. */
/**
 * pcipass_dev_get_class:
 * @dev: the function
 *
 * Returns: the 24-bit class code: base class in bits 23:16, then
 * subclass and programming interface.
 * Since: 1
 */
PCIPASS_EXPORT uint32_t pcipass_dev_get_class(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_revision:
 * @dev: the function
 *
 * Returns: the revision id.
 * Since: 1
 */
PCIPASS_EXPORT uint8_t pcipass_dev_get_revision(const struct pcipass_dev *dev);

/* IOMMU group: pcipass_dev_get_group_id() is 0 when there is none. */
/**
 * pcipass_dev_has_group:
 * @dev: the function
 *
 * Returns: true if @dev is in an IOMMU group.
 * Since: 1
 */
PCIPASS_EXPORT bool pcipass_dev_has_group(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_group_id:
 * @dev: the function
 *
 * Returns: the IOMMU group id, 0 when there is none (see
 * pcipass_dev_has_group()).
 * Since: 1
 */
PCIPASS_EXPORT uint32_t pcipass_dev_get_group_id(const struct pcipass_dev *dev);
/* The group object, if @dev came from a snapshot and has a group. */
/**
 * pcipass_dev_get_group:
 * @dev: the function
 *
 * Returns: the group object (borrowed) if @dev came from a snapshot and
 * has a group, else NULL.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_group *
pcipass_dev_get_group(const struct pcipass_dev *dev);

/* Strings are NULL when the kernel reported none. */
/**
 * pcipass_dev_get_driver:
 * @dev: the function
 *
 * Returns: the bound driver's name (borrowed), or NULL if none is bound.
 * Since: 1
 */
PCIPASS_EXPORT const char *pcipass_dev_get_driver(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_driver_override:
 * @dev: the function
 *
 * Returns: the driver_override (borrowed), or NULL if none is set.
 * Since: 1
 */
PCIPASS_EXPORT const char *
pcipass_dev_get_driver_override(const struct pcipass_dev *dev);
/**
 * pcipass_dev_is_driver_override_unknown:
 * @dev: the function
 *
 * The module reads driver_override without waiting on a driver. Where
 * the kernel keeps it under the device lock (6.1, 6.12 before 6.12.91),
 * a driver's probe or remove in progress holds that lock, such as
 * vfio-pci's remove waiting for its VFIO user to let go; the snapshot
 * then leaves the override out, and pcipass_dev_get_driver_override()
 * returns NULL though one may be set. The sysfs source reads the sysfs
 * file, which waits for the lock.
 *
 * Returns: true if @dev's driver_override is not known for that reason.
 * Since: 1
 */
PCIPASS_EXPORT bool
pcipass_dev_is_driver_override_unknown(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_upstream:
 * @dev: the function
 *
 * Returns: the BDF of the bridge above @dev (borrowed), or NULL on a
 * root bus.
 * Since: 1
 */
PCIPASS_EXPORT const char *
pcipass_dev_get_upstream(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_physfn:
 * @dev: the function
 *
 * Returns: for an SR-IOV VF, the BDF of its PF (borrowed); else NULL.
 * Since: 1
 */
PCIPASS_EXPORT const char *pcipass_dev_get_physfn(const struct pcipass_dev *dev);

/**
 * pcipass_dev_is_bridge:
 * @dev: the function
 *
 * Returns: true if @dev is a PCI-to-PCI or CardBus bridge.
 * Since: 1
 */
PCIPASS_EXPORT bool pcipass_dev_is_bridge(const struct pcipass_dev *dev);
/**
 * pcipass_dev_is_multifunction:
 * @dev: the function
 *
 * Returns: true if @dev is a function of a multi-function device.
 * Since: 1
 */
PCIPASS_EXPORT bool pcipass_dev_is_multifunction(const struct pcipass_dev *dev);

/* enum pcipass_pcie_type; -1 for a conventional PCI function. */
/**
 * pcipass_dev_has_pcie_type:
 * @dev: the function
 *
 * Returns: true if @dev is PCI Express (has a port type).
 * Since: 1
 */
PCIPASS_EXPORT bool pcipass_dev_has_pcie_type(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_pcie_type:
 * @dev: the function
 *
 * Returns: an enum pcipass_pcie_type (<linux/pcipass.h>), or -1 for a
 * conventional PCI function.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_dev_get_pcie_type(const struct pcipass_dev *dev);
/* The spec's name of a pcie type ("root-port"), or NULL if unknown. */
/**
 * pcipass_pcie_type_name:
 * @type: an enum pcipass_pcie_type
 *
 * Returns: the spec's name ("endpoint", "root-port", ...), or NULL if
 * @type is unknown.
 * Since: 1
 */
PCIPASS_EXPORT const char *pcipass_pcie_type_name(int type);

/* SR-IOV physical function: true if sriov-total-vfs was reported. */
/**
 * pcipass_dev_is_sriov_pf:
 * @dev: the function
 *
 * Returns: true if @dev is an SR-IOV physical function (sriov-total-vfs
 * was reported).
 * Since: 1
 */
PCIPASS_EXPORT bool pcipass_dev_is_sriov_pf(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_sriov_total_vfs:
 * @dev: the function
 *
 * Returns: how many VFs the PF supports, 0 if not a PF.
 * Since: 1
 */
PCIPASS_EXPORT uint16_t
pcipass_dev_get_sriov_total_vfs(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_sriov_num_vfs:
 * @dev: the function
 *
 * Returns: how many VFs the PF has enabled, 0 if not a PF.
 * Since: 1
 */
PCIPASS_EXPORT uint16_t
pcipass_dev_get_sriov_num_vfs(const struct pcipass_dev *dev);

/* NUMA node: pcipass_dev_get_numa_node() is -1 when there is none. */
/**
 * pcipass_dev_has_numa_node:
 * @dev: the function
 *
 * Returns: true if @dev belongs to a NUMA node.
 * Since: 1
 */
PCIPASS_EXPORT bool pcipass_dev_has_numa_node(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_numa_node:
 * @dev: the function
 *
 * Returns: the NUMA node, or -1 when there is none.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_dev_get_numa_node(const struct pcipass_dev *dev);

/* ACS extended capability: registers are 0 when there is none. */
/**
 * pcipass_dev_has_acs:
 * @dev: the function
 *
 * Returns: true if @dev has an ACS extended capability.
 * Since: 1
 */
PCIPASS_EXPORT bool pcipass_dev_has_acs(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_acs_cap:
 * @dev: the function
 *
 * Returns: the ACS Capability register, 0 without the capability.
 * Since: 1
 */
PCIPASS_EXPORT uint16_t pcipass_dev_get_acs_cap(const struct pcipass_dev *dev);
/**
 * pcipass_dev_get_acs_ctrl:
 * @dev: the function
 *
 * Returns: the ACS Control register, 0 without the capability.
 * Since: 1
 */
PCIPASS_EXPORT uint16_t pcipass_dev_get_acs_ctrl(const struct pcipass_dev *dev);
/**
 * pcipass_dev_is_acs_isolated:
 * @dev: the function
 *
 * Returns: true if @dev itself isolates as pci_acs_enabled() requires
 * (SV, RR, CR, UF), by the module's rules without device quirks.
 * Since: 1
 */
PCIPASS_EXPORT bool pcipass_dev_is_acs_isolated(const struct pcipass_dev *dev);
/**
 * pcipass_dev_is_acs_path_isolated:
 * @dev: the function
 *
 * Returns: true if @dev and every bridge above it up to the root bus
 * isolate.
 * Since: 1
 */
PCIPASS_EXPORT bool
pcipass_dev_is_acs_path_isolated(const struct pcipass_dev *dev);

/**
 * pcipass_dev_get_generation:
 * @dev: the function
 *
 * Returns: the generation @dev was reported at, 0 if none (see
 * pcipass_dev_has_generation()).
 * Since: 1
 */
PCIPASS_EXPORT uint32_t
pcipass_dev_get_generation(const struct pcipass_dev *dev);

/**
 * pcipass_dev_has_generation:
 * @dev: the function
 *
 * Returns: true if the kernel reported the generation @dev was read at
 * (never from sysfs).
 * Since: 1
 */
PCIPASS_EXPORT bool pcipass_dev_has_generation(const struct pcipass_dev *dev);

/**
 * pcipass_dev_has_claim_origin:
 * @dev: the function
 *
 * Returns: true if the kernel reported why @dev is held for vfio-pci (a
 * module with claim support always does).
 * Since: 1
 */
PCIPASS_EXPORT bool pcipass_dev_has_claim_origin(const struct pcipass_dev *dev);

/**
 * pcipass_dev_get_claim_origin:
 * @dev: the function
 *
 * Returns: why @dev is held for vfio-pci, an enum pcipass_claim_origin
 * (PCIPASS_CLAIM_ORIGIN_NONE, _POLICY, _RUNTIME or _EXTERNAL from
 * <linux/pcipass.h>), or -1 if the kernel did not report it.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_dev_get_claim_origin(const struct pcipass_dev *dev);

/**
 * pcipass_claim_origin_name:
 * @origin: an enum pcipass_claim_origin
 *
 * Returns: the spec's name ("none", "policy", "runtime", "external"), or
 * NULL if @origin is unknown.
 * Since: 1
 */
PCIPASS_EXPORT const char *pcipass_claim_origin_name(int origin);

/**
 * pcipass_dev_get_prev_driver:
 * @dev: the function
 *
 * Returns: the driver @dev had when pcipass claimed it, where a release
 * returns it; NULL if it had none or is not claimed.
 * Since: 1
 */
PCIPASS_EXPORT const char *
pcipass_dev_get_prev_driver(const struct pcipass_dev *dev);

/*
 * Names from the PCI ID database (libpci's pci.ids / hwdb).
 */

enum pcipass_name {
	/* "NVIDIA Corporation" */
	PCIPASS_NAME_VENDOR,
	/* "GP102GL [Tesla P10]" */
	PCIPASS_NAME_DEVICE,
	/* "NVIDIA Corporation GP102GL [Tesla P10]" */
	PCIPASS_NAME_VENDOR_DEVICE,
	/* the subsystem's name */
	PCIPASS_NAME_SUBSYSTEM,
	/* "Non-Volatile memory controller" (base class and subclass) */
	PCIPASS_NAME_CLASS,
	/* "NVM Express" (programming interface) */
	PCIPASS_NAME_PROGIF,
};

/**
 * pcipass_name_lookup:
 * @ctx: the context
 * @what: which name
 * @vendor: vendor id
 * @device: device id
 * @subvendor: subsystem vendor id (PCIPASS_NAME_SUBSYSTEM only)
 * @subdevice: subsystem device id (PCIPASS_NAME_SUBSYSTEM only)
 * @class_code: 24-bit class code (PCIPASS_NAME_CLASS, PCIPASS_NAME_PROGIF)
 * @buf: where to store the name
 * @len: size of @buf
 *
 * Returns: 0, -ENOENT if the database has no such name, -ENOSPC if
 * @buf is too small, or another negative errno.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_name_lookup(struct pcipass_ctx *ctx,
				       enum pcipass_name what,
				       uint16_t vendor, uint16_t device,
				       uint16_t subvendor, uint16_t subdevice,
				       uint32_t class_code, char *buf, size_t len);

/**
 * pcipass_dev_name:
 * @ctx: the context
 * @dev: the function
 * @what: which name
 * @buf: where to store the name
 * @len: size of @buf
 *
 * pcipass_name_lookup() with the ids of @dev.
 *
 * Returns: as pcipass_name_lookup().
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_dev_name(struct pcipass_ctx *ctx,
				    const struct pcipass_dev *dev,
				    enum pcipass_name what, char *buf,
				    size_t len);

/*
 * Claiming functions for vfio-pci (needs CAP_SYS_ADMIN, as sysfs needs root).
 */

/**
 * pcipass_claim:
 * @ctx: the context
 * @bdfs: the functions, "dddd:bb:dd.f" each
 * @n_bdfs: how many
 * @flags: PCIPASS_CLAIM_FLAGS_FUNCTION_ONLY and PCIPASS_CLAIM_FLAGS_FORCE
 *	(enum pcipass_claim_flags in <linux/pcipass.h>), or 0
 * @done: if not NULL, where to store the functions the request changed:
 *	a NULL-terminated array in one allocation, free it with free().
 *	Functions already claimed are not in it.
 *
 * Bind @bdfs to vfio-pci, and with them every endpoint of their IOMMU
 * groups unless PCIPASS_CLAIM_FLAGS_FUNCTION_ONLY is set. All or
 * nothing: on failure every function is left on the driver it had.
 * Functions the host uses (a mounted or held block device, an interface
 * that is up, the boot display) are refused unless
 * PCIPASS_CLAIM_FLAGS_FORCE is set.
 *
 * Returns: 0, or the kernel's negative errno: -EPERM without privilege,
 * -EBUSY when a function or a member of its group is in use, -ENODEV
 * for an unknown function, -EOPNOTSUPP if the module has no claim
 * support; pcipass_get_extack() names the function that blocked.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_claim(struct pcipass_ctx *ctx,
				 const char *const *bdfs, size_t n_bdfs,
				 unsigned int flags, char ***done);

/**
 * pcipass_release:
 * @ctx: the context
 * @bdfs: the functions, "dddd:bb:dd.f" each
 * @n_bdfs: how many
 * @flags: PCIPASS_CLAIM_FLAGS_FUNCTION_ONLY and PCIPASS_CLAIM_FLAGS_FORCE,
 *	or 0
 * @done: as for pcipass_claim(): the functions released
 *
 * Clear the vfio-pci override of @bdfs (and of every endpoint of their
 * groups unless function-only) and return each function to the driver it
 * had before it was claimed, or let the kernel find one. A function held
 * for vfio-pci outside pcipass (by hand, by another tool, or by a pcipass
 * that was unloaded since) is released only with PCIPASS_CLAIM_FLAGS_FORCE,
 * to whatever driver matches it; without it such group members are left
 * alone. A function that is not held but whose group pcipass holds (it was
 * removed and found again by a rescan) releases its group.
 *
 * Returns: 0, or the kernel's negative errno: -EINVAL when a function is
 * not claimed by pcipass (or held outside it, without force), -EBUSY when a VFIO user holds the group open
 * (see pcipass_get_extack()).
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_release(struct pcipass_ctx *ctx,
				   const char *const *bdfs, size_t n_bdfs,
				   unsigned int flags, char ***done);

/**
 * pcipass_claim_runtime:
 * @ctx: the context
 * @bdfs: the functions, "dddd:bb:dd.f" each
 * @n_bdfs: how many
 * @flags: PCIPASS_CLAIM_FLAGS_FUNCTION_ONLY and PCIPASS_CLAIM_FLAGS_FORCE,
 *	or 0
 * @done: as for pcipass_claim()
 *
 * Without the module: bind @bdfs (and every endpoint of their IOMMU
 * groups unless function-only) to vfio-pci through sysfs, by writing
 * driver_override, unbinding and asking drivers_probe. This is NOT
 * probe-time claiming: the native driver had the function first and gets
 * it back after a reboot or a hot-plug. The module's in-use checks are
 * made from sysfs (a block device below the function that is mounted or
 * has holders, an interface that is up, the boot display) unless
 * PCIPASS_CLAIM_FLAGS_FORCE is set; what the kernel knows and sysfs does
 * not show (a block device opened exclusively without a holder) is not.
 * All or nothing: on failure every function goes back to its driver.
 * vfio-pci must be loaded.
 *
 * Returns: 0, -EPERM or -EACCES without privilege, -ENODEV for an unknown
 * function, -EBUSY when the host uses a function, -ENXIO if vfio-pci would
 * not bind, or another negative errno; pcipass_get_extack() names the
 * function.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_claim_runtime(struct pcipass_ctx *ctx,
					 const char *const *bdfs,
					 size_t n_bdfs, unsigned int flags,
					 char ***done);

/**
 * pcipass_release_runtime:
 * @ctx: the context
 * @bdfs: the functions, "dddd:bb:dd.f" each
 * @n_bdfs: how many
 * @flags: PCIPASS_CLAIM_FLAGS_FUNCTION_ONLY and PCIPASS_CLAIM_FLAGS_FORCE,
 *	or 0
 * @done: as for pcipass_claim(): the functions released
 *
 * Without the module: undo pcipass_claim_runtime(). Clear the vfio-pci
 * driver_override of @bdfs (and their groups' endpoints unless
 * function-only), unbind them from vfio-pci and let the kernel find them
 * a driver. Functions not overridden to vfio-pci are left alone; with
 * PCIPASS_CLAIM_FLAGS_FORCE, so are only those not bound to vfio-pci.
 *
 * Returns: 0 or a negative errno (see pcipass_get_extack()).
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_release_runtime(struct pcipass_ctx *ctx,
					   const char *const *bdfs,
					   size_t n_bdfs, unsigned int flags,
					   char ***done);

/*
 * Events: every add, remove, bind and unbind of a PCI function, and every
 * claim and release by pcipass, as the kernel multicasts them.
 */

struct pcipass_monitor;
struct pcipass_event;

/**
 * pcipass_monitor_new:
 * @ctx: the context
 * @mon: where to store the monitor
 *
 * Subscribe to the pcipass events multicast group, on a socket of its
 * own. Events are queued from this call on; read them with
 * pcipass_monitor_dispatch() when pcipass_monitor_get_fd() is readable.
 *
 * Returns: 0, -ENOENT if the pcipass module is not loaded, -EOPNOTSUPP if
 * it has no events group, or another negative errno.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_monitor_new(struct pcipass_ctx *ctx,
				       struct pcipass_monitor **mon);
/**
 * pcipass_monitor_ref:
 * @mon: the monitor
 *
 * Take a reference on @mon.
 *
 * Returns: @mon.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_monitor *
pcipass_monitor_ref(struct pcipass_monitor *mon);
/**
 * pcipass_monitor_unref:
 * @mon: the monitor
 *
 * Drop a reference on @mon; the last one closes its socket.
 *
 * Returns: @mon while references remain, NULL once it is freed.
 * Since: 1
 */
PCIPASS_EXPORT struct pcipass_monitor *
pcipass_monitor_unref(struct pcipass_monitor *mon);

/**
 * pcipass_monitor_get_fd:
 * @mon: the monitor
 *
 * Returns: a non-blocking file descriptor for poll() or epoll (POLLIN),
 * owned by @mon, or -1 if @mon is NULL.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_monitor_get_fd(const struct pcipass_monitor *mon);

/**
 * pcipass_event_fn:
 * @mon: the monitor
 * @ev: the event, borrowed for the duration of the call
 * @data: as passed to pcipass_monitor_dispatch()
 *
 * Returns: 0 to go on, anything else to stop dispatching; that value is
 * then returned by pcipass_monitor_dispatch().
 */
typedef int (*pcipass_event_fn)(struct pcipass_monitor *mon,
				const struct pcipass_event *ev, void *data);

/**
 * pcipass_monitor_dispatch:
 * @mon: the monitor
 * @fn: called once per event, in the order the kernel sent them
 * @data: passed to @fn
 *
 * Read every event queued on the socket, without blocking.
 *
 * Returns: the number of events passed to @fn (0 if none was queued),
 * the non-zero value @fn returned to stop, -ENOBUFS if events were lost
 * because the socket's buffer overflowed (the events after the loss are
 * still delivered on the next call; take a new snapshot to resync), or
 * another negative errno.
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_monitor_dispatch(struct pcipass_monitor *mon,
					    pcipass_event_fn fn, void *data);

/**
 * pcipass_event_get_type:
 * @ev: the event
 *
 * Returns: an enum pcipass_event_type (PCIPASS_EVENT_TYPE_ADD, _REMOVE,
 * _BIND, _UNBIND, _CLAIM or _RELEASE from <linux/pcipass.h>).
 * Since: 1
 */
PCIPASS_EXPORT int pcipass_event_get_type(const struct pcipass_event *ev);

/**
 * pcipass_event_type_name:
 * @type: an enum pcipass_event_type
 *
 * Returns: the spec's name ("add", "remove", "bind", "unbind", "claim",
 * "release"), or NULL if @type is unknown.
 * Since: 1
 */
PCIPASS_EXPORT const char *pcipass_event_type_name(int type);

/**
 * pcipass_event_get_bdf:
 * @ev: the event
 *
 * Returns: the function's "dddd:bb:dd.f" (borrowed).
 * Since: 1
 */
PCIPASS_EXPORT const char *pcipass_event_get_bdf(const struct pcipass_event *ev);

/**
 * pcipass_event_get_driver:
 * @ev: the event
 *
 * Returns: the driver bound or unbound, vfio-pci for claim and release
 * (borrowed), or NULL if none.
 * Since: 1
 */
PCIPASS_EXPORT const char *
pcipass_event_get_driver(const struct pcipass_event *ev);

/**
 * pcipass_event_get_generation:
 * @ev: the event
 *
 * Returns: the topology generation after the change.
 * Since: 1
 */
PCIPASS_EXPORT uint32_t
pcipass_event_get_generation(const struct pcipass_event *ev);

#ifdef __cplusplus
}
#endif

#endif /* _LIBPCIPASS_H_ */
