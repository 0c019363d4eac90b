# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Find kernel splats (warnings, bugs, sanitizer and lockdep reports, stalls)
# in a captured console. Source this file, then:
#
#   if line=$(splat_find console.log); then echo "splat: $line"; fi
#
# A report is known by its first line. Only kernel-formatted lines count:
# the printk timestamp "[    1.234567] " (boot with printk.time=1) comes
# right before the report, so a program that merely prints "WARNING:" does not
# fail a run. Lines matching the extended regex in SPLAT_ALLOW (if set) are
# ignored, for tests that provoke a splat on purpose.

# What the kernel prints first in each kind of report. A report may carry a
# one-word subsystem prefix ("watchdog: BUG: soft lockup", "rcu: INFO: ..."),
# but no longer one: "Speculative Return Stack Overflow: WARNING: See ..." is
# advice, not a warning.
SPLAT_PATTERNS=(
	'BUG: '				# KASAN, sleeping in atomic, soft lockup, bad page fault ...
	'WARNING: '			# WARN_ON(), lockdep ("possible circular locking ...")
	'UBSAN: '			# undefined behaviour
	'Oops[: ]'			# oops / general protection fault
	'kernel BUG at '		# BUG_ON()
	'Kernel panic - not syncing'
	'general protection fault'
	'INFO: rcu_[a-z]+ (detected stalls|self-detected stall)'
	'INFO: task .* blocked for more than [0-9]+ seconds'
	'INFO: trying to register non-static key'
	'unchecked MSR access error'
)

# The printk timestamp, optionally followed by a "subsystem: " prefix. Not
# anchored to the line start: a program's unterminated output line may come
# first ("running test... [   12.345678] BUG: ...").
SPLAT_PREFIX='\[ *[0-9]+\.[0-9]+\] ([a-z0-9_]+: )?'

splat_regex() {
	local IFS='|'
	printf '%s(%s)' "$SPLAT_PREFIX" "${SPLAT_PATTERNS[*]}"
}

# splat_lines FILE: print every splat line of console FILE, without the serial
# console's carriage returns.
splat_lines() {
	[[ -r $1 ]] || return 0
	tr -d '\r' <"$1" | grep -a -E "$(splat_regex)" || true
}

# splat_find FILE: print the first splat line of console FILE that SPLAT_ALLOW
# does not match and return 0; return 1 when there is none.
splat_find() {
	local line

	line=$(splat_lines "$1" |
		{ if [[ -n ${SPLAT_ALLOW:-} ]]; then grep -a -v -E "$SPLAT_ALLOW"; else cat; fi; } |
		head -n 1) || true
	[[ -n $line ]] || return 1
	printf '%s\n' "$line"
}

# splat_quirks BACKEND: print an extended regex of the splats that backend's
# emulated hardware causes by itself (nothing when it has none), for
# SPLAT_ALLOW.
splat_quirks() {
	case $1 in
	vmx)
		# None: boot-bochs.sh gives Bochs a consistent CPU topology (or
		# clears HT on one CPU), so the kernel's parse_legacy() WARN that
		# corei7_haswell_4770's CPUID caused is gone rather than ignored.
		;;
	esac
}
