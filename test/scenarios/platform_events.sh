#!/bin/bash
# weighgate-platform receives events (docs/design.md §6, §7): a hash-chained batch is
# accepted and stored, the answer naming the chain's last seq held; the
# same batch again is accepted, counted as duplicates and not stored twice; an edited body is rejected hash_mismatch;
# a reused uuid with other content is uuid_conflict; a malformed event is
# rejected naming its field; a gap (1, 2, 4) makes the report exit 1 naming
# seq 3; a broken link is reported; bad requests are 400, an oversized one
# 413; --reject-kind rejects that kind; the database survives a restart.
. "$(dirname "$0")/platform_lib.inc"

start_platform --max-body 65536 --batch-max 50
C=TEST-0001

# 1. Three chained events (one with a Chinese plate and a quote) -> accepted.
new_chain
CHAIN1=$CHAIN
ev 1 '{"lane":"L01","ruleset":"r1"}'
U1=$LAST_UUID
ev 2 '{"lane":"L01","plate":"豫A·12345","gross_kg":49120,"note":"a \"quoted\" word"}'
ev 3 '{"lane":"L01","decision":"pass"}'
batch $C "$EVFILE" "$WORK/b1.json"
code=$(post "$WORK/b1.json")
[ "$code" = 200 ] || fail "valid batch: HTTP $code $(cat "$WORK/resp")"
[ "$(json_get "$WORK/resp" 'len(j["accepted"]), len(j["rejected"])')" = "(3, 0)" ] ||
	fail "valid batch answer: $(cat "$WORK/resp")"
[ "$(json_get "$WORK/resp" 'j["accepted"][0]')" = "$U1" ] || fail "accepted uuid order"
# The last seq now held of the batch's chain (docs/sync-protocol.md §2.5).
grep -q "\"chains\":{\"$CHAIN1\":3}" "$WORK/resp" || fail "no chains in the answer: $(cat "$WORK/resp")"
report || fail "report of a valid chain exits $?: $(cat "$WORK/report")"
grep -q "controller $C chain $CHAIN1: events 3, duplicates 0, rejected 0, seq 1..3, gaps 0, chain valid" \
	"$WORK/report" || fail "report: $(cat "$WORK/report")"
# The body is stored byte for byte as it was hashed.
h=$(sqlite3 "$WORK/platform.db" "SELECT hash FROM events WHERE seq = 2 AND chain = '$CHAIN1'")
[ "$h" = "$(sed -n 2p "$EVFILE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["hash"])')" ] ||
	fail "stored hash"

# 2. The same batch again: all accepted, counted as duplicates, not stored twice.
code=$(post "$WORK/b1.json")
[ "$code" = 200 ] || fail "duplicate batch: HTTP $code"
[ "$(json_get "$WORK/resp" 'len(j["accepted"]), len(j["rejected"])')" = "(3, 0)" ] ||
	fail "duplicate answer: $(cat "$WORK/resp")"
[ "$(sqlite3 "$WORK/platform.db" 'SELECT count(*) FROM events')" = 3 ] || fail "stored twice"
report || fail "report after duplicates"
grep -q "chain $CHAIN1: events 3, duplicates 3," "$WORK/report" ||
	fail "duplicates not counted: $(cat "$WORK/report")"

# 3. An edited body (hash no longer matches) -> hash_mismatch; seq 4 valid.
ev 4 '{"lane":"L01","decision":"turnback"}'
sed -n 4p "$EVFILE" | sed 's/turnback/pass/' >"$WORK/edited.jsonl"
EDITED=$(json_get "$WORK/edited.jsonl" 'j["uuid"]')
batch $C "$WORK/edited.jsonl" "$WORK/b2.json"
code=$(post "$WORK/b2.json")
[ "$code" = 200 ] || fail "edited batch: HTTP $code"
[ "$(json_get "$WORK/resp" 'j["rejected"]')" = "[{'uuid': '$EDITED', 'error': 'hash_mismatch'}]" ] ||
	fail "edited body not rejected: $(cat "$WORK/resp")"
