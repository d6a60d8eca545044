# What uml-run and qemu-run (harness/launch/) share: checking the program
# to boot, and turning a finished boot into the launchers' one exit-status
# contract.  Sourced, never run; the sourcing launcher sets RUN_NAME, TOP
# and, before finish_boot, timeout_s (its --timeout).
# shellcheck shell=bash

run_fail() {
	printf '%s: %s\n' "$RUN_NAME" "$*" >&2
	exit 2
}

# check_program PROG ARGS...: PROG must be a static ELF executable, and no
# argument may hold whitespace (the kernel command line carries them).
# Prints PROG's absolute path.
check_program() {
	local prog=$1 a
	shift
	[ -e "$prog" ] || run_fail "no such program: $prog"
	[ -f "$prog" ] && [ -x "$prog" ] || run_fail "$prog is not an executable file"
	prog=$(readlink -f "$prog")
	if [ "$(head -c 4 "$prog" | od -An -c | tr -d ' ')" != '177ELF' ]; then
		run_fail "$prog is not an ELF program"
	fi
	if readelf -l "$prog" 2>/dev/null | grep -q 'INTERP'; then
		run_fail "$prog is dynamically linked; build it with -static (the kernel runs it without a loader)"
	fi
	for a in "$prog" "$PWD" "$@"; do
		case $a in
		"" | *[[:space:]]*) run_fail "'$a': the kernel command line cannot carry empty arguments or whitespace" ;;
		esac
	done
	printf '%s\n' "$prog"
}

# The init both launchers boot (harness/launch/uml-init.c), rebuilt when stale.
ensure_init() {
	local init=$TOP/build/harness/uml-init
	if [ ! -x "$init" ] || [ "$init" -ot "$TOP/harness/launch/uml-init.c" ]; then
		make -s -C "$TOP" build/harness/uml-init >&2 || run_fail "could not build $init"
	fi
}

# default_log PROG: build/logs/NAME.PID.log
default_log() {
	mkdir -p "$TOP/build/logs"
	printf '%s\n' "$TOP/build/logs/$(basename "$1").$$.log"
}

# finish_boot STATUS LOG STRICT DONE: exits with the contract's status.
# STATUS is the program's exit status as the launcher learnt it (or
# timeout's 124/137), DONE an extended regex of the line a boot that ended
# the normal way leaves in LOG.
finish_boot() {
	local status=$1 log=$2 strict=$3 done=$4 findings=no scan crash first
	if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
		printf '%s: boot did not finish within %s s and was killed; kernel log: %s\n' \
			"$RUN_NAME" "$timeout_s" "$log" >&2
		tail -n 20 "$log" >&2
		exit 124
	fi
	# --strict: every report goes to stderr in full, whatever else happened.
	if [ "$strict" = yes ]; then
		scan=0
		"$TOP/scripts/scan-kernel-log" "$log" >&2 || scan=$?
		case $scan in
		0) ;;
		1) findings=yes ;;
		*) printf '%s: could not scan the kernel log %s\n' "$RUN_NAME" "$log" >&2; findings=yes ;;
		esac
	fi
	# A KCSAN report says "BUG: KCSAN:" but the kernel goes on: a finding
	# for --strict, not a crash.
	crash='Kernel panic|Oops|BUG:|kernel BUG|general protection|Segfault with no mm'
	first=$(grep -v 'BUG: KCSAN: ' "$log" | grep -m 1 -E "$crash" || :)
	if [ -n "$first" ]; then
		printf '%s: kernel crashed: %s; kernel log: %s\n' "$RUN_NAME" "$first" "$log" >&2
		grep -n -F -m 1 -- "$first" "$log" | cut -d: -f1 | {
			read -r at || exit 0
			sed -n "$((at > 5 ? at - 5 : 1)),$((at + 25))p" "$log" >&2
		}
		exit 125
	fi
	if ! grep -q -E "$done" "$log"; then
		printf '%s: the kernel exited (status %d) without powering off; kernel log: %s\n' \
			"$RUN_NAME" "$status" "$log" >&2
		tail -n 20 "$log" >&2
		exit 125
	fi
	if [ $findings = yes ]; then
		printf '%s: --strict: the kernel log has the reports above; kernel log: %s\n' \
			"$RUN_NAME" "$log" >&2
		[ "$status" -ne 0 ] || status=123
		exit "$status"
	fi
	printf '%s: kernel log: %s\n' "$RUN_NAME" "$log" >&2
	exit "$status"
}
