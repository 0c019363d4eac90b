// SPDX-License-Identifier: GPL-2.0
/*
 * duet_kunit.ko: one module carrying every duet KUnit suite.  Loading it
 * runs them (KTAP on the console and in debugfs kunit/<suite>/results).
 */
#include <linux/module.h>

MODULE_DESCRIPTION("KUnit suites for duet");
MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: duet");
