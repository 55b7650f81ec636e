/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PCIPASS_NL_H
#define _PCIPASS_NL_H

#include <linux/types.h>

struct iommu_group;
struct pci_dev;
struct pcipass_devs;
struct sk_buff;

int pcipass_nl_init(void);
void pcipass_nl_exit(void);
void pcipass_nl_event(u8 type, struct pci_dev *pdev, const char *driver);

size_t pcipass_nl_dev_size(void);
size_t pcipass_nl_group_size(unsigned int members);
size_t pcipass_nl_claim_reply_size(unsigned int done);
size_t pcipass_nl_event_size(struct pci_dev *pdev, const char *driver);

/**
 * struct pcipass_nl_group - what a group message says
 * @id: IOMMU group id
 * @viable: every member may stay as it is when the group is assigned
 * @gen: the generation the members were read at
 * @member: the members' PCI addresses, in address order
 * @n: number of entries in @member
 * @first: index in @member of the first one this message carries: a dump
 *	splits a group whose members do not fit one message
 */
struct pcipass_nl_group {
	u32 id;
	bool viable;
	u32 gen;
	const char **member;
	unsigned int n;
	unsigned int first;
};

#ifdef PCIPASS_KUNIT
int pcipass_nl_dev_fill(struct sk_buff *skb, struct pci_dev *pdev, u32 gen);
int pcipass_nl_event_fill(struct sk_buff *skb, u8 type, struct pci_dev *pdev,
			  const char *driver, u32 gen);
int pcipass_nl_group_fill(struct sk_buff *skb,
			  const struct pcipass_nl_group *g, unsigned int *next);
int pcipass_nl_group_fill_devs(struct sk_buff *skb, struct iommu_group *group,
			       const struct pcipass_devs *members, u32 gen,
			       unsigned int first, unsigned int *next);
int pcipass_nl_claim_reply_fill(struct sk_buff *skb,
				const struct pcipass_devs *done);
#endif

#endif /* _PCIPASS_NL_H */
