#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The CLI's netlink views of a running guest: while `duet vm run` keeps a
# two-vCPU guest alive (vCPU 0 runs three CPUIDs and spins, vCPU 1 halts),
# `duet vm show` and `duet vcpu show` (text and -j) report it with its
# counters, bad ids fail with the kernel's message, `duet -j monitor` sees
# it come and go, and once it is killed it leaves the views.  Every wait is
# a poll with a bound, never a fixed sleep.  Loads and unloads duet itself.
# check() evals its condition: single quotes on purpose.
# shellcheck disable=SC2016,SC2034,SC2317
set -u
DUET_KO=${DUET_KO:-/duet/duet.ko}
work=$(mktemp -d)
n=0
failed=0
mon=
vmpid=

cleanup() {
	[ -n "$vmpid" ] && kill -KILL "$vmpid" 2>/dev/null
	[ -n "$mon" ] && kill -KILL "$mon" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
diag() { sed 's/^/# /' "$@"; }

# poll CMD...: until it succeeds, every 0.1 s, for at most 30 s.
poll() {
	i=0
	while [ "$i" -lt 300 ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Conditions to poll for.
monitor_listens() {
	duet vm run "$work/hlt.bin" >/dev/null 2>&1
	grep -q '"event":"vm-delete"' "$work/mon"
}

guest_ready() {
	duet -j vcpu show >"$work/vcpus" 2>&1 &&
		grep -q '"cpuid-exits":3,' "$work/vcpus" &&
		grep -q '"halt-exits":1,' "$work/vcpus"
}

no_vm() {
	[ "$(duet -j vm show)" = "[]" ]
}

vm_deleted() {
	grep -qE "^\{\"event\":\"vm-delete\",\"id\":$1,\"pid\":[0-9]+\}$" "$work/mon"
}

# guest FILE HEX...: a flat binary (loaded and entered at 0x100000).
guest() {
	f=$1
	shift
	: >"$f"
	for b in "$@"; do
		# shellcheck disable=SC2059 # the format is the byte
		printf "\\$(printf %03o "0x$b")" >>"$f"
	done
}

# run ARGS...: duet with exit code, stdout and stderr kept.
run() {
	duet "$@" >"$work/out" 2>"$work/err"
	rc=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
}

echo "TAP version 13"
lsmod | grep -q '^duet ' || insmod "$DUET_KO" || exit 1

guest "$work/hlt.bin" f4
# vCPU 0 (RDI 0): cpuid three times, then jmp $.  vCPU 1: hlt.
#	test %rdi,%rdi; jnz 1f; 3 x (xor %eax,%eax; cpuid); jmp .; 1: hlt
guest "$work/spin.bin" 48 85 ff 75 0e 31 c0 0f a2 31 c0 0f a2 31 c0 0f a2 \
	eb fe f4

if ! duet vm run "$work/hlt.bin" >"$work/out" 2>&1; then
	diag "$work/out"
	echo "1..0 # SKIP this duet backend does not run guests"
	rmmod duet
	exit 4
fi

run -j vm show
check "no VM: -j vm show prints []" '[ $rc = 0 ] && [ "$out" = "[]" ]'
run vm show
check "no VM: vm show prints nothing" '[ $rc = 0 ] && [ -z "$out" ]'

# The monitor joins its group at some point after it starts: VMs that
# come and go until it reports one prove it listens.
duet -j monitor >"$work/mon" 2>"$work/mon.err" &
mon=$!
check "monitor reports a VM that comes and goes" 'poll monitor_listens'

duet vm run "$work/spin.bin" vcpus 2 mem 4M >"$work/run.out" 2>&1 &
vmpid=$!
check "vcpu show sees 3 CPUIDs on vCPU 0 and the HLT of vCPU 1" 'poll guest_ready'
diag "$work/vcpus"

run -j vm show
echo "# $out"
check "-j vm show: pid, vCPUs, slots, memory, flags, alive" \
	'echo "$out" | grep -q "\"pid\":$vmpid,\"nr-vcpus\":2,\"nr-memslots\":1,\"memory-size\":4194304,\"flags\":0,\"dead\":false,\"create-time\":[0-9]*,\"bt-detect\":false,\"max-stall-us\":50000,\"stats\":{\"pages-pinned\":[1-9]"'
id=$(echo "$out" | sed -n "s/.*{\"id\":\([0-9]*\),\"pid\":$vmpid,.*/\1/p")
check "-j vm show: a VM id" '[ -n "$id" ]'
id=${id:-0}

run vm show id "$id"
echo "# $out"
check "vm show id $id: one line" \
	'[ $rc = 0 ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "^vm $id pid $vmpid nr-vcpus 2 nr-memslots 1 memory-size 4194304 flags 0x0 dead false create-time [0-9]* bt-detect false max-stall-us 50000 pages-pinned [1-9][0-9]* pages-mapped-4k [0-9]* pages-mapped-2m [0-9]* stalls 0 stall-ns 0 stall-max-ns 0 stall-timeouts 0 stall-wait-timeouts 0$"'

run -j vcpu show vm "$id" vcpu 0
echo "# $out"
check "-j vcpu show vcpu 0: ran, 3 CPUIDs, no HLT" \
	'echo "$out" | grep -qE "^\[\{\"vm-id\":$id,\"id\":0,\"last-cpu\":[0-9]+,\"in-guest\":(true|false),\"exec-mode\":\"hw\",\"stats\":\{\"exits\":[1-9]" &&
	 echo "$out" | grep -q "\"cpuid-exits\":3,.*\"halt-exits\":0,"'
run -j vcpu show vm "$id" vcpu 1
echo "# $out"
check "-j vcpu show vcpu 1: one HLT, one exit to userspace, no CPUID" \
	'echo "$out" | grep -q "\"userspace-exits\":1,.*\"cpuid-exits\":0,.*\"halt-exits\":1,"'

run vcpu show vm "$id"
echo "$out" | sed 's/^/# /'
check "vcpu show vm $id: a line per vCPU" \
	'[ $rc = 0 ] && [ "$(echo "$out" | wc -l)" = 2 ] &&
	 [ "$(echo "$out" | grep -c "^vm $id vcpu [01] ")" = 2 ]'

run -j -p vm show
check "-j -p vm show: one member a line" \
	'[ $rc = 0 ] && echo "$out" | grep -q "^        \"id\": $id,$"'

run vm show id 4000000000
check "vm show of an unknown id: the kernel's message" \
	'[ $rc = 1 ] && [ -z "$out" ] && [ "$err" = "Error: no such VM." ]'
run -j vcpu show vm 4000000000
check "vcpu show of an unknown VM (a dump): the kernel's message" \
	'[ $rc = 1 ] && [ -z "$out" ] && [ "$err" = "Error: no such VM." ]'
run vcpu show vm "$id" vcpu 2
check "vcpu show of an unknown vCPU" \
	'[ $rc = 1 ] && [ "$err" = "Error: no such vCPU." ]'
run vcpu show vm "$id" vcpu 64
check "vcpu show of a vCPU id above the limit" \
	'[ $rc = 1 ] && [ "$err" = "Error: vCPU id not below DUET_MAX_VCPUS." ]'

kill "$vmpid"
wait "$vmpid"
vmpid=
check "killed: the VM leaves vm show" 'poll no_vm'
run vcpu show
check "killed: vcpu show prints nothing" '[ $rc = 0 ] && [ -z "$out" ]'

check "monitor: the VM's create and delete" \
	'poll vm_deleted "$id" &&
	 grep -qE "^\{\"event\":\"vm-create\",\"id\":$id,\"pid\":[0-9]+\}$" "$work/mon"'
kill "$mon"
wait "$mon"
rc=$?
mon=
diag "$work/mon"
diag "$work/mon.err"
check "monitor: exits 0 on SIGTERM" '[ $rc = 0 ] && [ ! -s "$work/mon.err" ]'
check "monitor: only JSON event lines" \
	'! grep -qvE "^\{\"event\":\"vm-(create|delete)\",\"id\":[0-9]+,\"pid\":[0-9]+\}$" "$work/mon"'

rmmod duet
run vm show
check "without duet: vm show says so" \
	'[ $rc = 1 ] && [ "$err" = "Error: no generic netlink family \"duet\" (is duet.ko loaded?)." ]'

echo "1..$n"
exit $failed
