#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The CLI against the module: `duet caps show` and `duet -j caps show`
# name the backend this machine has (svm in QEMU, vmx in Bochs), and fail
# cleanly once duet is gone.  Loads and unloads duet itself.
set -u
DUET_KO=${DUET_KO:-/duet/duet.ko}
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

echo "TAP version 13"
if grep -qw svm /proc/cpuinfo; then
	want=svm
elif grep -qw vmx /proc/cpuinfo; then
	want=vmx
else
	echo "1..0 # SKIP neither svm nor vmx in /proc/cpuinfo"
	exit 4
fi
echo "1..5"

lsmod | grep -q '^duet ' || insmod "$DUET_KO"
text=$(duet caps show 2>&1)
echo "$text" | sed 's/^/# /'
check "duet caps show names $want" "echo \"\$text\" | grep -q 'backend $want'"
json=$(duet -j caps show 2>&1)
echo "# $json"
check "duet -j caps show says \"backend\":\"$want\"" \
	"echo \"\$json\" | tr -d ' ' | grep -q '\"backend\":\"$want\"'"
check "duet -j caps show reports nested paging" \
	"echo \"\$json\" | tr -d ' ' | grep -q '\"nested-paging\":true'"
rmmod duet
err=$(duet caps show 2>&1)
rc=$?
echo "# $err"
check "without duet, caps show exits 1" "[ $rc = 1 ]"
check "without duet, the error starts with Error:" "echo \"\$err\" | grep -q '^Error: '"
exit $failed
