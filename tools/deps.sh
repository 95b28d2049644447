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
[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: not root and no sudo; install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
