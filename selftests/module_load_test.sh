#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# duet.ko loading and unloading, in the emulated machine (busybox sh, TAP):
# /dev/duet comes and goes with the module, the tracepoints exist and fire,
# and duet and KVM refuse each other's hardware cleanly, in both orders.
#
# Starts with duet unloaded (unloads it first if needed) and leaves it
# unloaded.  Environment:
#   DUET_KO       the module (default /duet/duet.ko)
#   DUET_TESTS    where dev_ioctl_test lives (default: this script's folder)
set -u

DUET_KO=${DUET_KO:-/duet/duet.ko}
DUET_TESTS=${DUET_TESTS:-$(cd "$(dirname "$0")" && pwd)}
DUET_CLI=${DUET_CLI:-/duet/bin/duet}
TRACING=/sys/kernel/tracing
EVENTS=$TRACING/events/duet
KVM_MODULE_DIR=/lib/modules/$(uname -r)

NR_TESTS=12
n=0
npass=0
nfail=0
nskip=0

# --- TAP ---------------------------------------------------------------

# Diagnostics: one "# " line per line of input or argument.
diag() {
	if [ $# -gt 0 ]; then
		echo "$*" | sed 's/^/# /'
	else
		sed 's/^/# /'
	fi
}

ok() {
	n=$((n + 1))
	npass=$((npass + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	nfail=$((nfail + 1))
	echo "not ok $n $1"
}

skip() {
	n=$((n + 1))
	nskip=$((nskip + 1))
	echo "ok $n $1 # SKIP $2"
}

# Run a check function: `result NAME FUNC` reports NAME from FUNC's status.
result() {
	if "$2"; then ok "$1"; else not_ok "$1"; fi
}

# --- helpers -------------------------------------------------------------

duet_is_loaded() {
	[ -e /sys/module/duet ]
}

# Wait up to ~2 s for a path to (dis)appear: `wait_path -e|! -e PATH`.
wait_path() {
	i=0
	while [ $i -lt 20 ]; do
		if [ "$1" = "!" ]; then
			[ -e "$3" ] || return 0
		else
			[ -e "$2" ] && return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Prefix of insmod, e.g. to pin it to a CPU.
INSMOD_PREFIX=

load_duet() {
	out=$($INSMOD_PREFIX insmod "$DUET_KO" 2>&1)
	rc=$?
	[ -n "$out" ] && diag "$out"
	if [ $rc -ne 0 ]; then
		diag "insmod $DUET_KO failed ($rc)"
		return 1
	fi
	return 0
}

unload_duet() {
	out=$(rmmod duet 2>&1)
	rc=$?
	[ -n "$out" ] && diag "$out"
	if [ $rc -ne 0 ]; then
		diag "rmmod duet failed ($rc)"
		return 1
	fi
	return 0
}

# Leave the machine as found: duet and KVM unloaded.
cleanup_modules() {
	[ -e /sys/module/duet_kunit ] && rmmod duet_kunit 2>/dev/null
	duet_is_loaded && rmmod duet 2>/dev/null
	for m in kvm_amd kvm_intel kvm irqbypass; do
		[ -e /sys/module/$m ] && rmmod $m 2>/dev/null
	done
	return 0
}

# A unique line in the kernel log; dmesg_since prints what follows it.
mark=0
dmesg_mark() {
	mark=$((mark + 1))
	echo "duet-selftest: module_load_test mark $$.$mark" >/dev/kmsg
}

dmesg_since() {
	dmesg | sed -n "/duet-selftest: module_load_test mark $$.$mark\$/,\$p" | sed 1d
}

online_cpus() {
	grep -c '^processor' /proc/cpuinfo
}

backend() {
	if grep -qw svm /proc/cpuinfo; then
		echo svm
	elif grep -qw vmx /proc/cpuinfo; then
		echo vmx
	fi
}

# --- tests ---------------------------------------------------------------

t_not_loaded_at_start() {
	if duet_is_loaded; then
		diag "duet is loaded: unloading it first"
		cleanup_modules
	fi
	if duet_is_loaded || [ -e /dev/duet ]; then
		diag "cannot unload duet"
		return 1
	fi
	[ -r "$DUET_KO" ] || { diag "$DUET_KO: not found"; return 1; }
	return 0
}

# One insmod/rmmod cycle: /dev/duet and /sys/module/duet follow the module.
t_load_unload() {
	load_duet || return 1
	if ! wait_path -e /dev/duet; then
		diag "/dev/duet did not appear"
		unload_duet
		return 1
	fi
	[ -c /dev/duet ] || { diag "/dev/duet is not a character device"; return 1; }
	unload_duet || return 1
	if ! wait_path ! -e /dev/duet; then
		diag "/dev/duet is still there after rmmod"
		return 1
	fi
	if duet_is_loaded; then
		diag "/sys/module/duet is still there after rmmod"
		return 1
	fi
	return 0
}

tracefs_ready() {
	[ -d $TRACING/events ] || mount -t tracefs nodev $TRACING 2>/dev/null
	[ -d $TRACING/events ]
}

# The event folders exist exactly while the module is loaded.
t_tracepoints_exist() {
	r=0
	load_duet || return 1
	for ev in duet_module_load duet_module_unload duet_cpu_enable duet_cpu_disable; do
		if [ ! -e $EVENTS/$ev/enable ]; then
			diag "$EVENTS/$ev missing"
			r=1
		fi
	done
	unload_duet || return 1
	if [ -e $EVENTS ]; then
		diag "$EVENTS is still there after rmmod"
		r=1
	fi
	return $r
}

# Events of a module exist from its MODULE_STATE_COMING on, which comes
# before its init function runs; no interface enables them ahead of that
# in Linux 6.12 (":mod:" in set_event came later), so a background loop
# enables them the moment they exist.  It shares insmod's CPU: it then runs
# whenever duet's init sleeps (cpuhp, devtmpfs) or is preempted.  Measured
# under QEMU TCG with 2 CPUs on a busy host, it won 65% of the loads that
# way, 10-40% from the other CPU.  Hence up to LOAD_ATTEMPTS loads within
# LOAD_BUDGET seconds; a tracepoint that never fires fails them all.
LOAD_ATTEMPTS=30
LOAD_BUDGET=120
TRACE_LOG=/tmp/module_load_test.trace

trace_load_attempt() {
	flag=/tmp/module_load_test.spin.$$
	rm -f "$flag"
	echo 0 >$TRACING/tracing_on
	echo >$TRACING/trace
	echo 1 >$TRACING/tracing_on
	(
		exec 2>/dev/null
		: >"$flag"
		while ! echo 1 >$EVENTS/enable; do :; done
	) &
	spinner=$!
	while [ ! -e "$flag" ]; do :; done
	INSMOD_PREFIX=
	if command -v taskset >/dev/null; then
		taskset -p -c 0 $spinner >/dev/null 2>&1 && INSMOD_PREFIX="taskset -c 0"
	fi
	load_duet
	rc=$?
	INSMOD_PREFIX=
	# Ends by itself once it has enabled the events; stop it otherwise.
	kill $spinner 2>/dev/null
	wait $spinner 2>/dev/null
	rm -f "$flag"
	cat $TRACING/trace >$TRACE_LOG
	[ $rc -eq 0 ] || return 2
	grep -q 'duet_module_load:' $TRACE_LOG
}

t_trace_module_load() {
	want="duet_module_load: backend=$(backend) cpus=$(online_cpus)"
	a=1
	start=$(date +%s)
	while [ $a -le $LOAD_ATTEMPTS ] &&
	      [ $(($(date +%s) - start)) -lt $LOAD_BUDGET ]; do
		trace_load_attempt
		rc=$?
		[ $rc -eq 2 ] && return 1
		if [ $rc -eq 0 ]; then
			grep 'duet_' $TRACE_LOG | diag
			unload_duet || return 1
			if ! grep -q "$want\$" $TRACE_LOG; then
				diag "no line ending in '$want'"
				return 1
			fi
			diag "caught duet_module_load on attempt $a"
			return 0
		fi
		unload_duet || return 1
		a=$((a + 1))
	done
	diag "duet_module_load not seen in $((a - 1)) loads with the event enabled"
	return 1
}

# duet_cpu_enable: in a traced load if one caught it, otherwise by taking
# CPU 1 offline and back online (which runs duet's cpuhp callbacks).
t_trace_cpu_enable() {
	if grep -q 'duet_cpu_enable: cpu=[0-9]* ret=0$' $TRACE_LOG 2>/dev/null; then
		diag "seen during a traced load"
		return 0
	fi
	cpu1=/sys/devices/system/cpu/cpu1/online
	if [ ! -w $cpu1 ]; then
		skip_reason="not caught in a load, and no CPU 1 to hotplug"
		return 2
	fi
	load_duet || return 1
	r=1
	if echo 1 >$EVENTS/duet_cpu_enable/enable && echo >$TRACING/trace &&
	   echo 0 >$cpu1 && echo 1 >$cpu1; then
		grep 'duet_cpu_' $TRACING/trace | diag
		grep -q 'duet_cpu_enable: cpu=1 ret=0$' $TRACING/trace && r=0
	else
		diag "cannot hotplug CPU 1"
	fi
	echo 1 >$cpu1 2>/dev/null
	unload_duet || r=1
	return $r
}

# kvm_amd on SVM, kvm_intel on VMX, if this kernel has it as a module.
kvm_vendor_module() {
	case $(backend) in
	svm) m=kvm_amd ;;
	vmx) m=kvm_intel ;;
	*) return 1 ;;
	esac
	command -v modprobe >/dev/null 2>&1 || return 1
	# modules.dep names files: kvm-amd.ko, or kvm_amd.ko.
	grep -qE "(^|/)${m%_*}[-_]${m#*_}\.ko" "$KVM_MODULE_DIR/modules.dep" 2>/dev/null ||
		return 1
	echo $m
}

unload_kvm() {
	for m in kvm_amd kvm_intel kvm irqbypass; do
		if [ -e /sys/module/$m ]; then
			out=$(rmmod $m 2>&1) || { diag "rmmod $m: $out"; return 1; }
		fi
	done
	return 0
}

# KVM alone must load here, or the refusals below prove nothing.
kvm_usable() {
	out=$(modprobe "$KVM" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || [ ! -e /sys/module/"$KVM" ]; then
		diag "modprobe $KVM without duet: $out (rc $rc)"
		unload_kvm
		return 1
	fi
	unload_kvm
}

# (a) duet owns the hardware: KVM must not load, and duet keeps working.
t_kvm_refused() {
	load_duet || return 1
	out=$(modprobe "$KVM" 2>&1)
	rc=$?
	[ -n "$out" ] && diag "$out"
	if [ $rc -eq 0 ] || [ -e /sys/module/"$KVM" ]; then
		diag "modprobe $KVM succeeded with duet loaded"
		unload_kvm
		return 1
	fi
	return 0
}

t_duet_works_after_kvm() {
	r=0
	if [ -x "$DUET_TESTS/dev_ioctl_test" ]; then
		diag "$DUET_TESTS/dev_ioctl_test"
		log=/tmp/module_load_test.dev_ioctl.$$
		"$DUET_TESTS/dev_ioctl_test" >$log 2>&1 || r=1
		diag <$log
		rm -f $log
	elif [ -x "$DUET_CLI" ]; then
		out=$("$DUET_CLI" caps show 2>&1) || r=1
		diag "$out"
	else
		[ -c /dev/duet ] || r=1
		diag "neither dev_ioctl_test nor $DUET_CLI: checked /dev/duet only"
	fi
	unload_kvm || r=1
	unload_duet || r=1
	return $r
}

# (b) KVM owns the hardware: insmod duet fails with ENODEV and says why,
# once (twice: busybox insmod retries init_module after finit_module).
REFUSAL='duet: not loading: .*already in use'

t_duet_refused() {
	if ! out=$(modprobe "$KVM" 2>&1); then
		diag "modprobe $KVM: $out"
		return 1
	fi
	dmesg_mark
	out=$(insmod "$DUET_KO" 2>&1)
	rc=$?
	diag "insmod: $out (rc $rc)"
	DMESG_AFTER_REFUSAL=$(dmesg_since)
	if [ $rc -eq 0 ]; then
		diag "duet loaded beside $KVM"
		unload_duet
		return 1
	fi
	case $out in
	*"No such device"*) ;;
	*) diag "want ENODEV (No such device)"; return 1 ;;
	esac
	if duet_is_loaded || [ -e /dev/duet ]; then
		diag "duet left something behind"
		return 1
	fi
	return 0
}

