# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# selftests/lib/boot-bochs.sh - boot backend: Bochs, the only emulator here
# that emulates Intel VMX (QEMU TCG has none); used for `vm-run --backend vmx`.
#
# Defines vm_boot_bochs with the contract described in boot-qemu.sh:
#   in:  KERNEL INITRD CONSOLE TIMEOUT, and SMP (default 1), MEM (MiB,
#        default 1024 like QEMU's; 256 boots 3 s faster), CPU (Bochs model,
#        default corei7_haswell_4770: VMX with EPT, VPID, unrestricted guest),
#        CMDLINE_EXTRA
#   out: 0    the machine ended by itself: guest power off (Bochs exits 1
#             after its "ACPI control: soft power off" panic) or guest reset,
#             e.g. panic=-1 after a kernel panic (this debugger build stops at
#             the reset and runs "quit" from the rc file, like -no-reboot)
#        124  TIMEOUT passed; Bochs (its whole process group) was killed
#        125  bad input, missing tool, or Bochs stopped for another reason
#             (an emulator panic); the reason is printed on stderr
#   Diagnostics go to stderr prefixed "bochs: ", including a summary of the
#   errors the emulated CPU logged (a failed VM entry names the exact check).
#
# Kernel command line: console=ttyS0,115200 panic=-1 printk.time=1 idle=halt
# [clearcpuid=ht] $CMDLINE_EXTRA (ISOLINUX adds BOOT_IMAGE= and initrd=).
#   ,115200   Bochs times the UART: plain console=ttyS0 is 9600 baud, ~1 ms of
#             guest time per byte, half of a boot.  A later console= for the
#             same port cannot change it, so it has to be the first one.
#   idle=halt, clearcpuid=ht: see the quirks below.
#
# Optional knobs:
#   BOCHS_IPS      emulated instructions per second (default below)
#   BOCHS_QUANTUM  instructions a CPU runs before Bochs switches to the next
#                  (SMP only; Bochs' default 16, at most 32)
#   BOCHS_LOG      copy Bochs' own log to this file when done
#   BOCHS_KEEP=1   keep the temporary folder (ISO, bochsrc, logs)
#
# Facts this relies on (Debian Bochs 2.7, measured):
# - No bzImage boot: the kernel and initramfs go on an ISOLINUX ISO.
# - No "nogui" in this build: the rfb display runs, listening on 0.0.0.0; it
#   takes the first free port of 5900-5949 itself, so machines can run side by
#   side without a lock (there is no port option).  timeout=0: no client wait.
# - A debugger build: it starts at a prompt; the rc file says "c" then "quit",
#   stdin is /dev/null, so any stop of the simulation ends Bochs.
# - clock: sync=none: guest time = instructions / ips, independent of host
#   load.  At ips=200M and ~40-60 emulated MIPS, guest time runs several times
#   slower than wall time.  Idle guest time is not free (~0.5-0.7 host s per
#   guest s), so keep sleeps in vmx tests short.
# - 2 CPUs cost about twice the host time of 1.

# Instructions per emulated second.  Boot of the test kernel to /init, 1 CPU
# (host CPU s): 100M 77, 200M 65, 400M 67; stock kernel 50M 71, 100M 74,
# 200M 66, 400M 80.  Higher ips stretches busy-waits (udelay, UART polling).
: "${BOCHS_IPS_DEFAULT:=200000000}"

_bochs_err() { printf 'bochs: %s\n' "$*" >&2; }

_bochs_is_uint() { [[ ${1:-} =~ ^[0-9]+$ ]] && ((10#$1 > 0)); }

# Runs in a subshell so traps, cwd and shell options never leak into vm-run.
vm_boot_bochs() (
	set +e +m
	set -u
	local kernel=${KERNEL:-} initrd=${INITRD:-} console=${CONSOLE:-}
	local smp=${SMP:-1} mem=${MEM:-1024} timeout=${TIMEOUT:-600}
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
	[[ -z $quantum ]] || { _bochs_is_uint "$quantum" && ((10#$quantum <= 32)); } ||
		{ _bochs_err "BOCHS_QUANTUM='$quantum' is not in 1..32"; return 125; }
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
	# idle=halt: Bochs loses MWAIT wakeups between CPUs (a remote
	# TIF_NEED_RESCHED write to a CPU idling in MWAIT, no IPI sent): with
	# 2 CPUs boots stalled for minutes with both CPUs in mwait_idle.  HLT
	# idle makes the kernel send IPIs.
	local topo=1:$smp:1 quirk=idle=halt
	((smp > 1)) || quirk+=" clearcpuid=ht"

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
		kill -0 -- "-$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
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
	grep -a -E '^[0-9]+[ep]\[' bochs.out | grep -a -v 'notify called' |
		tail -n 10 | sed 's/^/bochs:   /' >&2
	return 125
)
