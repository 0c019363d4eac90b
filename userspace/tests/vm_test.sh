#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `duet vm run` against the module: tiny flat guests, one behaviour each
# (exits, errors, the UART, vCPU start state).  Needs /dev/duet, so it
# skips on the host; in the emulated machine (busybox sh):
#
#	tests/vm_test.sh [ DUET [ HELLO_ELF ] ]

duet=${1:-$(dirname "$0")/../duet}
hello=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

if [ ! -c /dev/duet ]; then
	echo "vm_test: skipped (no /dev/duet)"
	exit 0
fi

ok()
{
	passed=$((passed + 1))
}

fail()
{
	failed=$((failed + 1))
	echo "FAIL: $*" >&2
}

# guest NAME HEX...: write the bytes as $work/NAME.bin (a flat binary).
guest()
{
	name=$1
	shift
	: >"$work/$name.bin"
	for b in "$@"; do
		# shellcheck disable=SC2059 # the format is the byte
		printf "\\$(printf %03o "0x$b")" >>"$work/$name.bin"
	done
}

# run ARGS...: run duet, keep its exit code, stdout and stderr.
run()
{
	"$duet" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
}

# expect NAME RC: the last run's exit code.
expect()
{
	if [ "$rc" = "$2" ]; then
		ok
	else
		fail "$1: exit $rc, want $2 (stdout: $out; stderr: $err)"
	fi
}

# expect_line NAME PATTERN: a line of stdout matches the grep -E PATTERN.
expect_line()
{
	if grep -Eq "$2" "$work/out"; then
		ok
	else
		fail "$1: no line '$2' in: $out"
	fi
}

# expect_eq NAME GOT WANT
expect_eq()
{
	if [ "$2" = "$3" ]; then
		ok
	else
		fail "$1: $2, want $3"
	fi
}

# expect_err NAME TEXT: stderr is exactly TEXT.
expect_err()
{
	if [ "$err" = "$2" ]; then
		ok
	else
		fail "$1: stderr '$err', want '$2'"
	fi
}

guest hlt f4
run vm run "$work/hlt.bin"
expect "hlt" 0
expect_line "hlt summary" '^vcpu 0 state halted io 0 hlt 1 hypercall 0 mmio 0 io-ignored 0$'
expect_err "hlt" ""

run -j vm run "$work/hlt.bin" mem 2M
expect "-j hlt" 0
expect_line "-j hlt" '^\{"vcpus":\[\{"vcpu":0,"state":"halted","io":0,"hlt":1,"hypercall":0,"mmio":0,"io-ignored":0\}\],"image":".*hlt.bin","entry":1048576,"mem":2097152,"serial":"","serial-bytes":0\}$'

run vm run "$work/hlt.bin" vcpus 64
expect "64 vCPUs" 0
n=$(grep -c ' state halted ' "$work/out")
expect_eq "64 vCPUs halted" "$n" 64

# ud2 with no IDT: #UD, #GP, double fault, shutdown.
guest ud2 0f 0b
run vm run "$work/ud2.bin"
expect "triple fault" 1
expect_err "triple fault" "Error: vCPU 0: triple fault."
expect_line "triple fault state" '^vcpu 0 state triple-fault '

# entry: skip the ud2.
run vm run "$work/hlt.bin" entry 0x100000
expect "entry at the image" 0
guest ud2hlt 0f 0b f4
run vm run "$work/ud2hlt.bin" entry 0x100002
expect "entry past ud2" 0

# The hypercall returns -ENOSYS in RAX, or the guest triple-faults.  It is
# VMCALL on VMX (SDM), VMMCALL on SVM (APM); the other raises #UD.
if grep -qw vmx /proc/cpuinfo; then
	hypercall="0f 01 c1"
else
	hypercall="0f 01 d9"
fi
# shellcheck disable=SC2086 # three bytes, split on purpose
guest hypercall b8 01 00 00 00 $hypercall 48 83 f8 da 75 01 f4 0f 0b
run vm run "$work/hypercall.bin"
expect "hypercall -ENOSYS" 0
expect_line "hypercall counted" '^vcpu 0 state halted io 0 hlt 1 hypercall 1 mmio 0 '

# in $0x80 reads 0xff, out $0x80 is ignored: both counted.
guest port e4 80 3c ff 75 03 e6 80 f4 0f 0b
run vm run "$work/port.bin"
expect "unknown port" 0
expect_line "unknown port counted" '^vcpu 0 state halted io 2 hlt 1 hypercall 0 mmio 0 io-ignored 2$'

