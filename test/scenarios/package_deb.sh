#!/bin/bash
# test: solo
# The Debian packages (debian/, docs/operations.md §1.9 "From the Debian
# packages"): dpkg-buildpackage builds weighgate and weighgate-tools in
# a copy of the tree (nothing is left in the repository), lintian finds no
# error and no warning that debian/*.lintian-overrides does not explain;
# installed as root the packages put every file in place with its mode,
# make the system user, and neither enable (no *.wants/ link) nor start the
# service; an upgrade to a second version (repacked with dpkg-deb, its
# shipped configuration changed) keeps the edited /etc/weighgate/weighgate.conf;
# remove keeps the store; purge keeps a store that holds events the platform
# has not received and says so, deletes one that holds none, and keeps one
# it cannot judge (sqlite3 gone and the store changed since the removal).
# At the end the machine is as it was: packages purged, the user, the group,
# /etc/weighgate and /var/lib/weighgate gone if the test made them.
# Runs alone (it builds).  Skips (exit 0, "SKIP: ...") only where
# dpkg-buildpackage cannot run, or where a weighgate installation is already
# on this machine (the test would change it).
. "$(dirname "$0")/lib.inc"

if [ ! -f /etc/debian_version ] || ! command -v dpkg-buildpackage >/dev/null 2>&1; then
	echo "SKIP: not a Debian system with dpkg-buildpackage (package dpkg-dev)"
	exit 0
fi
if [ "$(id -u)" = 0 ]; then
	SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO=(sudo -n)
else
	echo "SKIP: the packages must be installed as root: not root, and no sudo without a password"
	exit 0
fi
[ -f "$ROOT/debian/control" ] && [ -x "$ROOT/debian/rules" ] ||
	fail "no debian/control and debian/rules: the tree has no Debian packaging"
unmet=$(cd "$ROOT" && dpkg-checkbuilddeps -Pnocheck 2>&1) || {
	echo "SKIP: dpkg-buildpackage cannot run: $unmet (make deps installs them)"
	exit 0
}
for p in weighgate weighgate-tools; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	if [ -n "$st" ] && [ "$st" != not-installed ]; then
		echo "SKIP: the package $p is on this machine ($st); the test would change it"
		exit 0
	fi
done
for d in /etc/weighgate /var/lib/weighgate; do
	if [ -e "$d" ]; then
		echo "SKIP: $d exists on this machine; the test would change it"
		exit 0
	fi
done

T0=$(date +%s)
# say MESSAGE: a finding, with the seconds since the test began.
say() {
	echo "[$(($(date +%s) - T0)) s] $*"
}

# as_root CMD...: run as root.
as_root() {
	"${SUDO[@]}" "$@"
}

# pkg LOG ARGS...: dpkg as root, output to $WORK/LOG; waits (bounded) while
# another dpkg or apt holds the lock.  Triggers (man-db's index, seconds
# each time) wait for the end of the test, where restore_machine runs them.
pkg() {
	local log="$WORK/$1" rc end; shift
	end=$(($(date +%s) + 120))
	while :; do
		rc=0
		as_root env DEBIAN_FRONTEND=noninteractive dpkg --no-triggers "$@" </dev/null >"$log" 2>&1 || rc=$?
		[ $rc -ne 0 ] && grep -q 'lock' "$log" && [ "$(date +%s)" -lt "$end" ] || break
		sleep 1
	done
	return $rc
}

# status PKG: dpkg's state of PKG (installed, config-files, not-installed).
status() {
	local st
	st=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)
	echo "${st:-not-installed}"
}

# The machine before: whatever the test makes is undone at the end.
user_existed=0
getent passwd weighgate >/dev/null && user_existed=1
group_existed=0
getent group weighgate >/dev/null && group_existed=1
accounts() {
	as_root sha256sum /etc/passwd /etc/group /etc/shadow /etc/gshadow 2>/dev/null || true
}
units() {
	as_root find /etc/systemd /var/lib/systemd -name '*weighgate*' 2>/dev/null | sort || true
}
ACCOUNTS_BEFORE=$(accounts)
UNITS_BEFORE=$(units)

