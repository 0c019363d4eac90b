#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Hardware and binary translation side by side: the selftests whose
# guests must behave the same in either mode run again with every vCPU in
# the translator (DUET_TEST_EXEC_MODE=bt, selftests/lib/bt.c), and must
# pass there as they do in hardware: same exits and ucall sequences, same
# registers and memory where the tests check them.  Each program is one
# TAP result; its own cases are shown on failure.  The tests that look at
# the nested page tables themselves (faults counted, pages pinned or
# mapped 2M) are hardware-only and not run here.  Under Bochs (one slow
# CPU) only vm_exits_test runs.  Loads and unloads duet itself.
set -u
DUET_KO=${DUET_KO:-/duet/duet.ko}
DIR=$(cd "$(dirname "$0")" && pwd)
TESTS="vm_exits_test vm_run_test vm_event_test vm_regs_test vm_msr_test
vm_pio_string_test vm_fpu_test vm_gmem_test vm_create_test vm_mmio_test"
grep -qw vmx /proc/cpuinfo && TESTS=vm_exits_test
n=0
failed=0

echo "TAP version 13"
set -- $TESTS
echo "1..$#"
insmod "$DUET_KO" || { echo "Bail out! insmod"; exit 1; }
for t in $TESTS; do
	n=$((n + 1))
	out=$(DUET_TEST_EXEC_MODE=bt "$DIR/$t" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok $n $t in bt mode"
	else
		failed=1
		echo "$out" | sed 's/^/# /'
		echo "not ok $n $t in bt mode"
	fi
done
rmmod duet
exit $failed