t_refusal_logged() {
	echo "$DMESG_AFTER_REFUSAL" | diag
	# Strip the timestamp: "[    1.234567] duet: ..." -> "duet: ...".
	lines=$(echo "$DMESG_AFTER_REFUSAL" | sed 's/^\[[^]]*\] *//' | grep -i 'duet')
	nr=$(echo "$lines" | grep -c "$REFUSAL")
	if [ "$nr" -lt 1 ] || [ "$nr" -gt 2 ]; then
		diag "want the line '$REFUSAL' once (or twice), got it $nr times"
		return 1
	fi
	if [ "$(echo "$lines" | sort -u | wc -l)" -ne 1 ]; then
		diag "other duet lines beside the refusal:"
		echo "$lines" | grep -v "$REFUSAL" | diag
		return 1
	fi
	return 0
}

t_duet_loads_after_kvm() {
	unload_kvm || return 1
	load_duet || return 1
	r=0
	wait_path -e /dev/duet || { diag "/dev/duet did not appear"; r=1; }
	unload_duet || r=1
	return $r
}

t_unloaded_at_end() {
	cleanup_modules
	! duet_is_loaded && [ ! -e /dev/duet ]
}

# --- main ----------------------------------------------------------------

echo "TAP version 13"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 4
fi
echo "1..$NR_TESTS"