restored=0
restore_machine() {
	local p
	[ "$restored" = 1 ] && return 0
	restored=1
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in weighgate-tools weighgate; do
		if [ "$(status "$p")" != not-installed ]; then
			as_root dpkg --no-triggers --purge "$p" </dev/null >>"$WORK/restore.log" 2>&1 || true
		fi
	done
	# the triggers the test's dpkg runs left pending (man-db: our man pages)
	if [ "$(dpkg-query -W -f='${db:Status-Status}' man-db 2>/dev/null || true)" = triggers-pending ]; then
		as_root dpkg --triggers-only man-db </dev/null >>"$WORK/restore.log" 2>&1 || true
	fi
	# what the test made (both were absent at the start, or it skipped)
	as_root rm -rf /var/lib/weighgate /etc/weighgate
	if [ "$user_existed" = 0 ] && getent passwd weighgate >/dev/null; then
		as_root userdel weighgate >>"$WORK/restore.log" 2>&1 || true
	fi
	if [ "$group_existed" = 0 ] && getent group weighgate >/dev/null; then
		as_root groupdel weighgate >>"$WORK/restore.log" 2>&1 || true
	fi
}
trap 'restore_machine; cleanup' EXIT

VERSION=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
ARCH=$(dpkg --print-architecture)
PRODUCT=$(sed -n 's/^#define WEIGHGATE_VERSION "\(.*\)"$/\1/p' "$ROOT/include/weighgate/version.h")
[ "$VERSION" = "$PRODUCT" ] ||
	fail "debian/changelog is at $VERSION, include/weighgate/version.h at $PRODUCT"

# --- build, in a copy of the tree -------------------------------------------
SRC="$WORK/src/weighgate-$VERSION"
mkdir -p "$SRC"
tar -C "$ROOT" --exclude=./.git --exclude=./build --exclude='./build-*' -c . | tar -C "$SRC" -x
t0=$(date +%s)
(cd "$SRC" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	DEB_BUILD_OPTIONS="nocheck parallel=2 noautodbgsym" \
	dpkg-buildpackage -us -uc -b -Pnocheck) >"$WORK/build.log" 2>&1 ||
	fail "dpkg-buildpackage failed: $(tail -n 30 "$WORK/build.log")"
say "dpkg-buildpackage: $(($(date +%s) - t0)) s"
DEB="$WORK/src/weighgate_${VERSION}_$ARCH.deb"
TOOLS_DEB="$WORK/src/weighgate-tools_${VERSION}_$ARCH.deb"
CHANGES="$WORK/src/weighgate_${VERSION}_$ARCH.changes"
for f in "$DEB" "$TOOLS_DEB" "$CHANGES"; do
	[ -f "$f" ] || fail "not built: $(basename "$f") (in $(ls "$WORK/src"))"
done
for f in debian/tmp debian/weighgate debian/weighgate-tools debian/.debhelper \
    debian/files debian/debhelper-build-stamp debian/weighgate.substvars; do
	[ ! -e "$ROOT/$f" ] || fail "the build left $f in the repository"
done

if command -v lintian >/dev/null 2>&1; then
	t0=$(date +%s)
	lintian --fail-on error,warning "$CHANGES" >"$WORK/lintian.out" 2>&1 ||
		fail "lintian: $(cat "$WORK/lintian.out")"
	say "lintian: no error, no warning ($(grep -c '^[EWIPX]:' "$WORK/lintian.out" || true) tags shown, $(($(date +%s) - t0)) s)"
else
	echo "note: lintian is not installed; the packages are not linted"
fi

