#!/bin/bash
# `make install` (issue 6): with PREFIX=/usr and a DESTDIR it lays out a tree
# a package could ship: the four programs in /usr/bin, the unit naming
# them, sysusers.d, the five man pages, the docs and the example
# configuration in /etc/weighgate; every file with a sane mode and owned by
# whoever installed (no chown); a changed /etc/weighgate/weighgate.conf
# survives a second install; with the default-style PREFIX=/usr/local the
# unit follows the prefix.  The man pages render without a warning and
# describe every configuration key of src/config.c; the installed sysusers
# file makes a system user without a login shell; the installed unit passes
# systemd-analyze verify against the installed programs and man pages.
# Uses the programs already built in WG_BIN (make -o all: nothing is built).
. "$(dirname "$0")/lib.inc"

for p in weighgated weighgate weighgate-sim weighgate-platform; do
	[ -x "$WG_BIN/$p" ] || fail "no $WG_BIN/$p: build first"
done

# install DESTDIR PREFIX: make install from the built programs (without
# the flags of a make that may be running this test).
install_into() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$ROOT" -o all install B="$WG_BIN" DESTDIR="$1" PREFIX="$2" \
		>>"$WORK/install.log" 2>&1 || fail "make install DESTDIR=$1 PREFIX=$2 failed: $(cat "$WORK/install.log")"
}

# mode_is FILE MODE: the file exists with exactly this mode.
mode_is() {
	[ -f "$1" ] || fail "not installed: ${1#"$D"}"
	local m
	m=$(stat -c %a "$1")
	[ "$m" = "$2" ] || fail "${1#"$D"}: mode $m, expected $2"
}

D="$WORK/root"
install_into "$D" /usr

for p in weighgated weighgate weighgate-sim weighgate-platform; do
	mode_is "$D/usr/bin/$p" 755
	cmp -s "$D/usr/bin/$p" "$WG_BIN/$p" || fail "/usr/bin/$p differs from the build"
done
mode_is "$D/usr/lib/systemd/system/weighgate.service" 644
mode_is "$D/usr/lib/sysusers.d/weighgate.conf" 644
mode_is "$D/usr/share/man/man1/weighgate.1" 644
mode_is "$D/usr/share/man/man1/weighgate-sim.1" 644
mode_is "$D/usr/share/man/man1/weighgate-platform.1" 644
mode_is "$D/usr/share/man/man5/weighgate.conf.5" 644
mode_is "$D/usr/share/man/man8/weighgated.8" 644
for f in README.md operations.md lane.md replay.md sync-protocol.md simulator.md \
    weighgate.conf.example; do
	mode_is "$D/usr/share/doc/weighgate/$f" 644
done
mode_is "$D/etc/weighgate/weighgate.conf" 644
cmp -s "$D/etc/weighgate/weighgate.conf" "$ROOT/conf/weighgate.conf" ||
	fail "/etc/weighgate/weighgate.conf is not conf/weighgate.conf"

# Nothing else, nothing writable by others, nothing set-id, all owned by the
# installer.
bad=$(find "$D" \( -perm -o+w -o -perm -g+w -o -perm -4000 -o -perm -2000 \
	-o ! -user "$(id -u)" \) -print)
[ -z "$bad" ] || fail "bad ownership or modes: $bad"
unexpected=$(cd "$D" && find . -type f | sed 's|^\./||' | grep -vE \
	'^(usr/bin/weighgate(d|-sim|-platform)?|usr/lib/systemd/system/weighgate\.service|usr/lib/sysusers\.d/weighgate\.conf|usr/share/man/man[158]/weighgate(d\.8|\.1|-sim\.1|-platform\.1|\.conf\.5|-profiles\.5)|usr/share/doc/weighgate/[^/]+|usr/share/weighgate/profiles/[^/]+\.profile|etc/weighgate/weighgate\.conf)$' || true)
[ -z "$unexpected" ] || fail "unexpected files installed: $unexpected"

# The unit names the installed paths.
U="$D/usr/lib/systemd/system/weighgate.service"
grep -q '@[A-Z]*@' "$U" && fail "a placeholder left in the installed unit"
grep -qx 'ExecStart=/usr/bin/weighgated -c /etc/weighgate/weighgate.conf' "$U" ||
	fail "installed unit: $(grep '^Exec' "$U")"

# A second install keeps a changed configuration, refreshes the example.
printf '; changed on site\n' >>"$D/etc/weighgate/weighgate.conf"
printf 'stale\n' >"$D/usr/share/doc/weighgate/weighgate.conf.example"
install_into "$D" /usr
tail -n 1 "$D/etc/weighgate/weighgate.conf" | grep -qx '; changed on site' ||
	fail "a second make install overwrote /etc/weighgate/weighgate.conf"
cmp -s "$D/usr/share/doc/weighgate/weighgate.conf.example" "$ROOT/conf/weighgate.conf" ||
	fail "the example was not refreshed by the second install"

# The installed example is a configuration the installed daemon accepts.
"$D/usr/bin/weighgated" -c "$D/usr/share/doc/weighgate/weighgate.conf.example" \
	--check >/dev/null || fail "the installed example fails weighgated --check"

# PREFIX=/usr/local: programs, unit and sysusers follow the prefix; the
# configuration stays in /etc.
L="$WORK/local"
install_into "$L" /usr/local
[ -x "$L/usr/local/bin/weighgated" ] || fail "PREFIX=/usr/local: no usr/local/bin/weighgated"
grep -qx 'ExecStart=/usr/local/bin/weighgated -c /etc/weighgate/weighgate.conf' \
	"$L/usr/local/lib/systemd/system/weighgate.service" ||
	fail "PREFIX=/usr/local: unit $(grep '^ExecStart' "$L/usr/local/lib/systemd/system/weighgate.service")"
