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

# exits: exit round trips of the same guest loop, duet vs KVM.  The first
# entry into new guest code costs TCG translation time: warm up first.
bench_exits() {
	local kvm mode n=20000 d k
	kvm=$(kvm_module)
	insmod /duet/duet.ko || return 1
	for mode in cpuid vmmcall pio mmio; do
		$BIN/exits_bench duet "$mode" 2000 >/dev/null || return 1
		d=$($BIN/exits_bench duet "$mode" $n | awk '{ print $2 }') || return 1
		eval "duet_$mode=$d"
	done
	rmmod duet
	modprobe "$kvm" || return 1
	for mode in cpuid vmmcall pio mmio; do
		$BIN/exits_bench kvm "$mode" 2000 >/dev/null || return 1
		k=$($BIN/exits_bench kvm "$mode" $n | awk '{ print $2 }') || return 1
		eval "kvm_$mode=$k"
	done
	modprobe -r "$kvm"
	for mode in cpuid vmmcall pio mmio; do
		eval "d=\$duet_$mode; k=\$kvm_$mode"
		echo "bench: exits duet_${mode}_per_sec $d"
		echo "bench: exits kvm_${mode}_per_sec $k"
		echo "bench: exits ${mode}_vs_kvm_ratio $(ratio "$d" "$k")"
	done
}

# gmem: a protected guest read (duet_gmem_read_gpa/_gva, no fault) against
# copy_from_user() of the same bytes, timed by duet_gmem_bench.ko in the
# VMM's thread; per read, best of five rounds.
bench_gmem() {
	local out size plain gpa gva rc_g
	insmod /duet/duet.ko || return 1
	insmod $BIN/duet_gmem_bench.ko || { rmmod duet; return 1; }
	grep -qs debugfs /proc/mounts || mount -t debugfs none /sys/kernel/debug
	out=$($BIN/gmem_bench)
	rc_g=$?
	rmmod duet_gmem_bench
	rmmod duet
	[ $rc_g -eq 0 ] || return 1
	echo "$out" | while read -r size plain gpa gva; do
		echo "bench: gmem plain_${size}_ns $plain"
		echo "bench: gmem read_${size}_ns $gpa"
		echo "bench: gmem read_gva_${size}_ns $gva"
		echo "bench: gmem read_vs_plain_${size}_ratio $(ratio "$gpa" "$plain")"
		echo "bench: gmem read_gva_vs_plain_${size}_ratio $(ratio "$gva" "$plain")"
	done
}

for b in ioctl exits gmem; do
	[ "$want" = all ] || [ "$want" = "$b" ] || continue
	"bench_$b" || { echo "bench: $b FAILED"; rc=1; }
done
exit $rc