# --- the packages as built -------------------------------------------------
dpkg-deb -c "$DEB" >"$WORK/weighgate.list"
dpkg-deb -c "$TOOLS_DEB" >"$WORK/tools.list"
# has LIST MODE OWNER PATH: the package holds PATH with this mode and owner.
has() {
	awk -v m="$2" -v o="$3" -v p="./$4" '$1 == m && $2 == o && $6 == p { f = 1 } END { exit !f }' \
		"$WORK/$1" || fail "$1: no $2 $3 $4 in: $(cat "$WORK/$1")"
}
has weighgate.list -rwxr-xr-x root/root usr/bin/weighgated
has weighgate.list -rwxr-xr-x root/root usr/bin/weighgate
has weighgate.list -rw-r--r-- root/root lib/systemd/system/weighgate.service
has weighgate.list -rw-r--r-- root/root usr/lib/sysusers.d/weighgate.conf
has weighgate.list -rw-r--r-- root/root etc/weighgate/weighgate.conf
has weighgate.list -rw-r--r-- root/root usr/share/man/man1/weighgate.1.gz
has weighgate.list -rw-r--r-- root/root usr/share/man/man5/weighgate.conf.5.gz
has weighgate.list -rw-r--r-- root/root usr/share/man/man8/weighgated.8.gz
has weighgate.list -rw-r--r-- root/root usr/share/doc/weighgate/copyright
has weighgate.list -rw-r--r-- root/root usr/share/doc/weighgate/weighgate.conf.example
has weighgate.list -rw-r--r-- root/root usr/share/doc/weighgate/operations.md.gz
has tools.list -rwxr-xr-x root/root usr/bin/weighgate-sim
has tools.list -rwxr-xr-x root/root usr/bin/weighgate-platform
for p in weighgate-sim weighgate-platform; do
	if [ -f "$ROOT/man/$p.1" ]; then
		has tools.list -rw-r--r-- root/root "usr/share/man/man1/$p.1.gz"
	fi
done
if grep -q 'weighgate-sim\|weighgate-platform' "$WORK/weighgate.list"; then
	fail "the simulator or the platform is in the weighgate package"
fi
bad=$(awk '$1 ~ /^-/ && ($1 ~ /^-....w/ || $1 ~ /w.$/ || $1 ~ /[sS]/ || $2 != "root/root")' \
	"$WORK/weighgate.list" "$WORK/tools.list")
[ -z "$bad" ] || fail "files writable by group or others, set-id, or not root's: $bad"
if grep -q '\.wants/' "$WORK/weighgate.list"; then
	fail "the package ships a .wants/ link: $(grep '\.wants/' "$WORK/weighgate.list")"
fi
mkdir -p "$WORK/ctl"
dpkg-deb -e "$DEB" "$WORK/ctl"
[ "$(cat "$WORK/ctl/conffiles")" = /etc/weighgate/weighgate.conf ] ||
	fail "conffiles: $(cat "$WORK/ctl/conffiles")"
# Nothing in postinst starts the service or enables it (the one enable
# debhelper keeps is for a unit the admin had enabled before: it follows
# "was-enabled"); an upgrade restarts it only if it runs (try-restart).
awk '
	/was-enabled/ { guard = NR }
	/deb-systemd-helper +enable/ && !(guard && NR - guard <= 3) { print "enables: " $0; bad = 1 }
	/deb-systemd-invoke +(start|restart)|systemctl +[a-z -]*(start|enable)/ { print "starts: " $0; bad = 1 }
	END { exit bad }' "$WORK/ctl/postinst" >"$WORK/starts" ||
	fail "postinst: $(cat "$WORK/starts")"
grep -q 'try-restart' "$WORK/ctl/postinst" || fail "postinst does not restart a running service on upgrade"
grep -q 'systemctl --system daemon-reload' "$WORK/ctl/postinst" ||
	fail "postinst does not reload systemd"
grep -q 'systemd-sysusers' "$WORK/ctl/postinst" || fail "postinst does not run systemd-sysusers"

# --- install -----------------------------------------------------------------
pkg install.log -i "$DEB" "$TOOLS_DEB" >/dev/null || fail "dpkg -i: $(cat "$WORK/install.log")"
[ "$(status weighgate)" = installed ] || fail "weighgate: $(status weighgate)"
[ "$(status weighgate-tools)" = installed ] || fail "weighgate-tools: $(status weighgate-tools)"

# on_disk MODE OWNER PATH
on_disk() {
	local got
	got=$(as_root stat -c '%a %U:%G' "$3" 2>/dev/null) || fail "not installed: $3"
	[ "$got" = "$1 $2" ] || fail "$3: $got, expected $1 $2"
}
on_disk 755 root:root /usr/bin/weighgated
on_disk 755 root:root /usr/bin/weighgate
on_disk 755 root:root /usr/bin/weighgate-sim
on_disk 755 root:root /usr/bin/weighgate-platform
on_disk 644 root:root /lib/systemd/system/weighgate.service
on_disk 644 root:root /usr/lib/sysusers.d/weighgate.conf
on_disk 755 root:root /etc/weighgate
on_disk 644 root:root /etc/weighgate/weighgate.conf
on_disk 644 root:root /usr/share/man/man8/weighgated.8.gz
on_disk 750 weighgate:weighgate /var/lib/weighgate
cmp -s /etc/weighgate/weighgate.conf "$ROOT/conf/weighgate.conf" ||
	fail "/etc/weighgate/weighgate.conf is not conf/weighgate.conf"
