#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The command line of ./duet on the host: option and keyword parsing, help,
# and the error paths; no module needed.  Usage: tests/cli_test.sh ./duet

set -u

duet=$(realpath "${1:-./duet}")
spec=$(dirname "$(realpath "$0")")/../../module/nl/duet.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

ok()
{
	passed=$((passed + 1))
}

fail()
{
	failed=$((failed + 1))
	echo "FAIL: $*" >&2
}

# run ARGS...: run duet, keep its exit code, stdout and stderr.
run()
{
	"$duet" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
}

# expect NAME RC STDOUT STDERR: compare the last run; "*" matches anything.
expect()
{
	local name=$1 want_rc=$2 want_out=$3 want_err=$4

	if [ "$rc" != "$want_rc" ]; then
		fail "$name: exit $rc, want $want_rc (stderr: $err)"
	elif [ "$want_out" != "*" ] && [ "$out" != "$want_out" ]; then
		fail "$name: stdout '$out', want '$want_out'"
	elif [ "$want_err" != "*" ] && [ "$err" != "$want_err" ]; then
		fail "$name: stderr '$err', want '$want_err'"
	else
		ok
	fi
}

run help
expect "help" 0 "*" ""
case $out in "Usage: duet [ OPTIONS ] OBJECT"*) ok ;; *) fail "help text: $out" ;; esac

run -h
expect "-h" 0 "*" ""

run
expect "no object" 1 "" "*"
case $err in "Usage: duet"*) ok ;; *) fail "no object prints usage: $err" ;; esac

run -j nonsense
expect "-j nonsense" 1 "" 'Error: unknown object "nonsense", see "duet help".'

run cap show
expect "no prefix match of objects" 1 "" 'Error: unknown object "cap", see "duet help".'

run caps sho
expect "no prefix match of commands" 1 "" \
	'Error: unknown caps command "sho", see "duet caps help".'

run -x caps
expect "unknown option" 1 "" 'Error: unknown option "-x", see "duet help".'

run --jso caps
expect "no prefix match of long options" 1 "" \
	'Error: unknown option "--jso", see "duet help".'

run caps show cap
expect "cap without name" 1 "" \
	'Error: "cap" needs a capability name, see "duet caps help".'

run caps show cap nested
expect "unknown capability" 1 "" \
	'Error: unknown capability "nested", see "duet caps help".'

run caps show cap vpid cap vgif
expect "duplicate cap" 1 "" 'Error: duplicate argument "cap".'

run caps show vpid
expect "stray argument" 1 "" \
	'Error: unknown argument "vpid", see "duet caps help".'

run caps help
expect "caps help" 0 "*" ""

# The NAMEs of `caps help` are the caps attributes of the spec, in order.
names=$(sed -n '/^NAME/,$p' "$work/out" | tr -d '{}|\n' | sed 's/NAME :=//' | xargs)
spec_names=$(python3 - "$spec" <<'PY'
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
caps = next(s for s in spec['attribute-sets'] if s['name'] == 'caps')
print(' '.join(a['name'] for a in caps['attributes'] if a['name'] != 'cap'))
PY
)
if [ -n "$spec_names" ] && [ "$names" = "$spec_names" ]; then
	ok
else
	fail "caps help names '$names' differ from duet.yaml '$spec_names'"
fi

run version
expect "version" 0 "duet version 0.1 api-version 1 family-version 1" ""

run -j version
expect "-j version" 0 '{"version":"0.1","api-version":1,"family-version":1}' ""
if python3 -c 'import json, sys; json.load(sys.stdin)' <"$work/out"; then
	ok
else
	fail "-j version is not JSON"
fi

run -j -p version
expect "-j -p version" 0 "*" ""
if python3 -c 'import json, sys; json.load(sys.stdin)' <"$work/out" &&
   [ "$(wc -l <"$work/out")" -eq 5 ]; then
	ok
else
	fail "-j -p version: $out"
fi

"$duet" version >/dev/full 2>"$work/err"
rc=$?
if [ "$rc" = 1 ] && grep -q "^Error: cannot write the output.$" "$work/err"; then
	ok
else
	fail "write error: exit $rc, $(cat "$work/err")"
fi

# Without the module (the host): the family is missing, said plainly.
if [ ! -d /sys/module/duet ]; then
	run caps show
	expect "caps show without module" 1 "" \
		'Error: no generic netlink family "duet" (is duet.ko loaded?).'
	run -j caps
	expect "caps defaults to show" 1 "" \
		'Error: no generic netlink family "duet" (is duet.ko loaded?).'
fi

# vm: help and argument errors, checked before anything touches /dev/duet.
run vm help
expect "vm help" 0 "*" ""
case $out in "Usage: duet vm run IMAGE"*) ok ;; *) fail "vm help text: $out" ;; esac

run vm
expect "vm without command" 1 "" "*"
case $err in "Usage: duet vm run"*) ok ;; *) fail "vm without command: $err" ;; esac

