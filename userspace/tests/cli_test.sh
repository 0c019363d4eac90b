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

# help and argument errors never open a socket.
if command -v strace >/dev/null; then
	for args in "help" "caps help" "-j nonsense" "caps show cap nested" "version"; do
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

echo "cli_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
