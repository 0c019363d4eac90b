// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for selftests/runner/run-tests: its init warns once, so
 * vm-run must fail the run with a kernel splat. Never loaded outside tests.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init duet_splat_init(void)
{
	WARN_ON(1);
	/* Refuse to stay loaded: the warning is the whole point. */
	return -EINVAL;
}
module_init(duet_splat_init);

MODULE_DESCRIPTION("duet runner self-test: WARN_ON() at load");
MODULE_LICENSE("GPL");