run vm ru
expect "no prefix match of vm commands" 1 "" \
	'Error: unknown vm command "ru", see "duet vm help".'

run vm run
expect "vm run without image" 1 "" \
	'Error: "vm run" needs an IMAGE, see "duet vm help".'

printf '\364' >"$work/hlt.bin"	# hlt
img=$work/hlt.bin

run vm run "$img" vcpus
expect "vcpus without value" 1 "" \
	'Error: "vcpus" needs a value, see "duet vm help".'
for n in 0 65 -1 1x abc 99999999999999999999; do
	run vm run "$img" vcpus "$n"
	expect "vcpus $n" 1 "" "Error: \"vcpus $n\": need 1 to 64."
done
for m in 1M 5G 4097M 64Q 1.5M M 64MM 65537 -64M; do
	run vm run "$img" mem "$m"
	expect "mem $m" 1 "" "Error: \"mem $m\": need a multiple of 4K from 2M to 4G."
done
run vm run "$img" entry zz
expect "entry zz" 1 "" 'Error: "entry zz": not an address.'
run vm run "$img" mem 2M entry 0x200000
expect "entry past memory" 1 "" \
	'Error: entry 0x200000 is outside guest memory (0x200000 bytes).'
run vm run "$img" vcpus 2 vcpus 2
expect "duplicate vcpus" 1 "" 'Error: duplicate argument "vcpus".'
run vm run "$img" vcpu 2
expect "no prefix match of vm arguments" 1 "" \
	'Error: unknown argument "vcpu", see "duet vm help".'

run vm run "$work/missing.elf"
expect "missing image" 1 "" \
	"Error: $work/missing.elf: No such file or directory."
: >"$work/empty.bin"
run vm run "$work/empty.bin"
expect "empty image" 1 "" "Error: $work/empty.bin: empty file."
printf '\177ELF\002\001\001' >"$work/short.elf"
run vm run "$work/short.elf"
expect "truncated ELF" 1 "" "Error: $work/short.elf: truncated ELF header."
head -c 3000000 /dev/zero >"$work/big.bin"
run vm run "$work/big.bin" mem 2M
expect "image larger than memory" 1 "" \
	"Error: $work/big.bin: larger than guest memory."
run vm run "$work/big.bin" mem 3M
expect "flat image past the end" 1 "" \
	"Error: $work/big.bin: flat image of 3000000 bytes at 0x100000 does not fit in guest memory 0x100000-0x300000."

# Without the module: said plainly, after the image checks.
if [ ! -e /dev/duet ]; then
	run vm run "$img" mem 4M vcpus 3 entry 0x100000
	expect "vm run without module" 1 "" \
		'Error: cannot open /dev/duet: No such file or directory (is duet.ko loaded?).'
fi

# vm show, vcpu show, monitor: help and argument errors.
case $(run help; echo "$out") in
*"OBJECT := { caps | vm | vcpu | mem | bt | monitor }"*) ok ;;
*) fail "help lists vcpu and monitor" ;;
esac
run vm help
case $out in *"duet vm show [ id ID ]"*) ok ;; *) fail "vm help has show: $out" ;; esac

run vm show id
expect "vm show id without value" 1 "" \
	'Error: "id" needs a value, see "duet vm help".'
for v in abc -1 4294967296 1x " 1" ""; do
	run vm show id "$v"
	expect "vm show id '$v'" 1 "" "Error: \"id $v\": not a VM id."
done
run vm show id 1 id 2
expect "vm show duplicate id" 1 "" 'Error: duplicate argument "id".'
run vm show vm 1
expect "vm show unknown argument" 1 "" \
	'Error: unknown argument "vm", see "duet vm help".'
run vm sho
expect "no prefix match of vm show" 1 "" \
	'Error: unknown vm command "sho", see "duet vm help".'

run vcpu help
expect "vcpu help" 0 "*" ""
case $out in "Usage: duet vcpu show [ vm ID [ vcpu N ] ]"*) ok ;;
*) fail "vcpu help text: $out" ;;
esac
# The COUNTERS of `vcpu help` are the vcpu-stats attributes of the spec.
names=$(sed -n '/^COUNTERS/,$p' "$work/out" | sed 's/COUNTERS :=//' | xargs)
spec_names=$(python3 - "$spec" <<'PY'
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
s = next(s for s in spec['attribute-sets'] if s['name'] == 'vcpu-stats')
print(' '.join(a['name'] for a in s['attributes'] if a['type'] != 'pad'))
PY
)
if [ -n "$spec_names" ] && [ "$names" = "$spec_names" ]; then
	ok
else
	fail "vcpu help counters '$names' differ from duet.yaml '$spec_names'"
fi
run vcpu sho
expect "no prefix match of vcpu commands" 1 "" \
	'Error: unknown vcpu command "sho", see "duet vcpu help".'
