#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Hardware and binary translation side by side.  Each selftest whose
# guests must behave the same in either mode runs twice: in hardware
# (DUET_TEST_EXEC_MODE=hw) and with every vCPU in the translator
# (DUET_TEST_EXEC_MODE=bt, selftests/lib/bt.c), each run writing a trace
# (DUET_TEST_TRACE, selftests/lib/trace.h): every exit DUET_RUN returned
# with its payload, ucall and registers, each vCPU's final registers and
# control registers, and digests of guest memory.  Both runs must pass and
# the traces must be equal; a difference fails the program's TAP result
# and shows the first differing lines.
#
# Not compared, and why:
#   vm_npt_large_test  looks at the nested page tables themselves (faults
#                      counted, pages pinned or mapped 2M): hardware only.
#   vm_race_test, vm_stall_test  threads race on guest memory on purpose,
#                      and the stall barrier's timing decides who waits.
#   vm_bt_fuzz_test    compares the translator with the host CPU itself,
#                      instruction by instruction; a run takes minutes in
#                      QEMU.
#   vm_hostile_test    passes in BT, but once in CI its slot deletion race
#                      saw a nested fault reported as a guest page-walk
#                      fault at the deleted slot (MMIO, len 0), cause not
#                      found yet: left out until it is.
#   vm_memslot_test    its pinning and memory-charge cases look at the
#                      pages the nested page tables map (BT maps none).
# Under Bochs (one slow CPU) only vm_exits_test runs.  Loads and unloads
# duet itself.
set -u
DUET_KO=${DUET_KO:-/duet/duet.ko}
DIR=$(cd "$(dirname "$0")" && pwd)
TESTS="vm_exits_test vm_run_test vm_event_test vm_regs_test vm_msr_test
vm_pio_string_test vm_fpu_test vm_gmem_test vm_create_test vm_mmio_test
vm_dr_test"
grep -qw vmx /proc/cpuinfo && TESTS=vm_exits_test
TMP=$(mktemp -d) || { echo "Bail out! mktemp"; exit 1; }
trap 'rm -rf "$TMP"' EXIT
n=0
failed=0

# What a test does that neither mode decides, masked in both traces (sed).
# Only the records named; everything else of the test is compared.
mask() {
	case $1 in
	vm_exits_test)
		# The guest holds its first RDMSR of the TSC in RBX at the
		# first sync.
		echo 's/^\(msr_emulated_or_gp vm0 vcpu0 #0 .*\) rbx=[0-9a-f]* /\1 rbx=TSC /'
		;;
	vm_msr_test)
		# The guest syncs RDMSR(IA32_TSC) (0x10), in R14 too.
		echo 's/^\(msr_guest_sees_host_values vm0 vcpu0 #2 .*ucall SYNC nargs 2 10\) [0-9a-f]* \(.*\) r14=[0-9a-f]* /\1 TSC \2 r14=TSC /'
		;;
	vm_run_test)
		# The guests count in memory until a kick stops them.
		echo '/^\(kick_spinning\|kick_targets_one\|signal_targets_one\)_vcpu vm0 slot0 /d'
		# The guest runs until a kick that races with closing its
		# fds: how many exits come first is the race's.
		echo '/^kick_races_close /d'
		;;
	vm_hostile_test)
		# A slot comes and goes under a guest reading it: how many
		# reads and MMIO exits happen is the host thread's timing.
		echo '/^slot_delete_while_running /d'
		# The guest counts in memory until a signal stops it.
		echo '/^signal_interrupts_loop vm0 slot0 /d'
		;;
	vm_create_test)
		# The guest counts in memory until its fds are closed under it.
		echo '/^close_while_running vm0 slot0 /d'
		;;
	*)
		;;
	esac
	# Every test: an interrupt window exit names the hardware exit it
	# came from; in BT the window opens after duet's own step of the
	# instruction that opened it (its #DB), in hardware at the window
	# intercept.  Reason, RIP and registers are compared.
	echo 's/ exit IRQ_WINDOW_OPEN hw [0-9a-f]* / exit IRQ_WINDOW_OPEN hw - /'
}

# Run test $1 in mode $2 with trace file $3 (and more environment after).
run() {
	t=$1 mode=$2 trace=$3
	shift 3
	rm -f "$trace"
	env "$@" DUET_TEST_EXEC_MODE="$mode" DUET_TEST_TRACE="$trace" \
		"$DIR/$t" >"$trace.out" 2>&1
}

# Compare traces $1 and $2 of test $3: 0 when equal after the masks.
compare() {
	m=$(mask "$3")
	sed -e "$m" "$1" >"$1.m" && sed -e "$m" "$2" >"$2.m" || return 1
	if ! grep -q ' final ' "$1.m"; then
		echo "# $3: the trace has no vCPU in it"
		return 1
	fi
	cmp -s "$1.m" "$2.m" && return 0
	echo "# $3: hardware and BT traces differ in the cases:" \
		$(diff "$1.m" "$2.m" | sed -n 's/^[-+]\([a-z0-9_]*\) vm.*/\1/p' |
		  sort -u)
	echo "# first differing lines:"
	diff "$1.m" "$2.m" | sed -n '3,14p' | cut -c1-400 | sed 's/^/# /'
	return 1
}

echo "TAP version 13"
set -- $TESTS
echo "1..$(($# + 1))"
insmod "$DUET_KO" || { echo "Bail out! insmod"; exit 1; }

# The comparison must be able to fail: a trace with one register flipped
# (DUET_TEST_TRACE_PERTURB) against a plain one.
n=$((n + 1))
t=vm_exits_test
if run $t hw "$TMP/neg.a" && run $t hw "$TMP/neg.b" DUET_TEST_TRACE_PERTURB=1 &&
   ! compare "$TMP/neg.a" "$TMP/neg.b" $t >"$TMP/neg.log"; then
	echo "ok $n a perturbed trace is caught"
else
	failed=1
	sed 's/^/# /' "$TMP/neg.b.out" "$TMP/neg.log"
	echo "not ok $n a perturbed trace is caught"
fi

for t in $TESTS; do
	n=$((n + 1))
	hw=$TMP/$t.hw
	bt=$TMP/$t.bt
	if ! run $t hw "$hw"; then
		failed=1
		sed 's/^/# /' "$hw.out"
		echo "not ok $n $t in hardware"
		continue
	fi
	if ! run $t bt "$bt"; then
		failed=1
		sed 's/^/# /' "$bt.out"
		echo "not ok $n $t in bt mode"
		continue
	fi
	if compare "$hw" "$bt" $t; then
		echo "ok $n $t same in hardware and bt mode"
	else
		failed=1
		echo "not ok $n $t same in hardware and bt mode"
	fi
done
rmmod duet
exit $failed