[ "$(json_get "$WORK/resp" 'len(j["accepted"])')" = 0 ] || fail "edited accepted"

# 4. Same uuid, other (self-consistent) content -> uuid_conflict.
python3 - "$EVFILE" >"$WORK/conflict.jsonl" <<'PY'
import hashlib, json, sys
e = json.loads(open(sys.argv[1]).readline())
e["body"] = '{"lane":"L02"}'
e["hash"] = hashlib.sha256((e["prev_hash"] + e["body"]).encode()).hexdigest()
print(json.dumps(e))
PY
batch $C "$WORK/conflict.jsonl" "$WORK/b3.json"
[ "$(post "$WORK/b3.json")" = 200 ] || fail "conflict batch"
[ "$(json_get "$WORK/resp" 'j["rejected"][0]["error"]')" = uuid_conflict ] ||
	fail "uuid conflict: $(cat "$WORK/resp")"

# 5. Malformed events are rejected naming the field; the good one in the
#    same batch is accepted.
{
	echo '{"uuid":"11111111-2222-4333-8444-555555555555","chain":"x","kind":"weighing"}'
	echo '{"uuid":"11111111-2222-4333-8444-555555555556","chain":"x","seq":"7","kind":"k","ts":"2026-01-01T00:00:00Z","prev_hash":"'$ZERO'","hash":"'$ZERO'","body":"{}"}'
	echo '{"uuid":"11111111-2222-4333-8444-555555555557","chain":"x","seq":1,"kind":"k","ts":"yesterday","prev_hash":"'$ZERO'","hash":"'$ZERO'","body":"{}"}'
	echo '42'
	sed -n 4p "$EVFILE"
} >"$WORK/malformed.jsonl"
batch $C "$WORK/malformed.jsonl" "$WORK/b4.json"
[ "$(post "$WORK/b4.json")" = 200 ] || fail "malformed batch: $(cat "$WORK/resp")"
errs=$(json_get "$WORK/resp" '" | ".join(r["error"] for r in j["rejected"])')
[ "$errs" = "seq: missing | seq: not an integer >= 1 | ts: not an RFC 3339 time | event: not an object" ] ||
	fail "field errors: $errs"
[ "$(json_get "$WORK/resp" 'j["accepted"]')" = "['$LAST_UUID']" ] || fail "seq 4 not accepted"

# 6. A gap: seq 1, 2, 4 of a new chain -> report exits 1 naming seq 3.
new_chain
CHAIN2=$CHAIN
ev 1 '{"lane":"L02"}'
ev 2 '{"lane":"L02"}'
ev 3 '{"lane":"L02"}'
ev 4 '{"lane":"L02"}'
sed -i 3d "$EVFILE"
batch $C "$EVFILE" "$WORK/b5.json"
[ "$(post "$WORK/b5.json")" = 200 ] || fail "gap batch"
[ "$(json_get "$WORK/resp" 'len(j["accepted"])')" = 3 ] || fail "gap batch answer"
rc=0; report || rc=$?
[ $rc = 1 ] || fail "report with a gap exits $rc"
grep -q "chain $CHAIN2: events 3, .* seq 1..4, gaps 1 missing (3), chain valid" "$WORK/report" ||
	fail "gap not named: $(cat "$WORK/report")"
grep -q "chain $CHAIN1: .* gaps 0, chain valid" "$WORK/report" || fail "chain 1 verdict changed"

