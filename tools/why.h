/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcipass why and pcipass check share the isolation view of a snapshot.
 */
#ifndef PCIPASS_WHY_H
#define PCIPASS_WHY_H

#include <pcipass/libpcipass.h>

#include "isolation.h"

/*
 * The functions of @snap as an iso_topo; strings are borrowed from @snap,
 * each iso_fn's priv is its struct pcipass_dev. Free t->fns with free().
 * Returns 0 or -ENOMEM.
 */
int why_topo_build(const struct pcipass_snapshot *snap, struct iso_topo *t);

#endif /* PCIPASS_WHY_H */
