/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PCIPASS_NL_H
#define _PCIPASS_NL_H

#include <linux/types.h>

struct pci_dev;

int pcipass_nl_init(void);
void pcipass_nl_exit(void);
void pcipass_nl_event(u8 type, struct pci_dev *pdev, const char *driver);

#endif /* _PCIPASS_NL_H */
