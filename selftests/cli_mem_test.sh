#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `duet mem read` and `duet vcpu walk` of a running guest: while `duet vm
# run` keeps a one-vCPU guest alive (three CPUIDs, then a spin), read its
# code by guest-physical and guest-virtual address (text hexdump and -j),
# walk its page tables, and see the faults of reads outside guest memory
# and at a non-canonical address.  Every wait is a bounded poll.  Loads
# and unloads duet itself.
# check() evals its condition: single quotes on purpose.
# shellcheck disable=SC2016,SC2317
set -u
DUET_KO=${DUET_KO:-/duet/duet.ko}
work=$(mktemp -d)
n=0
failed=0
vmpid=

cleanup() {
	[ -n "$vmpid" ] && kill -KILL "$vmpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

poll() {
	i=0
	while [ "$i" -lt 300 ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

guest_ready() {
	duet -j vcpu show >"$work/vcpus" 2>&1 &&
		grep -q '"cpuid-exits":3,' "$work/vcpus"
}

guest() {
	f=$1
	shift
	: >"$f"
	for b in "$@"; do
		# shellcheck disable=SC2059 # the format is the byte
		printf "\\$(printf %03o "0x$b")" >>"$f"
	done
}

run() {
	duet "$@" >"$work/out" 2>"$work/err"
	rc=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
}

echo "TAP version 13"
lsmod | grep -q '^duet ' || insmod "$DUET_KO" || exit 1

# 3 x (xor %eax,%eax; cpuid); jmp .
code="31c00fa231c00fa231c00fa2ebfe"
guest "$work/spin.bin" 31 c0 0f a2 31 c0 0f a2 31 c0 0f a2 eb fe

duet vm run "$work/spin.bin" mem 4M >"$work/run.out" 2>&1 &
vmpid=$!
if ! poll guest_ready; then
	sed 's/^/# /' "$work/run.out" "$work/vcpus"
	echo "1..0 # SKIP this duet backend does not run guests"
	exit 4
fi
run -j vm show
id=$(echo "$out" | sed -n "s/.*{\"id\":\([0-9]*\),\"pid\":$vmpid,.*/\1/p")
check "a VM id" '[ -n "$id" ]'
id=${id:-0}

run -j mem read vm "$id" gpa 0x100000 len 14
echo "# $out"
check "-j mem read gpa: the guest's code" \
	'[ $rc = 0 ] && [ "$out" = "{\"vm-id\":$id,\"gpa\":1048576,\"len\":14,\"done\":14,\"data\":\"$code\"}" ]'
run -j mem read vm "$id" vcpu 0 gva 0x100000 len 14
echo "# $out"
check "-j mem read gva: the same bytes" \
	'[ $rc = 0 ] && [ "$out" = "{\"vm-id\":$id,\"vcpu-id\":0,\"gva\":1048576,\"len\":14,\"done\":14,\"data\":\"$code\"}" ]'
run mem read vm "$id" gpa 0x100000 len 14
echo "$out" | sed 's/^/# /'
check "mem read: a hexdump" \
	'[ $rc = 0 ] && echo "$out" | grep -q "^0000000000100000  31 c0 0f a2 31 c0 0f a2 31 c0 0f a2 eb fe        |1...1...1.....|$"'

run -j mem read vm "$id" gpa 0x3ffff8 len 16
echo "# $out"
check "-j mem read across the end of memory: short, no-slot" \
	'[ $rc = 0 ] && echo "$out" | grep -q "\"done\":8,.*\"fault\":{\"kind\":\"no-slot\",\"errno\":2,\"addr\":4194304,\"gpa\":4194304"'
run -j mem read vm "$id" vcpu 0 gva 0x800000000000 len 4
echo "# $out"
check "-j mem read non-canonical: gp" \
	'[ $rc = 0 ] && echo "$out" | grep -q "\"done\":0,\"data\":\"\",\"fault\":{\"kind\":\"gp\""'

run -j vcpu walk vm "$id" vcpu 0 gva 0x100000
echo "# $out"
check "-j vcpu walk: gpa, level and each entry" \
	'[ $rc = 0 ] && echo "$out" | grep -qE "^\{\"vm-id\":$id,\"vcpu-id\":0,\"gva\":1048576,\"gpa\":1048576,\"level\":[12],\"entries\":\[\{\"level\":[45],\"gpa\":[0-9]+,\"value\":[0-9]+\}"'
run vcpu walk vm "$id" vcpu 0 gva 0x100000
echo "$out" | sed 's/^/# /'
check "vcpu walk: a line per entry" \
	'[ $rc = 0 ] && echo "$out" | head -1 | grep -q "^vm $id vcpu 0 gva 0x100000 gpa 0x100000 level" &&
	 [ "$(echo "$out" | grep -c "^level [1-5] gpa 0x[0-9a-f]* value 0x[0-9a-f]*$")" -ge 3 ]'

run mem read vm "$id" vcpu 5 gva 0 len 4
check "mem read of an unknown vCPU: the kernel's message" \
	'[ $rc = 1 ] && [ "$err" = "Error: no such vCPU." ]'
run mem read vm 4000000000 gpa 0 len 4
check "mem read of an unknown VM" '[ $rc = 1 ] && [ "$err" = "Error: no such VM." ]'

kill "$vmpid"
wait "$vmpid"
vmpid=
rmmod duet
echo "1..$n"
exit $failed
