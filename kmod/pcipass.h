/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcipass core: topology walking, ACS evaluation and the generation
 * counter. Nothing in here knows about netlink, so KUnit can test it
 * directly.
 */
#ifndef _PCIPASS_H
#define _PCIPASS_H

#include <linux/pci.h>
#include <linux/types.h>

struct iommu_group;

/*
 * Static in pcipass.ko, visible to the KUnit test module: tests/kunit/
 * builds its own copy of these sources with -DPCIPASS_KUNIT.
 */
#ifdef PCIPASS_KUNIT
#define PCIPASS_KUNIT_VISIBLE
#else
#define PCIPASS_KUNIT_VISIBLE static
#endif

/* The ACS features the IOMMU core requires for isolation (REQ_ACS_FLAGS). */
#define PCIPASS_ACS_REQ	(PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)

/**
 * struct pcipass_acs_in - what pci_acs_enabled() looks at, for one function
 * @pcie: the function has a PCI Express capability
 * @pcie_type: PCI_EXP_TYPE_* (only if @pcie)
 * @multifunction: the function is part of a multi-function device
 * @has_cap: the function has an ACS extended capability
 * @cap: ACS Capability register (only if @has_cap)
 * @ctrl: ACS Control register (only if @has_cap)
 * @unreadable: the registers read as all ones or failed (the function is
 *	in D3cold or gone): @cap and @ctrl mean nothing
 */
struct pcipass_acs_in {
	bool pcie;
	u8 pcie_type;
	bool multifunction;
	bool has_cap;
	u16 cap;
	u16 ctrl;
	bool unreadable;
};

bool pcipass_acs_enabled(const struct pcipass_acs_in *in, u16 flags);
void pcipass_acs_read(struct pci_dev *pdev, struct pcipass_acs_in *in);
bool pcipass_acs_path_enabled(struct pci_dev *pdev, u16 flags);

bool pcipass_dev_viable(struct pci_dev *pdev);

int pcipass_parse_bdf(const char *s, u32 *domain, u8 *bus, u8 *devfn);
u64 pcipass_dev_key(const struct pci_dev *pdev);

/**
 * struct pcipass_devs - referenced PCI functions, sorted by address
 * @dev: the functions, each holding a reference
 * @n: number of entries in @dev
 */
struct pcipass_devs {
	struct pci_dev **dev;
	unsigned int n;
};

bool pcipass_dev_registered(struct pci_dev *pdev);
bool pcipass_dev_in(struct pci_dev *pdev, struct pci_dev **devs,
		    unsigned int n);
int pcipass_devs_collect(struct pcipass_devs *devs);
void pcipass_devs_release(struct pcipass_devs *devs);
int pcipass_group_members(struct iommu_group *group,
			  struct pcipass_devs *devs);
struct iommu_group *pcipass_group_find(u32 id);

/**
 * struct pcipass_group_ref - a referenced IOMMU group
 * @id: its id
 * @group: the group, holding a reference
 */
struct pcipass_group_ref {
	u32 id;
	struct iommu_group *group;
};

int pcipass_groups_collect(struct pcipass_group_ref **out, unsigned int *n);
void pcipass_groups_release(struct pcipass_group_ref *refs, unsigned int n);

bool pcipass_driver_name(struct pci_dev *pdev, char *buf, size_t len);

u32 pcipass_gen_read(void);
void pcipass_gen_bump(void);
#ifdef PCIPASS_KUNIT
extern atomic_t pcipass_gen;
#endif

/* Longest driver name we keep; struct device_driver names are short. */
#define PCIPASS_NAME_MAX	64
/* Longest description of what the host uses a function for. */
#define PCIPASS_EXTACK_WHY	64

struct netlink_ext_ack;

bool pcipass_vfio_registered(void);
u8 pcipass_claim_origin_of(struct pci_dev *pdev, const char *override,
			   char *prev, size_t len);
u8 pcipass_claim_origin(struct pci_dev *pdev, char *prev, size_t len);
int pcipass_claim_devs(struct pci_dev **named, unsigned int n, u32 flags,
		       u8 origin, struct pcipass_devs *done,
		       struct netlink_ext_ack *extack);
int pcipass_release_devs(struct pci_dev **named, unsigned int n, u32 flags,
			 struct pcipass_devs *done,
			 struct netlink_ext_ack *extack);
int pcipass_claim_init(void);
void pcipass_claim_stop(void);
void pcipass_claim_exit(void);

#endif /* _PCIPASS_H */