grep -qx 'ExecStart=/usr/bin/weighgated -c /etc/weighgate/weighgate.conf' \
	/lib/systemd/system/weighgate.service || fail "installed unit: $(grep '^Exec' /lib/systemd/system/weighgate.service)"

line=$(getent passwd weighgate) || fail "no user weighgate after the install"
uid=$(echo "$line" | cut -d: -f3)
[ "$uid" -gt 0 ] && [ "$uid" -lt 1000 ] || fail "weighgate uid $uid is not a system uid"
case $(echo "$line" | cut -d: -f7) in
*/nologin | /bin/false) ;;
*) fail "weighgate has a login shell: $line" ;;
esac
getent group weighgate >/dev/null || fail "no group weighgate after the install"
say "user: $line"

# not_enabled_not_started WHEN: no link to the unit in /etc/systemd (no
# *.wants/), no weighgated running from /usr/bin, and where systemd runs,
# systemctl agrees.
not_enabled_not_started() {
	local links running
	links=$(as_root find /etc/systemd -name 'weighgate.service' 2>/dev/null || true)
	[ -z "$links" ] || fail "$1: the unit is enabled: $links"
	running=$(as_root find /proc -mindepth 2 -maxdepth 2 -name exe \
		-lname '/usr/bin/weighgated*' 2>/dev/null || true)
	[ -z "$running" ] || fail "$1: weighgated is running: $running"
	if [ -d /run/systemd/system ]; then
		[ "$(systemctl is-enabled weighgate.service 2>/dev/null || true)" = disabled ] ||
			fail "$1: systemctl is-enabled: $(systemctl is-enabled weighgate.service 2>&1)"
		! systemctl --quiet is-active weighgate.service ||
			fail "$1: the service is active"
	fi
}
not_enabled_not_started "after the install"
/usr/bin/weighgated -c /etc/weighgate/weighgate.conf --check >/dev/null ||
	fail "the installed daemon refuses the installed configuration"
/usr/bin/weighgate-sim --generate 1 --seed 1 | grep -q . || fail "the installed simulator does not run"
say "installed: files, modes, user; unit neither enabled nor started"

# --- a store with events the platform has not received ----------------------
# The installed daemon, as the service user, on devices that do not answer:
# its startup event is in the store, unsynced (no platform).
chmod 0711 "$WORK"
mkdir -m 0755 "$WORK/run"
cat >"$WORK/run/weighgate.conf" <<CONF
[controller]
id = PKG-TEST-01
db = /var/lib/weighgate/weighgate.db
status_listen = 127.0.0.1:$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

[rules]
scale_class = 2

[lane L01]
scale = tcp://127.0.0.1:9?unit=1
io = tcp://127.0.0.1:9?unit=2
led = tcp://127.0.0.1:9?unit=3
CONF
chmod 0644 "$WORK/run/weighgate.conf"

# wsql DB QUERY: sqlite3 on a store, as the service user.
wsql() {
	as_root setpriv --reuid=weighgate --regid=weighgate --clear-groups \
		sqlite3 -batch -noheader -cmd '.timeout 5000' "$1" "$2"
}
DB=/var/lib/weighgate/weighgate.db
store_has_events() {
	as_root test -f "$DB" && [ "$(wsql "$DB" 'SELECT count(*) FROM events' 2>/dev/null || echo 0)" -ge 1 ]
}
make_store() {
	"${SUDO[@]}" setpriv --reuid=weighgate --regid=weighgate --init-groups \
		/usr/bin/weighgated -c "$WORK/run/weighgate.conf" >>"$WORK/weighgated.log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	wait_for 20 "the daemon's startup event" store_has_events
	stop_pid "$pid" || fail "the daemon did not stop cleanly"
}
make_store
UNSYNCED=$(wsql "$DB" 'SELECT count(*) FROM events WHERE state = 0')
[ "$UNSYNCED" -ge 1 ] || fail "no unsynced event in the store"
STORE_SUM=$(as_root sha256sum "$DB")
say "store: $UNSYNCED unsynced event(s)"

