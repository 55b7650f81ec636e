/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PCIPASS_NL_H
#define _PCIPASS_NL_H

int pcipass_nl_init(void);
void pcipass_nl_exit(void);

#endif /* _PCIPASS_NL_H */
