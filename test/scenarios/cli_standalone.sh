#!/bin/bash
# Every program stands alone for a newcomer (docs/design.md §2, §3): each
# of weighgated, weighgate, weighgate-sim and weighgate-platform answers
# --help on standard output and --version with exit 0, and a bad option
# with exit 2; weighgated --check on the shipped example names a CA file
# that is missing (FILE:LINE, exit 78) and the nearest key to a misspelt
# one; device addresses in URL forms (tcp://[::1]:502, TCP://, a trailing
# slash) pass; on a terminal no log line carries a "<N>" priority prefix.
. "$(dirname "$0")/lib.inc"

VERSION=$(sed -n 's/.*WEIGHGATE_VERSION "\(.*\)".*/\1/p' "$ROOT/include/weighgate/version.h")
[ -n "$VERSION" ] || fail "no WEIGHGATE_VERSION in version.h"
for p in weighgated weighgate weighgate-sim weighgate-platform; do
	rc=0; "$WG_BIN/$p" --help >"$WORK/help.out" 2>"$WORK/help.err" || rc=$?
	[ $rc = 0 ] || fail "$p --help: exit $rc ($(head -n 1 "$WORK/help.err"))"
	grep -q "^usage: $p " "$WORK/help.out" || fail "$p --help: no usage on standard output"
	grep -q -- '--version' "$WORK/help.out" || fail "$p --help does not mention --version"
	rc=0; "$WG_BIN/$p" --version >"$WORK/version.out" 2>&1 || rc=$?
	[ $rc = 0 ] || fail "$p --version: exit $rc"
	[ "$(cat "$WORK/version.out")" = "$p $VERSION" ] ||
		fail "$p --version says '$(cat "$WORK/version.out")'"
	rc=0; "$WG_BIN/$p" --no-such-option >/dev/null 2>&1 || rc=$?
	[ $rc = 2 ] || fail "$p --no-such-option: exit $rc, not 2"
done
for c in replay status lists override; do
	rc=0; "$WG_BIN/weighgate" $c --help >/dev/null 2>&1 || rc=$?
	[ $rc = 0 ] || fail "weighgate $c --help: exit $rc"
done
[ -f "$ROOT/man/weighgate-sim.1" ] && [ -f "$ROOT/man/weighgate-platform.1" ] ||
	fail "weighgate-sim(1) or weighgate-platform(1) missing"

# --check on the shipped example with a CA file that does not exist
CA=$WORK/no-such-ca.pem
sed "s|^; ca_file = .*|ca_file = $CA|" "$ROOT/conf/weighgate.conf" >"$WORK/ca.conf"
line=$(grep -n "^ca_file = " "$WORK/ca.conf" | cut -d: -f1)
[ -n "$line" ] || fail "no ca_file line to uncomment in conf/weighgate.conf"
rc=0; "$WG_BIN/weighgated" -c "$WORK/ca.conf" --check >"$WORK/check.out" 2>&1 || rc=$?
[ $rc = 78 ] || fail "--check with a missing CA file: exit $rc ($(cat "$WORK/check.out"))"
grep -qF "$WORK/ca.conf:$line: [platform] ca_file $CA: No such file or directory" "$WORK/check.out" ||
	fail "--check with a missing CA file says: $(cat "$WORK/check.out")"
printf 'ca\n' >"$CA"
chmod 0644 "$CA"
"$WG_BIN/weighgated" -c "$WORK/ca.conf" --check >"$WORK/check.out" 2>&1 ||
	fail "--check with the CA file present: $(cat "$WORK/check.out")"

# a misspelt key: the nearest one is named
sed 's/^max_retries = /max_retrys = /' "$ROOT/conf/weighgate.conf" >"$WORK/typo.conf"
rc=0; "$WG_BIN/weighgated" -c "$WORK/typo.conf" --check >"$WORK/check.out" 2>&1 || rc=$?
[ $rc = 78 ] || fail "max_retrys: exit $rc"
grep -q "typo.conf:[0-9]*: \[rules\] max_retrys: unknown key; did you mean max_retries?" "$WORK/check.out" ||
	fail "max_retrys: $(cat "$WORK/check.out")"

# device addresses as URLs
sed -e 's|^scale = tcp://[^ ]*|scale = tcp://[::1]:502?unit=1|' \
    -e 's|^io = tcp://[^ ]*|io = TCP://192.168.10.22:502/?unit=1|' \
    "$ROOT/conf/weighgate.conf" >"$WORK/url.conf"
grep -q '^scale = tcp://\[::1\]' "$WORK/url.conf" || fail "no scale line to rewrite"
"$WG_BIN/weighgated" -c "$WORK/url.conf" --check >"$WORK/check.out" 2>&1 ||
	fail "URL forms of device addresses refused: $(cat "$WORK/check.out")"

# on a terminal: no "<N>" prefix, the program's name instead
sed 's/^max_retries = /max_retrys = /' "$ROOT/conf/weighgate.conf" >"$WORK/typo.conf"
env -u JOURNAL_STREAM script -qec "'$WG_BIN/weighgated' -c '$WORK/typo.conf'" /dev/null \
	>"$WORK/tty.out" 2>&1 || true
grep -q "^weighgated: $WORK/typo.conf:[0-9]*: .*did you mean max_retries?" "$WORK/tty.out" ||
	fail "on a terminal: $(cat "$WORK/tty.out")"
! grep -q '<[0-9]>' "$WORK/tty.out" || fail "a priority prefix on a terminal: $(cat "$WORK/tty.out")"

echo "cli_standalone: ok"
