#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the emulated machine (bench/run passes it with --add).  Each
# benchmark prints "bench: NAME METRIC VALUE" lines; ratios end in _ratio.
set -u
BIN=/add/bin
want=${1:-all}
rc=0

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'
}

kvm_module() {
	if grep -qw svm /proc/cpuinfo; then echo kvm_amd; else echo kvm_intel; fi
}

# ioctl: capability-query round trips, duet vs KVM, one after the other
# (the two cannot own the hardware at the same time).
bench_ioctl() {
	local kvm duet_ops kvm_ops
	kvm=$(kvm_module)
	insmod /duet/duet.ko || return 1
	duet_ops=$($BIN/ioctl_bench duet 300000 | awk '{ print $2 }')
	rmmod duet
	modprobe "$kvm" || return 1
	kvm_ops=$($BIN/ioctl_bench kvm 300000 | awk '{ print $2 }')
	modprobe -r "$kvm"
	echo "bench: ioctl duet_check_extension_ops_per_sec $duet_ops"
	echo "bench: ioctl kvm_check_extension_ops_per_sec $kvm_ops"
	echo "bench: ioctl check_extension_vs_kvm_ratio $(ratio "$duet_ops" "$kvm_ops")"
}

for b in ioctl; do
	[ "$want" = all ] || [ "$want" = "$b" ] || continue
	"bench_$b" || { echo "bench: $b FAILED"; rc=1; }
done
exit $rc
