#!/bin/bash
# A scale whose result takes several read requests per poll, publishing
# each vehicle between two of them (test/devices/cdab_torn_scale.py: the
# example CDAB layout, read through
# test/fixtures/profiles/example-cdab-scale.profile with group_gap = 0, so
# that the gross comes in a request before the status and the sequence).
# Each truck's first poll reads its sequence with the previous vehicle's
# gross (0, then the legal truck's 15 000 kg); the lane decides each truck
# on its own gross all the same (docs/devices.md "A result read in several
# requests"): the legal truck passes, the 30 t truck is turned back and the
# barrier never goes up for it.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/profile_lib.inc"

sed 's/^group_gap = 10$/group_gap = 0/' \
	"$ROOT/test/fixtures/profiles/example-cdab-scale.profile" >"$WORK/split.profile"
grep -q '^group_gap = 0$' "$WORK/split.profile" || fail "no group_gap line to change"
py_device profile_torn_read cdab_torn_scale.py
py_lane "$WORK/split.profile"

dev_has() { grep -Eq "$1" "$WORK/dev.out"; }
dev_has ' torn after gross read 豫A11111$' && dev_has ' torn after gross read 豫A30000$' ||
	fail "the device did not publish between two requests"
[ "$(ev_count weighing)" = 2 ] ||
	fail "weighings: $(sql "SELECT body FROM events WHERE kind = 'weighing'")"
[ "$(decision_of 豫A11111)" = pass ] || fail "the legal truck: '$(decision_of 豫A11111)'"
[ "$(weighing 豫A11111 measurement.gross_kg)" = 15000 ] ||
	fail "legal truck's gross: $(weighing 豫A11111 measurement)"
[ "$(decision_of 豫A30000)" = turnback ] || fail "the 30 t truck: '$(decision_of 豫A30000)'"
[ "$(weighing 豫A30000 measurement.gross_kg)" = 30000 ] ||
	fail "30 t truck's gross: $(weighing 豫A30000 measurement)"
[ "$(ev_count device_fault)" = 0 ] ||
	fail "device faults: $(sql "SELECT body FROM events WHERE kind = 'device_fault'")"
dev_has ' drove_through 豫A11111$' || fail "the legal truck did not drive through"
! dev_has 'barrier up for' || fail "the barrier went up for the 30 t truck"
echo "profile_torn_read: ok"