[ -f "$L/usr/local/lib/sysusers.d/weighgate.conf" ] || fail "PREFIX=/usr/local: no sysusers.d"
[ -f "$L/usr/local/share/man/man8/weighgated.8" ] || fail "PREFIX=/usr/local: no man page"
[ -f "$L/etc/weighgate/weighgate.conf" ] || fail "PREFIX=/usr/local: no /etc/weighgate/weighgate.conf"

# As a user who is not root (no chown anywhere), where this runs as root.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
    setpriv --reuid=65534 --regid=65534 --clear-groups \
	test -r "$ROOT/Makefile" -a -r "$WG_BIN/weighgated"; then
	N="$WORK/nobody"
	chmod 0711 "$WORK"
	mkdir -p "$N" && chown 65534:65534 "$N"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$ROOT" -o all install B="$WG_BIN" DESTDIR="$N/root" PREFIX=/usr \
		>"$WORK/nobody.log" 2>&1 || fail "make install as an unprivileged user: $(cat "$WORK/nobody.log")"
	[ -x "$N/root/usr/bin/weighgated" ] || fail "unprivileged install: no weighgated"
	echo "unprivileged install: ok"
fi

# The man pages render without a warning (man's own pipeline: preconv,
# tbl, groff with every warning on), and man-db can read their NAME lines.
for m in man1/weighgate.1 man1/weighgate-sim.1 man1/weighgate-platform.1 \
    man5/weighgate.conf.5 man5/weighgate-profiles.5 man8/weighgated.8; do
	f="$D/usr/share/man/$m"
	warn=$(preconv "$f" | tbl | groff -man -Tutf8 -ww -z 2>&1) ||
		fail "$m does not render: $warn"
	[ -z "$warn" ] || fail "$m renders with warnings: $warn"
	if command -v lexgrog >/dev/null 2>&1; then
		lexgrog "$f" >/dev/null || fail "$m: man-db cannot parse its NAME section"
	fi
	if command -v mandoc >/dev/null 2>&1; then
		lint=$(mandoc -Tlint -Wwarning "$f" 2>&1 || true)
		[ -z "$lint" ] || fail "$m: mandoc: $lint"
	fi
done
echo "man pages: render without warnings"

# keys_described PAGE SOURCE PATTERN: the man page PAGE (under man5) describes
# every key that PATTERN finds in the key table of SOURCE: the terms of its
# .TP entries and the rows of its tables, word by word.
keys_described() {
	local keys k
	keys=$(grep -oE "$3" "$ROOT/$2" | sed 's/.*"\(.*\)"/\1/')
	[ "$(printf '%s\n' "$keys" | wc -l)" -ge 40 ] || fail "could not read the key table of $2"
	awk '/^\.TP/ { t = 1; next } t { print; t = 0 } /^\.TS/ { tb = 1 } /^\.TE/ { tb = 0 } tb' \
		"$D/usr/share/man/man5/$1" |
		sed -e 's/\\f[BIRP]//g' -e 's/^\.[A-Z]* //' -e 's/"//g' | tr -s ' \t,' '\n\n' \
		>"$WORK/terms"
	for k in $keys; do
		grep -qxF "$k" "$WORK/terms" || fail "$1 does not describe the key '$k'"
	done
	echo "$1: all $(printf '%s\n' "$keys" | wc -l) keys described"
}
keys_described weighgate.conf.5 src/config.c 'K_[A-Z]+\(S_[A-Z]+, "[^"]+"'
keys_described weighgate-profiles.5 src/profile_parse.c 'K[IEBX]\(S_[A-Z]+, "[^"]+"'
for f in "$ROOT"/profiles/*.profile; do
	mode_is "$D/usr/share/weighgate/profiles/$(basename "$f")" 644
done
echo "shipped profiles installed"

# The installed sysusers.d file makes the service's user: a system user
# without a login shell.
if command -v systemd-sysusers >/dev/null 2>&1; then
	S="$WORK/sysroot"
	mkdir -p "$S/etc"
	systemd-sysusers --root="$S" "$D/usr/lib/sysusers.d/weighgate.conf" >/dev/null 2>&1 ||
		fail "systemd-sysusers refused the installed sysusers.d file"
	line=$(grep '^weighgate:' "$S/etc/passwd") || fail "sysusers made no weighgate user"
	uid=$(echo "$line" | cut -d: -f3)
	shell=$(echo "$line" | cut -d: -f7)
	[ "$uid" -gt 0 ] && [ "$uid" -lt 1000 ] || fail "weighgate uid $uid is not a system uid"
	case $shell in */nologin|/bin/false) ;; *) fail "weighgate has a login shell: $shell" ;; esac
	grep -q '^weighgate:' "$S/etc/group" || fail "sysusers made no weighgate group"
	echo "sysusers: $line"
else
	echo "note: systemd-sysusers not installed; sysusers.d file not exercised"
fi

# The installed unit against the installed programs and man pages.
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|=/usr/bin/|=$D/usr/bin/|" "$U" >"$WORK/weighgate.service"
	out=$(MANPATH="$D/usr/share/man" systemd-analyze verify "$WORK/weighgate.service" 2>&1) ||
		fail "verify of the installed unit: $out"
	[ -z "$out" ] || fail "verify of the installed unit: $out"
	echo "installed unit: systemd-analyze verify clean"
else
	echo "note: systemd-analyze not installed; the installed unit is checked by systemd_unit.sh only"
fi

echo "PASS: install tree"
(cd "$D" && find . -type f | sort)