# --- upgrade: a second version, its shipped configuration changed ------------
printf '; edited on site\n' | as_root tee -a /etc/weighgate/weighgate.conf >/dev/null
V2="$VERSION+pkgtest2"
as_root rm -rf "$WORK/v2"
as_root dpkg-deb -R "$DEB" "$WORK/v2"
as_root sed -i "s/^Version: .*/Version: $V2/" "$WORK/v2/DEBIAN/control"
for f in etc/weighgate/weighgate.conf usr/share/doc/weighgate/weighgate.conf.example; do
	printf '; a line of version %s\n' "$V2" | as_root tee -a "$WORK/v2/$f" >/dev/null
done
(cd "$WORK/v2" && as_root find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
	as_root xargs -0 md5sum) | as_root tee "$WORK/v2/DEBIAN/md5sums" >/dev/null
as_root dpkg-deb --root-owner-group -b "$WORK/v2" "$WORK/weighgate_${V2}_$ARCH.deb" >/dev/null ||
	fail "dpkg-deb -b of the second version failed"
pkg upgrade.log --force-confold -i "$WORK/weighgate_${V2}_$ARCH.deb" >/dev/null ||
	fail "upgrade: $(cat "$WORK/upgrade.log")"
[ "$(dpkg-query -W -f='${Version}' weighgate)" = "$V2" ] ||
	fail "after the upgrade weighgate is at $(dpkg-query -W -f='${Version}' weighgate)"
tail -n 1 /etc/weighgate/weighgate.conf | grep -qx '; edited on site' ||
	fail "the upgrade replaced the edited /etc/weighgate/weighgate.conf: $(tail -n 2 /etc/weighgate/weighgate.conf)"
grep -q "a line of version $V2" /etc/weighgate/weighgate.conf.dpkg-dist 2>/dev/null ||
	fail "the new version's configuration is not beside it as weighgate.conf.dpkg-dist"
grep -q "a line of version $V2" /usr/share/doc/weighgate/weighgate.conf.example ||
	fail "the upgrade did not refresh the example"
[ "$(getent passwd weighgate | cut -d: -f3)" = "$uid" ] || fail "the upgrade changed the uid"
[ "$(as_root sha256sum "$DB")" = "$STORE_SUM" ] || fail "the upgrade changed the store"
not_enabled_not_started "after the upgrade"
say "upgrade to $V2: edited configuration kept, the new one in weighgate.conf.dpkg-dist"

# --- remove: the store stays -------------------------------------------------
pkg remove.log -r weighgate weighgate-tools >/dev/null || fail "dpkg -r: $(cat "$WORK/remove.log")"
[ "$(status weighgate)" = config-files ] || fail "after remove weighgate is $(status weighgate)"
[ "$(status weighgate-tools)" = config-files ] || [ "$(status weighgate-tools)" = not-installed ] ||
	fail "after remove weighgate-tools is $(status weighgate-tools)"
for f in /usr/bin/weighgated /usr/bin/weighgate /usr/bin/weighgate-sim /lib/systemd/system/weighgate.service; do
	[ ! -e "$f" ] || fail "remove left $f"
done
[ -f /etc/weighgate/weighgate.conf ] || fail "remove deleted the configuration"
[ "$(as_root sha256sum "$DB")" = "$STORE_SUM" ] || fail "remove changed or deleted the store"
grep -qF "$DB holds $UNSYNCED event(s) the platform has not received" "$WORK/remove.log" ||
	fail "remove did not say the store holds unsynced events: $(cat "$WORK/remove.log")"

