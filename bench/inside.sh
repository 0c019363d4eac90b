#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the emulated machine (bench/run passes it with --add).  Each
# benchmark prints "bench: NAME METRIC VALUE" lines; ratios end in _ratio.
set -u
BIN=/add/bin
want=${1:-all}
# bench/run --kernel stock passes duet.ko built for the stock kernel.
KO=${DUET_KO:-/duet/duet.ko}
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
	insmod "$KO" || return 1
	duet_ops=$($BIN/ioctl_bench duet 300000 | awk '{ print $2 }')
	rmmod duet
	modprobe "$kvm" || return 1
	kvm_ops=$($BIN/ioctl_bench kvm 300000 | awk '{ print $2 }')
	modprobe -r "$kvm"
	echo "bench: ioctl duet_check_extension_ops_per_sec $duet_ops"
	echo "bench: ioctl kvm_check_extension_ops_per_sec $kvm_ops"
	echo "bench: ioctl check_extension_vs_kvm_ratio $(ratio "$duet_ops" "$kvm_ops")"
}

# exits_rate HV MODE WARM N: a warm-up run of WARM iterations, then prints
# the exits a second of a run of N; on failure, prints exits_bench's error.
exits_rate() {
	local out
	out=$($BIN/exits_bench "$1" "$2" "$3" 2>&1 >/dev/null) &&
		out=$($BIN/exits_bench "$1" "$2" "$4" 2>&1) || { echo "$out"; return 1; }
	echo "${out#exits_per_sec }"
}

# exits: exit round trips of the same guest loop, duet vs KVM.  The
# hypercall is the host's instruction, named in the metrics: VMMCALL on SVM,
# VMCALL on VMX.  Warm up first: under TCG the first entry into new guest
# code costs translation time, on either emulator the first run of a VM its
# page faults.  Under Bochs guest time is instructions / ips (clock
# sync=none), so its rates count instructions and do not follow host load.
# When duet cannot run a guest here (no VMX guests yet: DUET_CREATE_VM fails
# with EOPNOTSUPP), say so, still bench KVM, and fail without the ratios.
bench_exits() {
	local kvm hc modes mode n=20000 warm=2000 d k err out duet_ok=1
	kvm=$(kvm_module)
	if [ "$kvm" = kvm_amd ]; then hc=vmmcall; else hc=vmcall; warm=500; fi
	modes="cpuid $hc pio mmio"
	if ! err=$(insmod "$KO" 2>&1); then
		echo "bench: exits duet unavailable: insmod: $err"
		duet_ok=0
	fi
	for mode in $modes; do
		[ $duet_ok = 1 ] || break
		if ! out=$(exits_rate duet "$mode" $warm $n); then
			echo "bench: exits duet unavailable: $mode: $out"
			duet_ok=0
			break
		fi
		eval "duet_$mode=$out"
	done
	! grep -q '^duet ' /proc/modules || rmmod duet
	modprobe "$kvm" || return 1
	for mode in $modes; do
		if ! out=$(exits_rate kvm "$mode" $warm $n); then
			echo "bench: exits kvm failed: $mode: $out"
			modprobe -r "$kvm"
			return 1
		fi
		eval "kvm_$mode=$out"
	done
	modprobe -r "$kvm"
	for mode in $modes; do
		eval "k=\$kvm_$mode"
		if [ $duet_ok = 1 ]; then
			eval "d=\$duet_$mode"
			echo "bench: exits duet_${mode}_per_sec $d"
		fi
		echo "bench: exits kvm_${mode}_per_sec $k"
		[ $duet_ok = 1 ] || continue
		echo "bench: exits ${mode}_vs_kvm_ratio $(ratio "$d" "$k")"
	done
	[ $duet_ok = 1 ]
}

# gmem: a protected guest read (duet_gmem_read_gpa/_gva, no fault) against
# copy_from_user() of the same bytes, timed by duet_gmem_bench.ko in the
# VMM's thread; per read, best of five rounds.
bench_gmem() {
	local out size plain gpa gva rc_g
	insmod "$KO" || return 1
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

# bt: the same compute loop (bt_bench: xorshift and a 32 KiB array, no
# exits) in one VM, timed once with the vCPU in hardware and once in the
# binary translator (netlink vcpu-set exec-mode), with the translator's
# counters of the BT round, and the generator alone (no memory operands):
# where its time goes.  100000 iterations: under QEMU TCG the translator
# ran 4 million in about 8 minutes.
bench_bt() {
	local out n=100000 rc_b hw bt
	insmod "$KO" || return 1
	out=$($BIN/bt_bench $n 2>&1)
	rc_b=$?
	rmmod duet
	if [ $rc_b -ne 0 ]; then
		echo "$out" | sed 's/^/bench: bt error: /'
		return 1
	fi
	echo "bench: bt iterations $n"
	echo "$out" | while read -r k v; do echo "bench: bt $k $v"; done
	hw=$(echo "$out" | awk '$1 == "hw_ns" { print $2 }')
	bt=$(echo "$out" | awk '$1 == "bt_ns" { print $2 }')
	echo "bench: bt bt_vs_hw_ratio $(ratio "$bt" "$hw")"
	hw=$(echo "$out" | awk '$1 == "hw_alu_ns" { print $2 }')
	bt=$(echo "$out" | awk '$1 == "bt_alu_ns" { print $2 }')
	echo "bench: bt bt_alu_vs_hw_alu_ratio $(ratio "$bt" "$hw")"
}

# stall: the stall barrier from a vm-stall request to the other vCPUs out
# of guest mode, for 2 and 4 vCPUs spinning in the guest (stall_bench:
# the VM's stall-ns per stall less that of the same request with no vCPU
# running), against one exit round trip: a CPUID exit handled in the
# kernel (exits_bench duet cpuid, 1 s / its rate).
bench_stall() {
	local out rate= rt s2 s4 rc_s
	insmod "$KO" || return 1
	out=$($BIN/stall_bench 2000 2>&1) && rate=$(exits_rate duet cpuid 2000 20000)
	rc_s=$?
	rmmod duet
	if [ $rc_s -ne 0 ]; then
		echo "$out $rate" | sed 's/^/bench: stall error: /'
		return 1
	fi
	echo "$out" | while read -r k v; do echo "bench: stall $k $v"; done
	rt=$(awk -v r="$rate" 'BEGIN { printf "%.0f", 1e9 / r }')
	echo "bench: stall exit_roundtrip_ns $rt"
	s2=$(echo "$out" | awk '$1 == "stall_2vcpu_ns" { print $2 }')
	s4=$(echo "$out" | awk '$1 == "stall_4vcpu_ns" { print $2 }')
	echo "bench: stall stall_2vcpu_vs_exit_ratio $(ratio "$s2" "$rt")"
	echo "bench: stall stall_4vcpu_vs_exit_ratio $(ratio "$s4" "$rt")"
}

for b in ioctl exits gmem bt stall; do
	[ "$want" = all ] || [ "$want" = "$b" ] || continue
	"bench_$b" || { echo "bench: $b FAILED"; rc=1; }
done
exit $rc
