# Shared helpers for the build scripts; sourced, never run.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}

die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

note() {
	printf '[%s] %s\n' "${0##*/}" "$*"
}

# epollcr MODULE ARGS...: runs python3 -m epollcr.MODULE, the project's
# Python package (python/epollcr), with python/ on PYTHONPATH.
epollcr() {
	local mod=$1
	shift
	PYTHONPATH="$TOP/python${PYTHONPATH:+:$PYTHONPATH}" python3 -m "epollcr.$mod" "$@"
}

# The one Linux 6.12 source tarball Debian's linux-source-6.12 installs.
kernel_tarball() {
	local t
	t=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
	[ -n "$t" ] || die "no /usr/src/linux-source-6.12.tar.*; fix: make deps (installs linux-source-6.12)"
	printf '%s\n' "$t"
}

SRC=$BUILD/src/linux