if ! t_not_loaded_at_start; then
	not_ok "duet not loaded at start"
	echo "Bail out! cannot start without duet unloaded and $DUET_KO"
	exit 1
fi
ok "duet not loaded at start"

result "insmod/rmmod: /dev/duet appears and disappears (1st)" t_load_unload
result "insmod/rmmod: /dev/duet appears and disappears (2nd)" t_load_unload

if tracefs_ready; then
	result "tracepoints: events/duet/* exist while loaded" t_tracepoints_exist
	result "tracepoints: duet_module_load fires" t_trace_module_load
	skip_reason=
	t_trace_cpu_enable
	case $? in
	0) ok "tracepoints: duet_cpu_enable fires" ;;
	2) skip "tracepoints: duet_cpu_enable fires" "$skip_reason" ;;
	*) not_ok "tracepoints: duet_cpu_enable fires" ;;
	esac
else
	for t in "events/duet/* exist while loaded" "duet_module_load fires" \
		 "duet_cpu_enable fires"; do
		skip "tracepoints: $t" "no tracefs"
	done
fi

KVM=$(kvm_vendor_module)
kvm_skip=
if [ -z "$KVM" ]; then
	kvm_skip="no kvm_amd/kvm_intel module to modprobe"
elif ! kvm_usable; then
	kvm_skip="$KVM does not load here even without duet"
