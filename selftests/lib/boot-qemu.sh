# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Boot backend: QEMU with TCG (emulates SVM; used for `vm-run --backend svm`).
#
# Contract shared by every boot backend (selftests/lib/boot-<name>.sh, each
# defining a function vm_boot_<name>; vm-run sources the file and calls it):
#
#   Inputs, as shell variables set by the caller:
#     KERNEL         bzImage to boot
#     INITRD         initramfs to boot with (the /init it contains runs the test)
#     CONSOLE        file to write the guest's first serial port (ttyS0) to;
#                    the caller creates it empty and may `tail -f` it meanwhile
#     SMP            number of CPUs; empty: backend default
#     MEM            memory in MiB; empty: backend default
#     TIMEOUT        seconds of wall-clock time the whole machine may run
#     CPU            CPU model string; empty: backend default
#     CMDLINE_EXTRA  extra kernel command-line words (may be empty)
#   The backend boots KERNEL with at least
#     console=ttyS0 panic=-1 printk.time=1 $CMDLINE_EXTRA
#   and must not print the guest console on stdout (the caller streams
#   CONSOLE); its own diagnostics go to stderr, prefixed with the backend name.
#   Return value:
#     0    the machine ended by itself (powered off, or rebooted after a panic:
#          judge the run by CONSOLE, not by the emulator's exit status)
#     124  TIMEOUT passed; the emulator has been killed
#     other  the emulator could not run (bad option, missing binary ...)

# vm_boot_qemu: see the contract above. Defaults: 2 CPUs, 1024 MiB, -cpu max.
vm_boot_qemu() {
	local qemu=${QEMU:-qemu-system-x86_64} rc

	if ! command -v "$qemu" >/dev/null; then
		echo "qemu: $qemu not found (apt-get install qemu-system-x86)" >&2
		return 127
	fi
	# SIGTERM lets QEMU exit cleanly; SIGKILL 5 s later if it does not.
	rc=0
	timeout -k 5 "$TIMEOUT" "$qemu" \
		-accel tcg -nographic -no-reboot \
		-cpu "${CPU:-max}" -smp "${SMP:-2}" -m "${MEM:-1024}" \
		-nic none -monitor none -serial "file:$CONSOLE" \
		-kernel "$KERNEL" -initrd "$INITRD" \
		-append "console=ttyS0 panic=-1 printk.time=1 ${CMDLINE_EXTRA:-}" \
		</dev/null >/dev/null || rc=$?
	case $rc in
	0 | 124) return "$rc" ;;
	137) return 124 ;;	# killed by `timeout -k`
	*)
		echo "qemu: exited with status $rc" >&2
		return "$rc"
		;;
	esac
}