# --- purge with unsynced events: the store is kept, and the purge says so ----
pkg purge1.log -P weighgate weighgate-tools >/dev/null || fail "dpkg -P: $(cat "$WORK/purge1.log")"
[ "$(status weighgate)" = not-installed ] || fail "after purge weighgate is $(status weighgate)"
[ ! -e /etc/weighgate ] || fail "purge left /etc/weighgate: $(ls -A /etc/weighgate)"
[ "$(as_root sha256sum "$DB")" = "$STORE_SUM" ] || fail "purge deleted a store holding unsynced events"
grep -qF "kept $DB: it holds $UNSYNCED event(s) the platform has not received" "$WORK/purge1.log" ||
	fail "purge did not say why the store is kept: $(cat "$WORK/purge1.log")"
say "purge with $UNSYNCED unsynced event(s): store kept: $(grep 'kept' "$WORK/purge1.log")"

# --- purge with every event synced: the store and its directory go -----------
pkg install2.log -i "$DEB" >/dev/null || fail "second install: $(cat "$WORK/install2.log")"
on_disk 750 weighgate:weighgate /var/lib/weighgate
wsql "$DB" 'UPDATE events SET state = 1, synced_ms = 1' || fail "cannot mark the events synced"
pkg purge2.log -P weighgate >/dev/null || fail "dpkg -P: $(cat "$WORK/purge2.log")"
[ ! -e /var/lib/weighgate ] || fail "purge kept a store with every event synced: $(as_root ls -A /var/lib/weighgate); $(cat "$WORK/purge2.log")"
say "purge with every event synced: /var/lib/weighgate deleted"

# --- purge after sqlite3 went: the count of the removal, if still true -------
# sqlite3 hidden (a private mount namespace binds /dev/null on it) for the
# purge only: an unchanged store counted clean at removal is deleted; one
# changed since is kept.
SQLITE3=$(command -v sqlite3)
if as_root unshare -m sh -c "mount --bind /dev/null $SQLITE3 && ! command -v sqlite3" >/dev/null 2>&1; then
	pkg install3.log -i "$DEB" >/dev/null || fail "third install: $(cat "$WORK/install3.log")"
	make_store
	wsql "$DB" 'UPDATE events SET state = 1, synced_ms = 1' || fail "cannot mark the events synced"
	as_root setpriv --reuid=weighgate --regid=weighgate --clear-groups cp -p "$DB" /var/lib/weighgate/copy.db
	pkg remove3.log -r weighgate >/dev/null || fail "dpkg -r: $(cat "$WORK/remove3.log")"
	# after the removal, an event of the copy is unsynced again
	wsql /var/lib/weighgate/copy.db 'UPDATE events SET state = 0 WHERE seq = 1'
	as_root unshare -m sh -c "mount --bind /dev/null $SQLITE3 &&
		DEBIAN_FRONTEND=noninteractive dpkg --no-triggers -P weighgate" </dev/null >"$WORK/purge3.log" 2>&1 ||
		fail "dpkg -P without sqlite3: $(cat "$WORK/purge3.log")"
	[ "$(status weighgate)" = not-installed ] || fail "after purge weighgate is $(status weighgate)"
	[ ! -e "$DB" ] || fail "purge without sqlite3 kept a store counted clean at removal: $(cat "$WORK/purge3.log")"
	[ -f /var/lib/weighgate/copy.db ] || fail "purge without sqlite3 deleted a store changed since the removal"
	grep -qF "kept /var/lib/weighgate/copy.db: cannot tell" "$WORK/purge3.log" ||
		fail "purge did not say why it kept the changed store: $(cat "$WORK/purge3.log")"
	say "purge without sqlite3: unchanged clean store deleted; changed one kept: $(grep kept "$WORK/purge3.log")"
else
	echo "note: no private mount namespace here; the purge without sqlite3 is not exercised"
fi

# --- the machine as it was ----------------------------------------------------
restore_machine
[ "$(status weighgate)" = not-installed ] || fail "weighgate left: $(status weighgate)"
[ "$(status weighgate-tools)" = not-installed ] || fail "weighgate-tools left: $(status weighgate-tools)"
for d in /etc/weighgate /var/lib/weighgate; do
	[ ! -e "$d" ] || fail "$d left behind"
done
[ "$(accounts)" = "$ACCOUNTS_BEFORE" ] || fail "the accounts differ from before: $(accounts)"
[ "$(units)" = "$UNITS_BEFORE" ] || fail "systemd state differs from before: $(units)"
say "PASS: packages built, linted, installed, upgraded, removed and purged; machine restored"
