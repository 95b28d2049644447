#!/bin/sh
# Install the Debian 12 packages weighgate's build, tests, demo and package
# build need, when any is missing (apt-get, through sudo when not root).
#
# The list is debian/control's Build-Depends, all of them: the build's, and
# those marked <!nocheck> that only `make check`, the demo and the package
# test need; plus build-essential, which Build-Depends never names.  There
# is no other list: a package the project needs goes into debian/control.
set -eu

CONTROL="$(cd "$(dirname "$0")/.." && pwd)/debian/control"

# promtool, for the metrics test (test/scenarios/metrics_promtool.sh): the
# one of Debian's prometheus package, fetched with `apt-get download` and
# unpacked with `dpkg -x` into a cache outside the tree (it survives `make
# clean`, and the worktrees of one user share it); the server is never
# installed.  `deps.sh --promtool-path` prints where it is, fetching nothing.
PROM_CACHE=${WG_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/weighgate}/prometheus
PROMTOOL="$PROM_CACHE/root/usr/bin/promtool"
if [ "${1:-}" = "--promtool-path" ]; then
	echo "$PROMTOOL"
	exit 0
fi

# fetch_promtool: unpack promtool into the cache when it is not there.
fetch_promtool() {
	[ -x "$PROMTOOL" ] && return 0
	command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 ||
		{ echo "deps: no apt-get: cannot fetch promtool" >&2; return 1; }
	mkdir -p "$PROM_CACHE/deb"
	echo "deps: fetching promtool (apt-get download prometheus) into $PROM_CACHE" >&2
	(cd "$PROM_CACHE/deb" && rm -f prometheus_*.deb &&
		{ apt-get download -qq prometheus ||
		{ $SUDO apt-get update -qq && apt-get download -qq prometheus; }; }) ||
		{ echo "deps: apt-get download prometheus failed" >&2; return 1; }
	rm -rf "$PROM_CACHE/root"
	dpkg -x "$PROM_CACHE"/deb/prometheus_*.deb "$PROM_CACHE/root"
	"$PROMTOOL" --version >/dev/null 2>&1 ||
		{ echo "deps: $PROMTOOL does not run" >&2; return 1; }
}

# build_depends: the names in Build-Depends, one a line, without versions,
# architectures or build profiles; of alternatives (a | b) the first.
# debhelper-compat and dh-sequence-* are debhelper's virtual names.
build_depends() {
	awk '
		/^#/ { next }
		/^[ \t]*$/ { on = 0; next }
		/^[^ \t]/ { on = sub(/^Build-Depends:/, "") }
		on { printf "%s ", $0 }' "$CONTROL" |
		tr ',' '\n' |
		sed -e 's/|.*//' -e 's/([^)]*)//g' -e 's/\[[^]]*\]//g' -e 's/<[^>]*>//g' \
		    -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' \
		    -e 's/^debhelper-compat$/debhelper/' -e 's/^dh-sequence-.*/debhelper/' |
		grep -v '^$' | sort -u
}

[ -f "$CONTROL" ] || { echo "deps: no $CONTROL" >&2; exit 1; }
PKGS="build-essential $(build_depends | tr '\n' ' ')"

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: not a Debian system; install the equivalents of: $PKGS" >&2
	exit 0
fi

# Installed packages and what they provide, one name a line.
have=$(dpkg-query -W -f='${db:Status-Status} ${Package} ${Provides}\n' 2>/dev/null |
	awk '$1 == "installed" { $1 = ""; print }' |
	sed -e 's/([^)]*)//g' | tr ', ' '\n\n' | grep -v '^$' | sort -u)
missing=""
for p in $PKGS; do
	printf '%s\n' "$have" | grep -qxF "$p" || missing="$missing $p"
done
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	SUDO="false"	# apt-get update needs root
fi
export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing" ]; then
	echo "deps: installing$missing" >&2
	[ "$SUDO" != false ] ||
		{ echo "deps: not root and no sudo; install:$missing" >&2; exit 1; }
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi
fetch_promtool
