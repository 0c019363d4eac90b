#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `duet bt scan` on the host: a small ELF assembled here with one instance
# of each vulnerable pattern and near misses of each (LOCK prefix, stack
# operand, another address, clobbered register), as ELF and as flat code.
# Skips without binutils.
#
#	tests/bt_scan_test.sh [ DUET ]

duet=${1:-$(dirname "$0")/../duet}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

if ! command -v as >/dev/null || ! command -v ld >/dev/null; then
	echo "bt_scan_test: skipped (no binutils)"
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

# Each pattern at a label, so that the expected starts come from nm.
cat >"$work/t.S" <<'ASM'
	.text
	.globl _start
_start:
rmw:	addl $1, (%rdi)
	ret
rmw_locked:
	lock addl $1, (%rdi)
	ret
rmw_stack:
	addl $1, 8(%rsp)
	ret
ls:	movl counter(%rip), %eax
	addl $1, %eax
	movl %eax, counter(%rip)
	ret
ls_other:
	movl (%rdi), %eax
	addl $1, %eax
	movl %eax, 4(%rdi)
	ret
ls_clobber:
	movl (%rdi), %eax
	addl $1, %eax
	movl $5, %eax
	movl %eax, (%rdi)
	ret
lock:	movl $1, %eax
	xchgl %eax, (%rdi)
	testl %eax, %eax
	jnz lock
	nop
	movl $0, (%rdi)
	ret
	.byte 0x06, 0x07		# invalid in 64-bit mode: resynchronise
after_junk:
	incq (%rsi)
	hlt
	.data
counter:
	.long 0
ASM

if ! as --64 -o "$work/t.o" "$work/t.S" 2>"$work/err" ||
   ! ld -o "$work/t.elf" -Ttext=0x200000 "$work/t.o" 2>>"$work/err"; then
	echo "bt_scan_test: skipped (cannot assemble: $(cat "$work/err"))"
	exit 0
fi
addr()
{
	printf '0x%x' "0x$(nm "$work/t.elf" | awk -v s="$1" '$3 == s { print $1 }')"
}

# scan.out: "START LEN KIND" lines of the text output.
"$duet" bt scan "$work/t.elf" >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 0 ] && ok || fail "scan: exit $rc ($(cat "$work/err"))"
awk '{ print $2, $4, $6 }' "$work/out" >"$work/got"
{
	echo "$(addr rmw) 3 rmw"
	echo "$(addr ls) 15 load-store"
	echo "$(addr lock) 18 lock"
	echo "$(addr after_junk) 3 rmw"
} >"$work/want"
if cmp -s "$work/got" "$work/want"; then
	ok
else
	fail "segments: got '$(cat "$work/got")', want '$(cat "$work/want")'"
fi
grep -q "insns mov xchg test jcc nop mov" "$work/out" && ok ||
	fail "lock insns: $(cat "$work/out")"

# JSON: the same segments.
"$duet" -j bt scan "$work/t.elf" >"$work/json" 2>&1
case $(cat "$work/json") in
'[{"start":'*'"kind":"rmw"'*'"kind":"load-store"'*'"kind":"lock"'*) ok ;;
*) fail "json: $(cat "$work/json")" ;;
esac

# Flat: the text section alone, at the same base, finds the same.
objcopy -O binary -j .text "$work/t.elf" "$work/t.bin"
"$duet" bt scan "$work/t.bin" flat base 0x200000 >"$work/out" 2>&1
awk '{ print $2, $4, $6 }' "$work/out" >"$work/got"
cmp -s "$work/got" "$work/want" && ok ||
	fail "flat: got '$(cat "$work/got")'"
# At another base, the starts move with it.
"$duet" bt scan "$work/t.bin" flat base 0x1000 >"$work/out" 2>&1
first=$(awk 'NR == 1 { print $2 }' "$work/out")
[ "$first" = "$(printf '0x%x' $(($(addr rmw) - 0x200000 + 0x1000)))" ] && ok ||
	fail "flat base 0x1000: first start $first"

# Errors.
"$duet" bt scan "$work/none" >/dev/null 2>"$work/err"
[ $? = 1 ] && grep -q "^Error: $work/none: No such file" "$work/err" && ok ||
	fail "missing file: $(cat "$work/err")"
"$duet" bt scan "$work/t.elf" flat 0x1000 >/dev/null 2>"$work/err"
[ $? = 1 ] && grep -q 'needs "base"' "$work/err" && ok ||
	fail "flat without base: $(cat "$work/err")"
"$duet" bt scan >/dev/null 2>"$work/err"
[ $? = 1 ] && grep -q 'needs an IMAGE' "$work/err" && ok ||
	fail "no image: $(cat "$work/err")"
"$duet" bt scann x >/dev/null 2>"$work/err"
[ $? = 1 ] && grep -q 'unknown bt command "scann"' "$work/err" && ok ||
	fail "prefix: $(cat "$work/err")"
printf '\177ELF\001' >"$work/elf32"
"$duet" bt scan "$work/elf32" >/dev/null 2>"$work/err"
[ $? = 1 ] && grep -q 'not a 64-bit' "$work/err" && ok ||
	fail "elf32: $(cat "$work/err")"

echo "bt_scan_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