fi

if [ -n "$kvm_skip" ]; then
	for t in "modprobe kvm fails while duet is loaded" \
		 "duet still works after the failed modprobe" \
		 "insmod duet fails with ENODEV while kvm is loaded" \
		 "one clear refusal line in dmesg" \
		 "duet loads again after kvm is removed"; do
		skip "kvm: $t" "$kvm_skip"
	done
else
	if t_kvm_refused; then
		ok "kvm: modprobe $KVM fails while duet is loaded"
		result "kvm: duet still works after the failed modprobe" t_duet_works_after_kvm
	else
		not_ok "kvm: modprobe $KVM fails while duet is loaded"
		skip "kvm: duet still works after the failed modprobe" "modprobe did not fail"
		cleanup_modules
	fi
	DMESG_AFTER_REFUSAL=
	result "kvm: insmod duet fails with ENODEV while $KVM is loaded" t_duet_refused
	result "kvm: one clear refusal line in dmesg" t_refusal_logged
	result "kvm: duet loads again after $KVM is removed" t_duet_loads_after_kvm
fi

result "duet not loaded at end" t_unloaded_at_end

if [ $n -ne $NR_TESTS ]; then
	echo "# ran $n tests, planned $NR_TESTS"
	nfail=$((nfail + 1))
fi
echo "# Totals: pass:$npass fail:$nfail skip:$nskip"
[ $nfail -eq 0 ]