# "A\n" through THR.
guest serial b0 41 66 ba f8 03 ee b0 0a ee f4
run vm run "$work/serial.bin"
expect "serial" 0
expect_line "serial output" '^A$'
expect_line "serial bytes" '^serial-bytes 2$'
run -j vm run "$work/serial.bin"
expect_line "-j serial" '"serial":"A\\n","serial-bytes":2\}$'

# "rep outsb\n" with one REP OUTSB: one exit, ten elements.
guest repouts 48 8d 35 0c 00 00 00 b9 0a 00 00 00 66 ba f8 03 f3 6e f4 \
	72 65 70 20 6f 75 74 73 62 0a
run vm run "$work/repouts.bin"
expect "rep outsb" 0
expect_line "rep outsb output" '^rep outsb$'
expect_line "rep outsb bytes" '^serial-bytes 10$'
expect_line "rep outsb counted" '^vcpu 0 state halted io 1 hlt 1 hypercall 0 mmio 0 io-ignored 0$'

# 5000 bytes with one REP OUTSB from 1 MiB + 0x13: no batch crosses a
# page, so two exits (4077 and 923 bytes), all in order.
guest bigouts 48 8d 35 0c 00 00 00 b9 88 13 00 00 66 ba f8 03 f3 6e f4
head -c 4999 /dev/zero | tr '\0' y >>"$work/bigouts.bin"
printf '\n' >>"$work/bigouts.bin"
run vm run "$work/bigouts.bin"
expect "long rep outsb" 0
expect_eq "long rep outsb: only y" "$(head -n 1 "$work/out" | tr -d y)" ""
expect_eq "long rep outsb: length" "$(($(head -n 1 "$work/out" | wc -c)))" 5000
expect_line "long rep outsb bytes" '^serial-bytes 5000$'
expect_line "long rep outsb counted" '^vcpu 0 state halted io 2 hlt 1 '

# REP INSB of LSR twice (THRE|TEMT: '`') into guest memory, then REP
# OUTSB of those bytes and a newline: string IN elements in turn.
guest insouts 48 8d 3d 21 00 00 00 b9 02 00 00 00 66 ba fd 03 f3 6c \
	c6 07 0a 48 8d 35 0c 00 00 00 b9 03 00 00 00 66 ba f8 03 f3 6e f4 \
	00 00 00
run vm run "$work/insouts.bin"
expect "rep insb" 0
expect_line "rep insb output" '^``$'
expect_line "rep insb counted" '^vcpu 0 state halted io 2 hlt 1 hypercall 0 mmio 0 io-ignored 0$'

# Each vCPU prints '0' + RDI and checks RSI = 4.
guest regs 48 8d 47 30 66 ba f8 03 ee 48 83 fe 04 75 01 f4 0f 0b
run vm run "$work/regs.bin" vcpus 4
expect "RDI/RSI" 0
for c in 0 1 2 3; do
	case $(head -n 1 "$work/out") in
	*$c*) ok ;;
	*) fail "RDI/RSI: no $c in '$(head -n 1 "$work/out")'" ;;
	esac
done

# CPUID.1:EBX[31:24], the initial APIC ID, is the vCPU's index.
guest apic b8 01 00 00 00 0f a2 c1 eb 18 8d 43 30 66 ba f8 03 ee f4
run vm run "$work/apic.bin" vcpus 3
expect "APIC IDs" 0
for c in 0 1 2; do
	case $(head -n 1 "$work/out") in
	*$c*) ok ;;
	*) fail "APIC IDs: no $c in '$(head -n 1 "$work/out")'" ;;
	esac
done

# Lines under a lock xchg spinlock at 0x1000 stay whole.
guest lock 66 ba f8 03 bb 00 10 00 00 b8 01 00 00 00 f0 87 03 85 c0 75 f4 \
	48 8d 47 30 ee b0 0a ee c7 03 00 00 00 00 fa f4
run vm run "$work/lock.bin" vcpus 8
expect "spinlock" 0
n=$(grep -cE '^[0-7]$' "$work/out")
expect_eq "spinlock: whole lines" "$n" 8

