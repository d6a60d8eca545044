# The step machinery of scripts/check and scripts/smp-check; sourced after
# common.sh, with LOGS set to the run's log directory.
# shellcheck shell=bash

rm -rf "$LOGS"
mkdir -p "$LOGS"
passed=0 failed=0 skipped=0
summary=()

# Counts the KTAP in $1 with kunit.py parse; sets p, f, s.
count_ktap() {
	local line
	line=$(python3 "$SRC/tools/testing/kunit/kunit.py" parse "$1" 2>&1 | tee "$1.parsed" |
		grep -E 'Ran [0-9]+ tests?' | tail -n 1)
	p=$(grep -oE 'passed: [0-9]+' <<<"$line" | grep -oE '[0-9]+' || echo 0)
	f=$(grep -oE '(failed|crashed): [0-9]+' <<<"$line" | grep -oE '[0-9]+' | paste -sd+ | bc 2>/dev/null || echo 0)
	s=$(grep -oE 'skipped: [0-9]+' <<<"$line" | grep -oE '[0-9]+' || echo 0)
	[ -n "$f" ] || f=0
	# No result line at all means the step produced no tests: a failure.
	if [ -z "$line" ] || { [ "$p" = 0 ] && [ "$f" = 0 ] && [ "$s" = 0 ]; }; then
		f=1
	fi
}

# step NAME COMMAND...: runs COMMAND, whose stdout is KTAP, and counts it.
step() {
	local name=$1 start rc
	shift
	start=$(date +%s)
	printf '[check] %-28s ' "$name"
	"$@" >"$LOGS/$name.ktap" 2>"$LOGS/$name.log"
	rc=$?
	count_ktap "$LOGS/$name.ktap"
	if [ $rc -ne 0 ] && [ "$f" = 0 ]; then
		f=1 # a crashed or nonzero step fails even if its KTAP looked fine
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	printf '%4d passed, %d failed, %d skipped (%ds)\n' "$p" "$f" "$s" $(($(date +%s) - start))
	summary+=("$(printf '%-28s %5d %6d %7d' "$name" "$p" "$f" "$s")")
	if [ "$f" != 0 ]; then
		printf '  --- %s failed; KTAP: %s, log: %s\n' "$name" "$LOGS/$name.ktap" "$LOGS/$name.log"
		grep -E 'not ok|# (FAIL|fail|Expected|expected)|uml-run:' "$LOGS/$name.ktap" "$LOGS/$name.log" | head -n 20 | sed 's/^/      /'
		# Kernel-log reports (scripts/scan-kernel-log), in full up to a point.
		grep -A 40 '^scan-kernel-log: ' "$LOGS/$name.log" | head -n 80 | sed 's/^/      /'
	fi
}

# Wraps a command that reports by exit status as a one-case KTAP suite.
ktap_one() {
	local name=$1
	shift
	printf 'KTAP version 1\n1..1\n'
	if "$@" >&2; then
		printf 'ok 1 %s\n' "$name"
	else
		printf 'not ok 1 %s # exit status %d\n' "$name" $?
	fi
}

# The table of steps and the final "N passed, N failed" line; fails if any
# step failed.
steps_summary() {
	printf '\n%-28s %5s %6s %7s\n' step passed failed skipped
	printf '%s\n' "${summary[@]}"
	printf 'logs: %s\n\n' "$LOGS"
	printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
	[ "$failed" = 0 ]
}

# kunit_ktap_of_boot OUT_DIR: the KTAP of built-in KUnit suites in the boot
# log OUT_DIR/test.log, on stdout and in OUT_DIR/kunit.log, with kunit.py's
# OUT_DIR/results.json.  The KTAP ends where init starts.
kunit_ktap_of_boot() {
	sed '/ Run .* as init process$/q' "$1/test.log" |
		python3 "$SRC/tools/testing/kunit/kunit.py" parse --raw_output=kunit | tee "$1/kunit.log"
	python3 "$SRC/tools/testing/kunit/kunit.py" parse --json="$1/results.json" \
		"$1/kunit.log" >/dev/null 2>&1 || :
}
