/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpcipass internals, shared by the library's source files only.
 */
#ifndef _LIBPCIPASS_PRIVATE_H_
#define _LIBPCIPASS_PRIVATE_H_

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include <pcipass/libpcipass.h>

struct nl_sock;
struct nl_msg;
struct pci_access;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PCIPASS_EXTACK_MAX 256

struct pcipass_ctx {
	int refcount;
	pcipass_log_fn log_fn;
	void *userdata;
	int log_priority;

	/* Generic netlink, connected on first use. */
	struct nl_sock *sk;
	int family;

	/* Explanation of the last failed request. */
	char extack[PCIPASS_EXTACK_MAX];
	bool has_extack;
	int extack_offset;

	/* libpci, for names only; created on first use. */
	struct pci_access *pacc;

	/* enum pcipass_source asked for, and the sysfs root prefix (NULL: /). */
	int source;
	char *sysfs_root;
};

struct pcipass_dev {
	/* Only for a stand-alone function; else the snapshot counts. */
	int refcount;
	struct pcipass_snapshot *snap;
	struct pcipass_group *group;
	/* Position in group->members. */
	size_t member_idx;

	char bdf[PCIPASS_BDF_MAX_STRLEN + 1];
	unsigned int domain;
	unsigned int bus;
	unsigned int devfn;

	uint16_t vendor;
	uint16_t device;
	uint16_t subsystem_vendor;
	uint16_t subsystem_device;
	uint32_t class_code;
	uint8_t revision;

	bool has_group;
	uint32_t group_id;

	char *driver;
	char *driver_override;
	/* the module could not read it without waiting on a driver */
	bool driver_override_unknown;
	char *upstream;
	char *physfn;

	bool bridge;
	bool multifunction;

	bool has_pcie_type;
	uint8_t pcie_type;

	bool has_sriov;
	uint16_t sriov_total_vfs;
	uint16_t sriov_num_vfs;

	bool has_numa_node;
	uint32_t numa_node;

	bool has_acs;
	uint16_t acs_cap;
	uint16_t acs_ctrl;
	bool acs_isolated;
	bool acs_path_isolated;

	bool has_generation;
	uint32_t generation;

	bool has_claim_origin;
	uint8_t claim_origin;
	char *prev_driver;
};

struct pcipass_group {
	struct pcipass_snapshot *snap;
	uint32_t id;
	bool viable;
	bool has_generation;
	uint32_t generation;
	/* Member BDFs as reported, resolved into members once both dumps are in. */
	char **member_bdfs;
	size_t n_members;
	/* How many the kernel said the group has; 0 from an older module. */
	size_t members_total;
	struct pcipass_dev **members;
};

struct pcipass_snapshot {
	int refcount;
	struct pcipass_ctx *ctx;
	uint32_t generation;
	/* enum pcipass_source it was read from, never _AUTO. */
	int source;
	/* sysfs: a file vanished while reading. */
	bool torn;

	/* Sorted by BDF, then by id, once complete. */
	struct pcipass_dev *devs;
	size_t n_devs;
	size_t devs_alloc;
	struct pcipass_group *groups;
	size_t n_groups;
	size_t groups_alloc;
};

/* Logging */
void pcipass_log(struct pcipass_ctx *ctx, int priority, const char *file,
		 int line, const char *fn, const char *format, ...)
	__attribute__((format(printf, 6, 7)));

#define pcipass_log_cond(ctx, prio, ...)				\
	do {								\
		if ((ctx)->log_fn && (ctx)->log_priority >= (prio))	\
			pcipass_log((ctx), (prio), __FILE__, __LINE__,	\
				    __func__, __VA_ARGS__);		\
	} while (0)

#define DBG(ctx, ...)	pcipass_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#define INFO(ctx, ...)	pcipass_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define WARN(ctx, ...)	pcipass_log_cond(ctx, LOG_WARNING, __VA_ARGS__)
#define ERR(ctx, ...)	pcipass_log_cond(ctx, LOG_ERR, __VA_ARGS__)

/* Errors */
void pcipass_clear_extack(struct pcipass_ctx *ctx);
void pcipass_set_extack(struct pcipass_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Claims (claim.c): the argument checks the runtime path shares */
int pcipass_claim_args(struct pcipass_ctx *ctx, const char *const *bdfs,
		       size_t n_bdfs, char ***done);

/* Netlink (netlink.c) */
typedef int (*pcipass_nl_msg_fn)(struct nl_msg *msg, void *arg);

int pcipass_nl_connect(struct pcipass_ctx *ctx);
struct nl_msg *pcipass_nl_msg_new(struct pcipass_ctx *ctx, uint8_t cmd,
				  bool dump);
/*
 * Send @msg (consumed) and feed every reply to @fn. Returns 0, a negative
 * errno, or -EINTR if the kernel flagged a dump with NLM_F_DUMP_INTR.
 */
int pcipass_nl_request(struct pcipass_ctx *ctx, struct nl_msg *msg,
		       pcipass_nl_msg_fn fn, void *arg);
void pcipass_nl_close(struct pcipass_ctx *ctx);

/* Snapshot and function parsing (snapshot.c) */
int pcipass_dev_parse(struct pcipass_ctx *ctx, struct nl_msg *msg,
		      struct pcipass_dev *dev);
void pcipass_dev_release(struct pcipass_dev *dev);

/* The read-only sysfs source (sysfs.c) */
const char *pcipass_sysfs_root(const struct pcipass_ctx *ctx);
/* The last path component of the link @dir/@name: 0 or -errno. */
int pcipass_read_link_name(const char *dir, const char *name, char *buf,
			   size_t len);
int pcipass_sysfs_dev_read(struct pcipass_ctx *ctx, const char *bdf,
			   struct pcipass_dev *dev);
int pcipass_sysfs_dev_get(struct pcipass_ctx *ctx, const char *bdf,
			  struct pcipass_dev *dev);
int pcipass_sysfs_snapshot_fill(struct pcipass_snapshot *snap);
void pcipass_sysfs_snapshot_finish(struct pcipass_snapshot *snap);
/* The source a request goes to: _NETLINK or _SYSFS, or a negative errno. */
int pcipass_resolve_source(struct pcipass_ctx *ctx);

/* Names (names.c) */
void pcipass_names_cleanup(struct pcipass_ctx *ctx);

#endif /* _LIBPCIPASS_PRIVATE_H_ */
