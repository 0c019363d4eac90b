#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# CPU hotplug: a CPU that goes offline leaves VMX/SVM operation, one that
# comes online enters it (cpuhp state), and unloading duet turns every CPU
# off.  Observed through the duet_cpu_enable/duet_cpu_disable tracepoints,
# the CLI's nr-cpus, and KVM: kvm_amd/kvm_intel can enable virtualization
# only on CPUs that duet left as it found them.  Needs 2+ CPUs; loads and
# unloads duet itself.
set -u
DUET_KO=${DUET_KO:-/duet/duet.ko}
T=/sys/kernel/tracing
CPU1=/sys/devices/system/cpu/cpu1/online
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

nr_cpus() {
	duet -j caps show | sed -n 's/.*"nr-cpus": *\([0-9]*\).*/\1/p'
}

echo "TAP version 13"
if [ ! -w "$CPU1" ]; then
	echo "1..0 # SKIP needs a second, hot-pluggable CPU"
	exit 4
fi
echo "1..8"

lsmod | grep -q '^duet ' && rmmod duet
echo 1 >$CPU1
insmod "$DUET_KO"
check "duet loads" "lsmod | grep -q '^duet '"
# The module's events exist only while it is loaded.
echo 1 >$T/events/duet/enable
online=$(grep -c '^processor' /proc/cpuinfo)
check "nr-cpus equals the online CPUs ($online)" "[ \"\$(nr_cpus)\" = $online ]"

echo >$T/trace
echo 0 >$CPU1
check "offlining CPU 1 traces duet_cpu_disable cpu=1" \
	"grep -q 'duet_cpu_disable: cpu=1' $T/trace"
check "nr-cpus drops by one" "[ \"\$(nr_cpus)\" = $((online - 1)) ]"

echo >$T/trace
echo 1 >$CPU1
check "onlining CPU 1 traces duet_cpu_enable cpu=1 ret=0" \
	"grep -q 'duet_cpu_enable: cpu=1 ret=0' $T/trace"
check "nr-cpus is back" "[ \"\$(nr_cpus)\" = $online ]"

echo 0 >$T/events/duet/enable
rmmod duet
check "duet unloads" "! lsmod | grep -q '^duet '"
if grep -qw svm /proc/cpuinfo; then kvm=kvm_amd; else kvm=kvm_intel; fi
if find /lib/modules -name "$(echo $kvm | tr _ -).ko*" | grep -q .; then
	check "$kvm enables every CPU after duet's unload" "modprobe $kvm"
	modprobe -r "$kvm" kvm 2>/dev/null
else
	n=$((n + 1))
	echo "ok $n $kvm enables every CPU after duet's unload # SKIP no $kvm module"
fi
exit $failed
