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

#ifdef PCIPASS_KUNIT
int pcipass_nl_dev_fill(struct sk_buff *skb, struct pci_dev *pdev, u32 gen);
int pcipass_nl_group_fill(struct sk_buff *skb, struct iommu_group *group,
			  const struct pcipass_devs *members, u32 gen);
#endif

#endif /* _PCIPASS_NL_H */
