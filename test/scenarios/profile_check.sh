#!/bin/bash
# A lane's device profiles at weighgated --check (docs/devices.md): a lane
# naming the shipped flintec-ft112 / wim-example scale, rlh-smart8-free I/O
# and the embeddedart-led sign from profile_dir passes; each bad profile
# (unknown field, overlapping writes, a field beyond 65535, a request over
# the device's limit, a type that cannot hold the field, a sequence width
# that is none of 8/16/32) is refused with its own FILE:LINE and exit 78;
# so are unit 0 on RTU, a name found nowhere, a profile of the wrong kind
# and a scale profile without a result sequence (a live-weight indicator).
. "$(dirname "$0")/lib.inc"

FIX=$ROOT/test/fixtures/profiles

# conf KEY=VALUE... : one lane whose [lane] takes the extra lines given
conf() {
	{
		printf '[controller]\nid = TEST-0001\ndb = %s/wg.db\nprofile_dir = %s\n\n' \
			"$WORK" "$ROOT/profiles"
		printf '[rules]\nscale_class = 2\n\n[lane L01]\n'
		printf 'scale = tcp://127.0.0.1:1502?unit=1\n'
		printf 'io = tcp://127.0.0.1:1502?unit=2\n'
		printf 'led = tcp://127.0.0.1:1502?unit=3\n'
		printf '%s\n' "$@"
	} >"$WORK/wg.conf"
}

# check WANT_RC: run --check on wg.conf; its output in $WORK/check.out
check() {
	local rc=0
	"$WG_BIN/weighgated" -c "$WORK/wg.conf" --check >"$WORK/check.out" 2>&1 || rc=$?
	[ "$rc" = "$1" ] || fail "--check exit $rc, want $1: $(cat "$WORK/check.out")"
}

# refused KEY FIXTURE LINE TEXT: --check refuses the lane's profile there
refused() {
	conf "$1 = $FIX/$2"
	check 78
	grep -qF "$FIX/$2:$3: " "$WORK/check.out" ||
		fail "$2: no $FIX/$2:$3: in: $(cat "$WORK/check.out")"
	grep -qF "$4" "$WORK/check.out" || fail "$2: no '$4' in: $(cat "$WORK/check.out")"
	grep -qF "(${1} of [lane L01], $WORK/wg.conf:" "$WORK/check.out" ||
		fail "$2: the lane and key are not named: $(cat "$WORK/check.out")"
}

for p in flintec-ft112 wim-example; do
	conf "scale_profile = $p" "led_profile = embeddedart-led"
	check 0
	grep -q 'configuration OK (1 lane)' "$WORK/check.out" || fail "$p: $(cat "$WORK/check.out")"
done
conf "scale_profile = $ROOT/profiles/wim-example.profile"
sed -i 's/^scale = .*/scale = tcp:\/\/127.0.0.1:1502?unit=255/' "$WORK/wg.conf"
check 0

refused scale_profile bad_unknown_field.profile 4 "[field weight]: unknown field"
refused io_profile bad_overlap.profile 8 "[output alarm] overlaps"
refused scale_profile bad_beyond_65535.profile 3 "address 65535 and its"
refused scale_profile bad_over_limit.profile 4 "needs 16 registers in"
refused scale_profile bad_type.profile 3 "type u16 cannot hold plate"
refused scale_profile bad_type_seq_width.profile 3 "a result sequence is 8, 16 or 32"

# unit 0 on an RTU bus: broadcast, no device answers a read
conf
sed -i 's|^scale = .*|scale = rtu:/dev/ttyS0?baud=9600\&unit=0|' "$WORK/wg.conf"
check 78
grep -qE "^$WORK/wg.conf:[0-9]+: .*unit 0: out of range 1-247 on RTU" "$WORK/check.out" ||
	fail "RTU unit 0: $(cat "$WORK/check.out")"

# a name in neither profile_dir nor the shipped directory
conf "poll_ms = 50" "scale_profile = no-such-scale"
line=$(grep -n '^scale_profile' "$WORK/wg.conf" | cut -d: -f1)
check 78
grep -qF "$WORK/wg.conf:$line: [lane L01] scale_profile: profile no-such-scale: no readable $ROOT/profiles/no-such-scale.profile" "$WORK/check.out" ||
	fail "missing profile: $(cat "$WORK/check.out")"

# the wrong kind, and a live-weight indicator without a result sequence
conf "scale_profile = rlh-smart8"
check 78
grep -qF "profile rlh-smart8 is a io profile, not a scale one" "$WORK/check.out" ||
	fail "wrong kind: $(cat "$WORK/check.out")"
conf "scale_profile = mettler-toledo-ind570"
check 78
grep -qF "has no seq field" "$WORK/check.out" || fail "no seq: $(cat "$WORK/check.out")"
echo "profile_check: ok"
