/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink plumbing the pcipass selftests share: the socket
 * they talk on and the resolution of the family id. Deliberately not
 * libnl: the tests check the kernel's bytes, not a library's reading.
 */
#ifndef PCIPASS_SELFTEST_NL_UTIL_H
#define PCIPASS_SELFTEST_NL_UTIL_H

/*
 * A NETLINK_GENERIC socket with extended ACKs, capped ACKs (no copy of
 * the request in an error, so the TLVs sit at a fixed place), a 20 s
 * receive timeout and, when @rcvbuf is not 0, that SO_RCVBUF.
 * Returns the descriptor or -errno.
 */
int pp_nl_socket(int rcvbuf);

/* Family id of "pcipass": -ENOENT when it is not registered, or -errno. */
int pp_nl_family(void);

#endif
