// SPDX-License-Identifier: GPL-2.0
/*
 * pcipass_kunit.ko: the pcipass KUnit suites. Loading the module runs them
 * (with kunit.enable=1); results are in /sys/kernel/debug/kunit/<suite>/.
 */
#include <linux/module.h>

MODULE_DESCRIPTION("KUnit tests for pcipass");
MODULE_LICENSE("GPL");
