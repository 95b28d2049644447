#!/bin/bash
# GET /v1/lists (docs/design.md §7): the file's bytes with ETag = quoted SHA-256 of
# them; If-None-Match with that ETag -> 304; a swapped file is served with
# a new ETag; an invalid replacement is not served (the old one stays);
# no controller -> 400; without --lists -> 404; a list file that fails
# validation at start is refused.
. "$(dirname "$0")/platform_lib.inc"

cat >"$WORK/lists.json" <<'JSON'
{"version":"v1","watch":[{"plate":"冀E7H835","color":"yellow","reason":"布控"}],
 "exempt":[],"permits":[{"id":"P-1","plate":"豫AQ8H61","axles":6,"max_gross_kg":60000,
 "valid_from":"2026-01-01T00:00:00Z","valid_until":"2036-01-01T00:00:00+08:00"}]}
JSON
start_platform --lists "$WORK/lists.json"

# get [CURL OPTIONS...]: prints the status; body in $WORK/got, headers in $WORK/hdr.
get() {
	rm -f "$WORK/got" "$WORK/hdr"
	curl -sS --max-time 10 --cacert "$CERTS/ca.pem" -D "$WORK/hdr" -o "$WORK/got" \
		-w '%{http_code}' "$@" "$URL/v1/lists?controller=TEST-0001"
}
etag_of() { echo "\"$(sha256sum "$1" | cut -c1-64)\""; }
hdr_etag() { sed -n 's/^[Ee][Tt][Aa][Gg]: *\(.*\)\r$/\1/p' "$WORK/hdr"; }

[ "$(get)" = 200 ] || fail "GET lists: $(cat "$WORK/got")"
cmp -s "$WORK/got" "$WORK/lists.json" || fail "not the file's bytes"
E1=$(hdr_etag)
[ "$E1" = "$(etag_of "$WORK/lists.json")" ] || fail "ETag $E1"
[ "$(get -H "If-None-Match: $E1")" = 304 ] || fail "If-None-Match did not give 304"
[ ! -s "$WORK/got" ] || fail "304 with a body"
grep -qi "^etag: $E1" "$WORK/hdr" || fail "304 without the ETag"
[ "$(get -H 'If-None-Match: "0000"')" = 200 ] || fail "stale ETag not 200"

# Swap the file (write + rename): new bytes, new ETag; the old ETag is 200.
sed 's/"v1"/"v2"/' "$WORK/lists.json" >"$WORK/lists.new"
mv "$WORK/lists.new" "$WORK/lists.json"
[ "$(get -H "If-None-Match: $E1")" = 200 ] || fail "swapped file still 304"
grep -q '"v2"' "$WORK/got" || fail "swapped file not served"
E2=$(hdr_etag)
[ "$E2" = "$(etag_of "$WORK/lists.json")" ] && [ "$E2" != "$E1" ] || fail "ETag after swap"
# The same in place, within the same second (mtime in ns, size).
sed -i 's/"v2"/"v3"/' "$WORK/lists.json"
[ "$(get)" = 200 ] && grep -q '"v3"' "$WORK/got" || fail "in-place edit not served"
E3=$(hdr_etag)

# An invalid document is not served: the last valid one stays.
cp "$WORK/lists.json" "$WORK/good.json"
printf '{"version":"v4","watch":[{"reason":"no plate"}],"exempt":[],"permits":[]}' >"$WORK/lists.json"
[ "$(get -H "If-None-Match: $E3")" = 304 ] || fail "invalid replacement served"
wait_for 5 "the rejection in the log" grep -q 'lists.json: not served' "$WORK/platform.log"

[ "$(curl -sS --cacert "$CERTS/ca.pem" -o /dev/null -w '%{http_code}' "$URL/v1/lists")" = 400 ] ||
	fail "no controller not 400"
[ "$(curl -sS --cacert "$CERTS/ca.pem" -o /dev/null -w '%{http_code}' -X POST "$URL/v1/lists?controller=C")" = 405 ] ||
	fail "POST lists not 405"
stop_pid "$PLAT_PID" || fail "exit status $?"

# Without --lists: 404.  An invalid file at start: refused (exit 78).
start_platform
[ "$(get)" = 404 ] || fail "no --lists not 404"
stop_pid "$PLAT_PID" || true
rc=0; "$PLAT" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" \
	--db "$WORK/p2.db" --lists "$WORK/lists.json" >/dev/null 2>"$WORK/bad.err" || rc=$?
[ $rc = 78 ] || fail "invalid list file at start: exit $rc"
grep -q 'watch\[0\]' "$WORK/bad.err" || fail "message does not name the entry: $(cat "$WORK/bad.err")"
echo "platform_lists: ok"