run vcpu show vcpu 1
expect "vcpu without vm" 1 "" 'Error: "vcpu" needs "vm", see "duet vcpu help".'
run vcpu show vm
expect "vm without value" 1 "" 'Error: "vm" needs a value, see "duet vcpu help".'
run vcpu show vm 1 vcpu
expect "vcpu without value" 1 "" \
	'Error: "vcpu" needs a value, see "duet vcpu help".'
run vcpu show vm x1
expect "bad vm id" 1 "" 'Error: "vm x1": not a VM id.'
run vcpu show vm 1 vcpu -2
expect "bad vcpu id" 1 "" 'Error: "vcpu -2": not a vCPU id.'
run vcpu show vm 1 vm 2
expect "duplicate vm" 1 "" 'Error: duplicate argument "vm".'
run vcpu show cpu 1
expect "vcpu show unknown argument" 1 "" \
	'Error: unknown argument "cpu", see "duet vcpu help".'

run monitor help
expect "monitor help" 0 "*" ""
case $out in "Usage: duet monitor"*) ok ;; *) fail "monitor help text: $out" ;; esac
run monitor now
expect "monitor argument" 1 "" \
	'Error: unknown monitor command "now", see "duet monitor help".'

# Without the module: the family is missing, and -j prints no JSON.
if [ ! -d /sys/module/duet ]; then
	for args in "vm show" "-j vm show id 1" "vcpu show" "-j vcpu" "monitor"; do
		# shellcheck disable=SC2086 # $args is a word list
		run $args
		expect "$args without module" 1 "" \
			'Error: no generic netlink family "duet" (is duet.ko loaded?).'
	done
fi

# help and argument errors never open a socket.
if command -v strace >/dev/null; then
	for args in "help" "caps help" "-j nonsense" "caps show cap nested" "version" \
		    "vm help" "vm run $img vcpus 2" "vm show id x" "vcpu help" \
		    "vcpu show vcpu 1" "vcpu show vm 1 vcpu x" "monitor help" \
		    "monitor now"; do
		# shellcheck disable=SC2086 # $args is a word list
		strace -f -qq -e trace=socket -o "$work/strace" "$duet" $args \
			>/dev/null 2>&1
		if grep -q "socket(" "$work/strace"; then
			fail "'duet $args' opened a socket"
		else
			ok
		fi
	done
	strace -f -qq -e trace=socket -o "$work/strace" "$duet" caps show \
		>/dev/null 2>&1
	if grep -q "socket(AF_NETLINK" "$work/strace"; then
		ok
	else
		fail "'duet caps show' opened no netlink socket"
	fi
fi

# mem read, vcpu walk: help and argument errors (no socket needed).
run mem help
case $out in "Usage: duet mem read vm ID [ vcpu N ] { gva | gpa } ADDR len N"*) ok ;;
*) fail "mem help text: $out" ;; esac
run vcpu help
case $out in *"duet vcpu walk vm ID vcpu N gva ADDR"*) ok ;;
*) fail "vcpu help has walk: $out" ;; esac
run mem read vm 1 gpa 0x1000
expect "mem read without len" 1 "" \
	'Error: "mem read" needs "vm" and "len", see "duet mem help".'
run mem read vm 1 gpa 0x1000 gva 0x1000 len 4
expect "mem read gva and gpa" 1 "" \
	'Error: "mem read" needs one of "gva" and "gpa".'
run mem read vm 1 gva 0x1000 len 4
expect "mem read gva without vcpu" 1 "" \
	'Error: "gva" needs "vcpu", see "duet mem help".'
run mem read vm 1 gpa 0x1000 len 16385
expect "mem read len too big" 1 "" 'Error: "len 16385": not within 1 to 16384.'
run mem read vm 1 gpa 0x1000 len 0
expect "mem read len 0" 1 "" 'Error: "len 0": not within 1 to 16384.'
run mem read vm 1 gpa zz len 4
expect "mem read bad address" 1 "" 'Error: "gpa zz": not a number.'
run mem read vm 1 vm 2 gpa 0 len 4
expect "mem read duplicate vm" 1 "" 'Error: duplicate argument "vm".'
run mem read vm 1 gpa 0 len 4 size 3
expect "mem read unknown argument" 1 "" \
	'Error: unknown argument "size", see "duet mem help".'
run mem rea
expect "no prefix match of mem read" 1 "" \
	'Error: unknown mem command "rea", see "duet mem help".'
run vcpu walk vm 1 gva 0x1000
expect "vcpu walk without vcpu" 1 "" \
	'Error: "vcpu walk" needs "vm", "vcpu" and "gva", see "duet vcpu help".'
run vcpu walk vm 1 vcpu 0 gva 0x1000 gpa 3
expect "vcpu walk unknown argument" 1 "" \
	'Error: unknown argument "gpa", see "duet vcpu help".'

echo "cli_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
