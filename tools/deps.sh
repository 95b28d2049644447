#!/bin/sh
# Install the Debian 12 packages weighgate's build, tests and demo need,
# when any is missing (apt-get, through sudo when not root).
set -eu

PKGS="gcc make pkg-config libevent-dev libmodbus-dev libsqlite3-dev
libcurl4-openssl-dev libcjson-dev libinih-dev check libssl-dev sqlite3
socat clang libclang-rt-14-dev openssl curl python3
chromium fonts-noto-cjk
systemd groff-base
python3-pymodbus python3-serial python3-serial-asyncio"

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: not a Debian system; install the equivalents of: $(echo $PKGS)" >&2
	exit 0
fi

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || missing="$missing $p"
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
