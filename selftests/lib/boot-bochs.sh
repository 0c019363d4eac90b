# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# selftests/lib/boot-bochs.sh - boot a kernel + initramfs under Bochs, the only
# VMX-capable emulator available to us (QEMU TCG has no VMX).
#
# Sourced by selftests/vm-run.  Defines vm_boot_bochs, with the same contract
# as vm_boot_qemu:
#
#   in:  KERNEL   bzImage                 INITRD  initramfs
#        CONSOLE  file that receives the serial console (truncated at start)
#        SMP      CPUs (default 1)        MEM     MiB (default 256)
#        TIMEOUT  seconds (default 600)   CPU     Bochs model (corei7_haswell_4770)
#        CMDLINE_EXTRA  appended to "console=ttyS0 panic=-1 printk.time=1"
#   out: 0    the machine ended by itself: guest power off (Bochs quits with
#             rc=1 after its "ACPI control: soft power off" panic) or guest
#             reboot/reset, e.g. panic=-1 after a kernel panic (the debugger
#             build stops at the reset and runs "quit" from the rc file)
#        124  TIMEOUT expired; Bochs was killed
#        125  setup error, or Bochs stopped for another reason (an emulator
#             panic, a bad config); the reason is printed on stderr
#
# Optional knobs (environment/shell variables):
#   BOCHS_IPS      emulated instructions per second (see below)
#   BOCHS_QUANTUM  instructions per CPU slice when SMP > 1 (Bochs default 16)
#   BOCHS_LOG      if set, copy Bochs' own log there (all CPU errors such as
#                  VMX failures end up in it)
#   BOCHS_KEEP=1   keep the temporary directory (ISO, bochsrc, log) and print
#                  its path
#
# Notes:
# - Bochs cannot boot a bzImage directly, so we build an ISOLINUX ISO.  ISOLINUX
#   prints its banner and "Loading ..." lines on the serial port before the
#   kernel, and adds BOOT_IMAGE=/vmlinuz initrd=/initrd.img to the command line.
# - Debian's Bochs has no "nogui": the rfb display is used.  It listens on
#   0.0.0.0:5900 and, if that port is busy, tries the next ones itself
#   (observed: a second instance took 5901), so several machines can run at
#   once without a lock.  There is no port option in Bochs 2.7's rfb.
# - It is a debugger build: it would stop at a prompt, so an rc file with "c"
#   and "quit" drives it; stdin is /dev/null so any other stop ends it too.
# - clock: sync=none makes guest time depend only on the instruction count:
#   runs are reproducible-ish and wall time does not stretch guest timeouts,
#   but the kernel's printk times are emulated seconds (instructions / ips),
#   not wall seconds.

# Instructions per emulated second.  Guest time = instructions / ips, so this
# sets how much work fits between timer ticks and how long busy-waits (udelay,
# serial THRE polling) last.  Chosen by measurement, see the duet notes.
: "${BOCHS_IPS_DEFAULT:=200000000}"

_bochs_err() { printf 'bochs: %s\n' "$*" >&2; }