# Reads and writes outside guest memory (but inside the identity map).
# mov eax, [0x300000]; cmp eax, -1; jne ud2; hlt; ud2: all-ones is read.
guest mmior 8b 04 25 00 00 30 00 83 f8 ff 75 01 f4 0f 0b
run vm run "$work/mmior.bin" mem 3M
expect "mmio read" 0
expect_line "mmio read counted" '^vcpu 0 state halted io 0 hlt 1 hypercall 0 mmio 1 '
# mov byte [0x300000], 1; add dword [0x300000], 2 (a read, then a write); hlt
guest mmiow c6 04 25 00 00 30 00 01 83 04 25 00 00 30 00 02 f4
run vm run "$work/mmiow.bin" mem 3M
expect "mmio write" 0
expect_line "mmio write counted" '^vcpu 0 state halted io 0 hlt 1 hypercall 0 mmio 3 '
# jmp [0x300000]: an indirect jump through MMIO is not emulated.
guest mmioj ff 24 25 00 00 30 00
run vm run "$work/mmioj.bin" mem 3M
expect "mmio jmp" 1
expect_err "mmio jmp" "Error: vCPU 0: internal error, suberror 4 (instruction not emulated), data 0x100000 0x3000002524ff 0x0 0x20f."
# mov eax, 0x300000; jmp rax: code outside memory.
guest mmiox b8 00 00 30 00 ff e0
run vm run "$work/mmiox.bin" mem 3M
expect "mmio fetch" 1
expect_err "mmio fetch" "Error: vCPU 0: guest-physical 0x300000 at RIP 0x300000: code or page tables outside guest memory."
expect_line "mmio fetch state" '^vcpu 0 state mmio '

# Outside the identity map: #PF, no IDT, shutdown.
guest unmapped 48 b8 bc 9a 78 56 34 12 00 00 8b 00
run vm run "$work/unmapped.bin"
expect "unmapped" 1
expect_err "unmapped" "Error: vCPU 0: triple fault."

# vCPU 1 triple-faults while vCPU 0 spins: the run stops both.
guest spin 48 85 ff 75 02 eb fe 0f 0b
run vm run "$work/spin.bin" vcpus 2
expect "stop on shutdown" 1
expect_err "stop on shutdown" "Error: vCPU 1: triple fault."
expect_line "spinning vCPU stopped" '^vcpu 0 state stopped '

if [ -n "$hello" ]; then
	run vm run "$hello" vcpus 2
	expect "hello" 0
	expect_line "hello vCPU 0" '^Hello from a duet guest on vCPU 0$'
	expect_line "hello vCPU 1" '^Hello from a duet guest on vCPU 1$'
	expect_line "hello CPUID" '^CPU vendor [A-Za-z]{12}, hypervisor bit set$'

	# The same guest with both vCPUs in the binary translator and
	# dynamic detection on: the same output.
	run vm run "$hello" vcpus 2 mode bt bt-detect on
	expect "hello in bt" 0
	expect_line "hello in bt vCPU 0" '^Hello from a duet guest on vCPU 0$'
	expect_line "hello in bt vCPU 1" '^Hello from a duet guest on vCPU 1$'
	expect_line "hello in bt CPUID" '^CPU vendor [A-Za-z]{12}, hypervisor bit set$'

	# Both vCPUs in hardware with the image's segments (the console
	# spin lock's acquisitions) registered before they start: the
	# vCPUs divert into BT on the console code's page, and BT's
	# hardware steps of the port I/O there must get to run.
	run vm run "$hello" vcpus 2 bt-scan
	expect "hello bt-scan" 0
	expect_line "hello bt-scan vCPU 0" '^Hello from a duet guest on vCPU 0$'
	expect_line "hello bt-scan vCPU 1" '^Hello from a duet guest on vCPU 1$'
	expect_line "hello bt-scan CPUID" '^CPU vendor [A-Za-z]{12}, hypervisor bit set$'

	# In the translator, the segments registered and detection on.
	run vm run "$hello" vcpus 2 mode bt bt-scan bt-detect on
	expect "hello in bt bt-scan" 0
	expect_line "hello in bt bt-scan vCPU 0" '^Hello from a duet guest on vCPU 0$'
	expect_line "hello in bt bt-scan vCPU 1" '^Hello from a duet guest on vCPU 1$'
	expect_line "hello in bt bt-scan CPUID" '^CPU vendor [A-Za-z]{12}, hypervisor bit set$'
	run vm run "$hello" vcpus 1 mode auto
	expect "mode auto refused" 1
fi

echo "vm_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
