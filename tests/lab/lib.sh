# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # variables are for the sourcing scripts
#
# Helpers shared by the lab scripts. Source it; do not run it.
#
# Everything the lab fetches or builds lives outside the repository, under
# $VMEXIT_STAT_CACHE (default ~/.cache/vmexit-stat):
#   kernels/<name>/     a kernel: vmlinuz, modules tree, header tree (KDIR)
#   apt/<suite>/        private apt state used to download another suite
#   modbuild/<name>-<h>/ our module built for kernel <name> (h: work tree)
#   initramfs/          busybox initramfs images

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$LAB_DIR/../.." && pwd)
CACHE_DIR=${VMEXIT_STAT_CACHE:-${HOME:-/root}/.cache/vmexit-stat}
LAB_KERNELS="5.10 6.1 6.12"

PROG=${PROG:-$(basename "$0")}

die() {
	printf '%s: error: %s\n' "$PROG" "$*" >&2
	exit 1
}

log() {
	printf '%s: %s\n' "$PROG" "$*" >&2
}

# Debian suite that ships a given lab kernel.
suite_of() {
	case "$1" in
	5.10) echo bullseye ;;
	6.1) echo bookworm ;;
	6.12) echo trixie ;;
	*) return 1 ;;
	esac
}

# The Debian archive URI this machine's apt is configured with (the one that
# serves the machine's own release, not the security archive). Read at run
# time so that no host name is ever written into the repository.
debian_mirror() {
	local uri
	uri=$(debian_mirror_of main)
	[ -n "$uri" ] || die "cannot find a Debian mirror in /etc/apt/sources.list{,.d/*}"
	echo "$uri"
}

# debian_mirror_of main|security: first URI of that kind in apt's sources.
debian_mirror_of() {
	local kind=$1 f uris
	uris=$(
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -r "$f" ] || continue
			awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f"
		done
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -r "$f" ] || continue
			awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/ && $i ~ /:\/\//) { print $i; break } }' "$f"
		done
	)
	if [ "$kind" = security ]; then
		grep -m1 -- '-security' <<<"$uris" || true
	else
		grep -v -- '-security' <<<"$uris" | grep -m1 . || true
	fi
}

# Kernel release (uname -r) of a fetched or built kernel.
kernel_release() {
	cat "$CACHE_DIR/kernels/$1/release" 2>/dev/null ||
		die "kernel '$1' is not in the cache (run tests/lab/fetch-kernel $1)"
}

# Run a command with a time stamp on stderr; used to report durations.
timed() {
	local t0 rc=0
	t0=$(date +%s)
	"$@" || rc=$?
	log "$1 took $(($(date +%s) - t0)) s"
	return "$rc"
}

# Lock a cache entry so that two lab runs do not build the same thing at once.
# Usage: cache_lock <name>   (holds the lock until the shell exits)
cache_lock() {
	mkdir -p "$CACHE_DIR/locks"
	exec {LAB_LOCK_FD}>"$CACHE_DIR/locks/$1.lock"
	if ! flock -n "$LAB_LOCK_FD"; then
		log "waiting for another run to finish with $1"
		flock "$LAB_LOCK_FD"
	fi
}

cache_unlock() {
	if [ -n "${LAB_LOCK_FD:-}" ]; then
		exec {LAB_LOCK_FD}>&-
		LAB_LOCK_FD=
	fi
}
