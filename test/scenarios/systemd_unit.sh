#!/bin/bash
# The systemd unit (docs/design.md §11, issue 6): systemd/weighgate.service, with the
# paths `make install` would put in, passes `systemd-analyze verify` without
# a single complaint (the programs it runs exist, its man pages are found,
# every key is known) and `systemd-analyze security --offline=true` rates its
# exposure at 2.0 or less; the promises of the unit are in it (Type=notify,
# a watchdog, restart on failure but not on a configuration error, the
# unprivileged user, the state and configuration directories, serial ports
# through DeviceAllow= rather than hidden by PrivateDevices=).
# Skips (exit 0, "SKIP: ...") only where systemd-analyze cannot run.
. "$(dirname "$0")/lib.inc"

MAX_EXPOSURE=2.0

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze is not installed (Debian package systemd)"
	exit 0
fi
if ! systemd-analyze --version >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze does not run here"
	exit 0
fi
[ -x "$WG_BIN/weighgated" ] || fail "no $WG_BIN/weighgated: build first"

UNIT_SRC="$ROOT/systemd/weighgate.service"
[ -f "$UNIT_SRC" ] || fail "no $UNIT_SRC"

# The unit as installed with BINDIR=$WG_BIN, so that ExecStart= names a
# program that exists; its man pages where man finds them.
mkdir -p "$WORK/unit" "$WORK/man/man1" "$WORK/man/man5" "$WORK/man/man8"
UNIT="$WORK/unit/weighgate.service"
sed -e "s|@BINDIR@|$WG_BIN|g" -e 's|@SYSCONFDIR@|/etc|g' "$UNIT_SRC" >"$UNIT"
grep -q '@[A-Z]*@' "$UNIT" && fail "a placeholder left in the unit: $(grep '@[A-Z]*@' "$UNIT")"
cp "$ROOT/man/weighgate.1" "$WORK/man/man1/"
cp "$ROOT/man/weighgate.conf.5" "$WORK/man/man5/"
cp "$ROOT/man/weighgated.8" "$WORK/man/man8/"

# verify: exit 0 is not enough (unknown keys are only warned about); any
# output is a failure.
out=$(MANPATH="$WORK/man" systemd-analyze verify "$UNIT" 2>&1) ||
	fail "systemd-analyze verify failed: $out"
[ -z "$out" ] || fail "systemd-analyze verify complained: $out"
echo "systemd-analyze verify: clean"

# verify must be able to fail here: a unit naming a missing program does.
sed -e "s|^ExecStart=$WG_BIN/weighgated|ExecStart=$WORK/nonexistent/weighgated|" \
	"$UNIT" >"$WORK/unit/broken.service"
out=$(MANPATH="$WORK/man" systemd-analyze verify "$WORK/unit/broken.service" 2>&1) &&
	[ -z "$out" ] && fail "verify accepted a unit whose ExecStart= does not exist"

# security: the overall exposure, printed, at most MAX_EXPOSURE.
sec=$(systemd-analyze security --offline=true "$UNIT" 2>&1) ||
	fail "systemd-analyze security failed: $sec"
figure=$(printf '%s\n' "$sec" |
	sed -n 's/.*Overall exposure level for weighgate\.service: \([0-9.]*\).*/\1/p')
[ -n "$figure" ] || fail "no exposure figure in: $sec"
echo "systemd-analyze security --offline=true: exposure $figure (bound $MAX_EXPOSURE)"
printf '%s\n' "$sec" | grep '✗' || true
awk -v f="$figure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(f <= m) }' ||
	fail "exposure $figure above $MAX_EXPOSURE"
# The same bound through systemd-analyze's own threshold (tenths).
systemd-analyze security --offline=true --threshold=20 "$UNIT" >/dev/null 2>&1 ||
	fail "systemd-analyze security --threshold=20 refused the unit"

# What the unit promises, line by line.
has() {
	grep -qxE "$1" "$UNIT" || fail "the unit lacks a line matching: $1"
}
lacks() {
	! grep -qxE "$1" "$UNIT" || fail "the unit has a line matching: $1"
}
has 'Type=notify'
has 'NotifyAccess=main'
has "ExecStart=$WG_BIN/weighgated -c /etc/weighgate/weighgate.conf"
has "ExecReload=$WG_BIN/weighgated -c /etc/weighgate/weighgate.conf --check"
has 'ExecReload=/bin/kill -HUP \$MAINPID'
has 'WatchdogSec=[1-9][0-9]*s'
has 'Restart=on-failure'
has 'RestartPreventExitStatus=78'
has 'User=weighgate'
has 'Group=weighgate'
has 'StateDirectory=weighgate'
has 'ConfigurationDirectory=weighgate'
has 'DevicePolicy=closed'
has 'DeviceAllow=char-ttyS rw'
has 'DeviceAllow=char-ttyUSB rw'
has 'SupplementaryGroups=dialout'
has 'NoNewPrivileges=yes'
has 'ProtectSystem=strict'
has 'CapabilityBoundingSet='
has 'SystemCallFilter=@system-service'
has 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'
lacks 'PrivateDevices=(yes|true|1|on)'
lacks 'Type=forking'

# The configuration the unit names is the one the daemon accepts: the
# example shipped for /etc/weighgate passes the --check that ExecReload runs.
"$WG_BIN/weighgated" -c "$ROOT/conf/weighgate.conf" --check >/dev/null ||
	fail "conf/weighgate.conf does not pass weighgated --check"

echo "PASS: unit verified, exposure $figure"
