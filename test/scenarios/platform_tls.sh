#!/bin/bash
# weighgate-platform's transport (docs/design.md §7): TLS 1.2+ with the demo CA, the
# bearer token (missing or wrong: 401, right: 200), client certificates
# with --client-ca (none, or one from another CA: the handshake fails), a
# client that trusts another CA refuses the server, and a world-readable
# key or token file is refused at start.
. "$(dirname "$0")/platform_lib.inc"

printf 's3cret-token\n' >"$WORK/token"
chmod 600 "$WORK/token"
start_platform --token-file "$WORK/token" --client-ca "$CERTS/ca.pem"
new_chain
ev 1 '{"lane":"L01"}'
batch TEST-0001 "$EVFILE" "$WORK/b.json"
MTLS=(--cert "$CERTS/client.pem" --key "$CERTS/client.key")

# The token.
code=$(post "$WORK/b.json" "${MTLS[@]}")
[ "$code" = 401 ] || fail "no token: HTTP $code"
grep -qi '"error":"no or wrong bearer token"' "$WORK/resp" || fail "401 body"
code=$(post "$WORK/b.json" "${MTLS[@]}" -H 'Authorization: Bearer s3cret-tokem')
[ "$code" = 401 ] || fail "wrong token: HTTP $code"
code=$(post "$WORK/b.json" "${MTLS[@]}" -H 'Authorization: Bearer s3cret-token')
[ "$code" = 200 ] || fail "right token: HTTP $code $(cat "$WORK/resp")"
[ "$(json_get "$WORK/resp" 'len(j["accepted"])')" = 1 ] || fail "not accepted"
! grep -q s3cret "$WORK/platform.log" || fail "the token appears in the log"

# Client certificates: none, or one from an unrelated CA -> no HTTP answer.
AUTH=(-H 'Authorization: Bearer s3cret-token')
rc=0; code=$(post "$WORK/b.json" "${AUTH[@]}" 2>/dev/null) || rc=$?
[ $rc != 0 ] && [ "$code" = 000 ] || fail "no client certificate: curl $rc, HTTP $code"
"$ROOT/tools/demo-certs.sh" "$WORK/certs2"	# a client cert of another CA
rc=0; code=$(post "$WORK/b.json" "${AUTH[@]}" --cert "$WORK/certs2/client.pem" \
	--key "$WORK/certs2/client.key" 2>/dev/null) || rc=$?
[ $rc != 0 ] && [ "$code" = 000 ] || fail "foreign client certificate: curl $rc, HTTP $code"

# The server is verified: a client trusting another CA refuses it; TLS 1.1 is refused.
rc=0; curl -sS --max-time 10 --cacert "$CERTS/other-ca.pem" "${MTLS[@]}" "${AUTH[@]}" \
	--data-binary @"$WORK/b.json" "$URL/v1/events" >/dev/null 2>&1 || rc=$?
[ $rc = 60 ] || [ $rc = 35 ] || fail "wrong CA: curl exit $rc, expected a verification failure"
rc=0; curl -sS --max-time 10 --cacert "$CERTS/ca.pem" "${MTLS[@]}" "${AUTH[@]}" --tls-max 1.1 \
	--data-binary @"$WORK/b.json" "$URL/v1/events" >/dev/null 2>&1 || rc=$?
[ $rc != 0 ] || fail "TLS 1.1 accepted"
# localhost is in the certificate too, and TLS 1.2 works.
code=$(curl -sS --max-time 10 --cacert "$CERTS/ca.pem" "${MTLS[@]}" "${AUTH[@]}" --tls-max 1.2 \
	--resolve "localhost:$PLAT_PORT:127.0.0.1" -o /dev/null -w '%{http_code}' \
	--data-binary @"$WORK/b.json" "https://localhost:$PLAT_PORT/v1/events")
[ "$code" = 200 ] || fail "TLS 1.2 via localhost: HTTP $code"
stop_pid "$PLAT_PID" || fail "exit status $? on SIGTERM"

# A key or token file that others may read is refused (exit 78).
chmod 644 "$WORK/token"
rc=0; "$PLAT" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" \
	--db "$WORK/p2.db" --token-file "$WORK/token" >/dev/null 2>"$WORK/refused.err" || rc=$?
[ $rc = 78 ] || fail "readable token file: exit $rc"
grep -q "token: readable by group or others" "$WORK/refused.err" || fail "message: $(cat "$WORK/refused.err")"
cp "$CERTS/server.key" "$WORK/open.key"
chmod 644 "$WORK/open.key"
rc=0; "$PLAT" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$WORK/open.key" \
	--db "$WORK/p2.db" >/dev/null 2>"$WORK/refused.err" || rc=$?
[ $rc = 78 ] || fail "readable key: exit $rc"
rc=0; "$PLAT" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "missing options: exit $rc"
echo "platform_tls: ok"