_bochs_is_uint() { [[ ${1:-} =~ ^[0-9]+$ ]] && ((10#$1 > 0)); }

# Runs in a subshell so traps, cwd and shell options never leak into vm-run.
vm_boot_bochs() (
	set +e +m
	set -u
	local kernel=${KERNEL:-} initrd=${INITRD:-} console=${CONSOLE:-}
	local smp=${SMP:-1} mem=${MEM:-256} timeout=${TIMEOUT:-600}
	local cpu=${CPU:-corei7_haswell_4770} extra=${CMDLINE_EXTRA:-}
	local ips=${BOCHS_IPS:-$BOCHS_IPS_DEFAULT} quantum=${BOCHS_QUANTUM:-}
	local isolinux=/usr/lib/ISOLINUX/isolinux.bin
	local ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
	local bios=/usr/share/bochs/BIOS-bochs-latest
	local vgabios=/usr/share/vgabios/vgabios.bin
	local f tmp pid rc status

	# ---- check the inputs -------------------------------------------
	[[ -n $kernel && -r $kernel ]] || { _bochs_err "KERNEL '$kernel' not readable"; return 125; }
	[[ -n $initrd && -r $initrd ]] || { _bochs_err "INITRD '$initrd' not readable"; return 125; }
	[[ -n $console ]] || { _bochs_err "CONSOLE not set"; return 125; }
	for f in smp mem timeout ips; do
		_bochs_is_uint "${!f}" ||
			{ _bochs_err "$f='${!f}' is not a positive integer"; return 125; }
	done
	[[ -z $quantum ]] || _bochs_is_uint "$quantum" ||
		{ _bochs_err "BOCHS_QUANTUM='$quantum' is not a positive integer"; return 125; }
	[[ $cpu =~ ^[A-Za-z0-9_]+$ ]] || { _bochs_err "bad CPU model '$cpu'"; return 125; }
	for f in bochs xorriso; do
		command -v "$f" >/dev/null || { _bochs_err "$f not installed"; return 125; }
	done
	for f in "$isolinux" "$ldlinux" "$bios" "$vgabios"; do
		[[ -r $f ]] || { _bochs_err "$f missing (packages isolinux, syslinux-common, bochsbios, vgabios)"; return 125; }
	done
	# Absolute paths: Bochs runs in the temp dir.
	[[ $kernel == /* ]] || kernel=$PWD/$kernel
	[[ $initrd == /* ]] || initrd=$PWD/$initrd
	[[ $console == /* ]] || console=$PWD/$console
	[[ -d ${console%/*} ]] || { _bochs_err "directory of CONSOLE '$console' does not exist"; return 125; }
	# isolinux.cfg takes the command line on one line.
	extra=${extra//[$'\n\r\t']/ }
	# Bochs' Intel models hard-code CPUID.4 "8 cores per package" while
	# CPUID.1 counts only the configured CPUs, and CPUID.0xB is invalid for
	# a single CPU: Linux then falls back to its legacy topology parser and
	# WARNs (topology_common.c parse_legacy) on every boot, which vm-run
	# counts as a splat.  With several CPUs, one package of $smp cores
	# gives a valid CPUID.0xB; with one CPU, clearing the HT flag skips the
	# check (and taints the kernel with S, CPU out of spec).
	local topo=1:$smp:1 quirk=
	((smp > 1)) || quirk=clearcpuid=ht

	tmp=$(mktemp -d "${TMPDIR:-/tmp}/duet-bochs.XXXXXX") || { _bochs_err "mktemp failed"; return 125; }
	pid=

	# Kill the whole Bochs process group: TERM, a grace period, then KILL.
	# shellcheck disable=SC2317  # called from traps
	_bochs_kill() {
		[[ -n $pid ]] || return 0
		kill -TERM -- "-$pid" 2>/dev/null
		local i
		for ((i = 0; i < 20; i++)); do
			kill -0 -- "-$pid" 2>/dev/null || break
			sleep 0.25
		done
		kill -KILL -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
	}
	# shellcheck disable=SC2317  # called from traps
	_bochs_cleanup() {
		_bochs_kill
		if [[ -n ${BOCHS_LOG:-} && -f $tmp/bochs.log ]]; then
			cp -f -- "$tmp/bochs.log" "$BOCHS_LOG" 2>/dev/null ||
				_bochs_err "cannot copy the Bochs log to $BOCHS_LOG"
		fi
		if [[ ${BOCHS_KEEP:-0} == 1 ]]; then
			_bochs_err "kept $tmp"
		else
			rm -rf -- "$tmp"
		fi
	}
	# Errors the emulated CPU logged: for VMX these name the exact check a
	# failed VM entry tripped over ("VMFAIL: VMCS host state invalid CR4"),
	# which the guest only sees as an error number.  Unknown-MSR notes
	# (ignore_bad_msrs=1: such accesses read 0 instead of #GP) are left out;
	# BOCHS_LOG keeps the whole log.
	# shellcheck disable=SC2317  # called indirectly
	_bochs_cpu_errors() {
		local lines
		[[ -f bochs.log ]] || return 0
		lines=$(grep -a -E '^[0-9]+[ep]\[CPU[0-9]* *\] ' bochs.log |
			grep -a -v -E '(RD|WR)MSR: Unknown register' |
			sed -E 's/^[0-9]+([ep])\[CPU[0-9]* *\] /\1 /' |
			sort | uniq -c | sort -rn | head -n 15)
		[[ -n $lines ]] || return 0
		_bochs_err "errors logged by the emulated CPU (count, e=error/p=panic, message):"
		printf '%s\n' "$lines" | sed 's/^/bochs:   /' >&2
	}
	trap _bochs_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP

	cd "$tmp" || return 125

	# ---- ISOLINUX ISO -----------------------------------------------
	mkdir -p iso/isolinux || return 125
	if ! cp -- "$isolinux" "$ldlinux" iso/isolinux/ ||
		! cp -- "$kernel" iso/vmlinuz || ! cp -- "$initrd" iso/initrd.img; then
		_bochs_err "copying boot files failed"
		return 125
	fi
	# PROMPT 0 + DEFAULT: boot at once, no menu, no timeout.  SERIAL makes
	# ISOLINUX print to COM1 too, which shows a hang before the kernel.
	cat >iso/isolinux/isolinux.cfg <<-EOF
		SERIAL 0 115200
		PROMPT 0
		TIMEOUT 0
		NOESCAPE 1
		DEFAULT duet
		LABEL duet
		  KERNEL /vmlinuz
		  INITRD /initrd.img
		  APPEND console=ttyS0,115200 panic=-1 printk.time=1${quirk:+ $quirk} $extra
	EOF
	if ! xorriso -as mkisofs -quiet -R -o duet.iso \
		-b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table iso >xorriso.log 2>&1; then
		_bochs_err "xorriso failed:"
		cat xorriso.log >&2
		return 125
	fi
	rm -rf iso

	# ---- Bochs configuration ----------------------------------------
	# Paths in bochsrc are split at commas/spaces: refer to everything
	# through names in the temp dir, the console through a symlink.
	ln -s -- "$console" console || return 125
	printf 'c\nquit\n' >rc
	{
		echo "cpu: model=$cpu, count=$topo, ips=$ips, reset_on_triple_fault=1, ignore_bad_msrs=1${quantum:+, quantum=$quantum}"
		echo "memory: guest=$mem, host=$mem"
		echo "romimage: file=$bios"
		echo "vgaromimage: file=$vgabios"
		echo "clock: sync=none, time0=local"
		echo "com1: enabled=1, mode=file, dev=console"
		echo "ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14"
		echo "ata0-master: type=cdrom, path=duet.iso, status=inserted"
		echo "boot: cdrom"
		echo "floppy_bootsig_check: disabled=1"
		echo "display_library: rfb, options=\"timeout=0\""
		echo "speaker: enabled=0"
		echo "panic: action=fatal"
		echo "error: action=report"
		echo "info: action=report"
		echo "debug: action=ignore"
		echo "log: bochs.log"
	} >bochsrc

	# ---- run ----------------------------------------------------------
	# set -m only around the launch: Bochs gets its own process group
	# (pgid == pid) so that it and anything it spawned can be killed at
	# once, without job control touching the terminal afterwards.
	set -m
	bochs -q -f bochsrc -rc rc </dev/null >bochs.out 2>&1 &
	pid=$!
	set +m

	local deadline=$((SECONDS + timeout)) timed_out=0
	local top=$$
	while kill -0 "$pid" 2>/dev/null; do
		# vm-run itself killed without us: do not outlive it.
		kill -0 "$top" 2>/dev/null || exit 129
		if ((SECONDS >= deadline)); then
			timed_out=1
			break
		fi
		sleep 1
	done
	if ((timed_out)); then
		_bochs_kill
		_bochs_cpu_errors
		_bochs_err "timeout after ${timeout}s, Bochs killed"
		return 124
	fi
	wait "$pid"
	rc=$?
	pid=

	_bochs_cpu_errors

	# Bochs' own verdict: the line after "Bochs is exiting with the
	# following message:" on its stdout.
	status=$(grep -a -A1 'Bochs is exiting with the following message' bochs.out |
		sed -n '2{s/^\[[A-Z0-9 ]*\] *//;p}')
	if [[ $rc == 1 && $status == *'ACPI control: soft power off'* ]]; then
		return 0        # guest power off
	fi
	if [[ $rc == 0 ]] && (($(grep -a -c 'bx_pc_system_c::Reset(' bochs.log) > 1)); then
		return 0        # guest reset: the debugger stopped there and quit
	fi
	_bochs_err "Bochs stopped unexpectedly (rc=$rc): ${status:-no message}"
	tail -n 20 bochs.out >&2
	return 125
)