# 7. A broken link: seq 2 of a third chain whose prev_hash is not seq 1's hash.
new_chain
CHAIN3=$CHAIN
ev 1 '{"lane":"L03"}'
PREV=$(printf x | sha256sum | cut -c1-64)
ev 2 '{"lane":"L03"}'
batch $C "$EVFILE" "$WORK/b6.json"
[ "$(post "$WORK/b6.json")" = 200 ] || fail "broken batch"
[ "$(json_get "$WORK/resp" 'len(j["accepted"])')" = 2 ] || fail "broken link not stored"
rc=0; report || rc=$?
[ $rc = 1 ] || fail "report with a broken chain exits $rc"
grep -q "chain $CHAIN3: .*chain broken at seq 2: prev_hash does not match the hash of seq 1" \
	"$WORK/report" || fail "broken link: $(cat "$WORK/report")"

# 8. Bad requests: 400 with the reason; too big: 413; too many: 400.
printf 'not json' >"$WORK/bad1"
[ "$(post "$WORK/bad1")" = 400 ] || fail "not JSON"
grep -q '"error":"request: not JSON"' "$WORK/resp" || fail "400 reason: $(cat "$WORK/resp")"
printf '{"events":[]}' >"$WORK/bad2"
[ "$(post "$WORK/bad2")" = 400 ] || fail "no controller"
grep -q 'controller: missing' "$WORK/resp" || fail "400 controller: $(cat "$WORK/resp")"
printf '{"controller":"C","events":{}}' >"$WORK/bad3"
[ "$(post "$WORK/bad3")" = 400 ] || fail "events not an array"
python3 -c 'import json; print(json.dumps({"controller":"C","events":[{}]*51}))' >"$WORK/bad4"
[ "$(post "$WORK/bad4")" = 400 ] || fail "more than --batch-max"
head -c 100000 /dev/zero | tr '\0' x >"$WORK/big"
code=$(post "$WORK/big" || true)
[ "$code" = 413 ] || fail "oversized body: HTTP $code"
[ "$(curl -sS --cacert "$CERTS/ca.pem" -o /dev/null -w '%{http_code}' "$URL/v1/events")" = 405 ] ||
	fail "GET /v1/events not 405"
[ "$(curl -sS --cacert "$CERTS/ca.pem" -o /dev/null -w '%{http_code}' "$URL/nope")" = 404 ] ||
	fail "unknown path not 404"
printf '{"controller":"C","events":[]}' >"$WORK/empty"
[ "$(post "$WORK/empty")" = 200 ] || fail "empty batch"
grep -qx '{"accepted":\[\],"rejected":\[\]}' "$WORK/resp" || fail "empty answer $(cat "$WORK/resp")"

# 9. A restart keeps everything; --reject-kind rejects that kind only.
stop_pid "$PLAT_PID" || fail "platform exit status $? on SIGTERM"
start_platform --reject-kind barrier_unauthorized
new_chain
ev 1 '{"lane":"L04"}'
KIND=barrier_unauthorized ev 2 '{"lane":"L04"}'
batch $C "$EVFILE" "$WORK/b7.json"
[ "$(post "$WORK/b7.json")" = 200 ] || fail "reject-kind batch"
[ "$(json_get "$WORK/resp" 'len(j["accepted"]), j["rejected"][0]["error"]')" = "(1, 'kind_refused')" ] ||
	fail "reject-kind: $(cat "$WORK/resp")"
[ "$(post "$WORK/b1.json")" = 200 ] || fail "after restart"
[ "$(json_get "$WORK/resp" 'len(j["accepted"])')" = 3 ] || fail "dedup after restart"
report || true
grep -q "chain $CHAIN1: events 4, duplicates 6," "$WORK/report" ||
	fail "after restart: $(cat "$WORK/report")"
grep -q "^total: chains 4, events 10, duplicates 6, missing 1, broken chains 1$" "$WORK/report" ||
	fail "total: $(cat "$WORK/report")"

# 10. An unreadable database: exit 66.
rc=0; "$PLAT" report "$WORK/nonexistent.db" 2>/dev/null || rc=$?
[ $rc = 66 ] || fail "report of a missing db exits $rc"
echo "platform_events: ok"
