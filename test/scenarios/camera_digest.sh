#!/bin/bash
# Digest credentials on the camera listener (docs/camera.md "Credentials"):
# with camera_auth = digest, pushes from clients that are not weighgate's
# own — Python's urllib.request.HTTPDigestAuthHandler and curl --digest
# (MD5), a SHA-256 answer made with Python's hashlib — are taken and become
# the lane's camera reads; the 401 challenges digest
# (MD5, SHA-256) and not basic; a wrong password, basic credentials, no
# credentials, a malformed header and a replayed answer are 401, counted,
# and give no read; the password is never in the log; the daemon goes on.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"
. "$(dirname "$0")/camera_lib.inc"

FIX="$ROOT/test/fixtures/camera"
cam_listener "camera_auth = digest"
URL="http://127.0.0.1:$CAM_PORT/ISAPI/Event/notification/alert"
XML=(-H 'Content-Type: application/xml; charset="UTF-8"' --data-binary "@$FIX/isapi_anpr.xml")

# push CODE [CURL OPTIONS...]: POST to the listener, the answer's status is
# CODE; the answer's headers in $WORK/headers, what curl sent in $WORK/sent.
push() {
	local want=$1 got; shift
	got=$(curl -s -v -D "$WORK/headers" -o "$WORK/answer" -w '%{http_code}' \
		--max-time 5 "$@" "$URL" 2>"$WORK/sent") || true
	[ "$got" = "$want" ] || fail "push $*: HTTP $got, not $want: $(cat "$WORK/answer")"
}
metric() {
	curl -s --max-time 5 "http://127.0.0.1:$STATUS_PORT/metrics" |
		sed -n "s/^weighgate_$1 //p"
}
unauthorized() { metric 'camera_requests_total{result="unauthorized"}'; }
challenged() { metric 'camera_requests_total{result="challenged"}'; }

# Python's standard library as the camera (not weighgate's code)
/usr/bin/python3 - "$URL" "$FIX/isapi_anpr.xml" >"$WORK/urllib.out" 2>&1 <<'PY' ||
import sys, urllib.request, urllib.error
url, body = sys.argv[1], open(sys.argv[2], "rb").read()
pm = urllib.request.HTTPPasswordMgrWithDefaultRealm()
pm.add_password(None, url, "cam", "lane-secret")
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                     urllib.request.HTTPDigestAuthHandler(pm))
req = urllib.request.Request(url, data=body, method="POST",
                             headers={"Content-Type": 'application/xml; charset="UTF-8"'})
with opener.open(req, timeout=5) as r:
    print(r.status, r.read().decode())
PY
	fail "urllib digest push: $(cat "$WORK/urllib.out")"
grep -q '^200 .*"result":"read"' "$WORK/urllib.out" || fail "urllib: $(cat "$WORK/urllib.out")"
# its first request, without credentials, is the protocol's first step
[ "$(challenged)" = 1 ] || fail "urllib's challenge: $(challenged) challenged, not 1"
[ "$(unauthorized)" = 0 ] || fail "urllib's push: $(unauthorized) unauthorized, not 0"

# no credentials: the challenge is digest only, MD5 first, then SHA-256
push 401 "${XML[@]}"
grep -i '^WWW-Authenticate:' "$WORK/headers" >"$WORK/challenges"
[ "$(wc -l <"$WORK/challenges")" = 2 ] || fail "challenges: $(cat "$WORK/challenges")"
head -1 "$WORK/challenges" | grep -q 'Digest realm="weighgate", qop="auth", algorithm=MD5, nonce="[0-9a-f]\{48\}", opaque="[0-9a-f]\{32\}"' ||
	fail "first challenge: $(cat "$WORK/challenges")"
sed -n 2p "$WORK/challenges" | grep -q 'algorithm=SHA-256' || fail "second challenge: $(cat "$WORK/challenges")"
! grep -qi basic "$WORK/challenges" || fail "basic offered: $(cat "$WORK/challenges")"

# curl --digest: asks without credentials first (one 401), then answers
push 200 --digest -u cam:lane-secret "${XML[@]}"
grep -q '"result":"read"' "$WORK/answer" || fail "curl digest push: $(cat "$WORK/answer")"
sent=$(sed -n 's/^> Authorization: //p' "$WORK/sent" | tr -d '\r')
case "$sent" in Digest*'response="'*) ;; *) fail "curl sent: $sent" ;; esac
[ "$(challenged)" = 3 ] || fail "challenges after curl: $(challenged), not 3"
[ "$(unauthorized)" = 0 ] || fail "unauthorized after curl: $(unauthorized), not 0"
# the same answer again: refused, the client told its nonce is stale
push 401 -H "Authorization: $sent" "${XML[@]}"
grep -q 'replay' "$WORK/answer" || fail "replay: $(cat "$WORK/answer")"
grep -qi '^WWW-Authenticate: Digest .*stale=true' "$WORK/headers" ||
	fail "replay not answered stale: $(cat "$WORK/headers")"
# wrong password (two 401s: curl's first question, then its wrong answer)
push 401 --digest -u cam:wrong "${XML[@]}"
grep -q 'digest credentials refused: wrong' "$WORK/answer" || fail "wrong password: $(cat "$WORK/answer")"
# right basic credentials: digest only
push 401 -u cam:lane-secret "${XML[@]}"
grep -q 'digest credentials only' "$WORK/answer" || fail "basic: $(cat "$WORK/answer")"
# malformed: no closing quote; a huge value; a parameter twice
push 401 -H 'Authorization: Digest username="cam, realm="weighgate"' "${XML[@]}"
push 401 -H "Authorization: Digest username=\"$(head -c 3000 /dev/zero | tr '\0' a)\"" "${XML[@]}"
push 401 -H "Authorization: ${sent/username=/username=\"x\", username=}" "${XML[@]}"
grep -q 'malformed' "$WORK/answer" || fail "duplicate parameter: $(cat "$WORK/answer")"

# SHA-256, the answer computed here with Python's hashlib: taken, and
# refused when made for another uri than the request's (two 401s)
/usr/bin/python3 - "$CAM_PORT" "$FIX/isapi_anpr.xml" >"$WORK/sha256.out" 2>&1 <<'PY' ||
import hashlib, http.client, re, sys
path = "/ISAPI/Event/notification/alert"
body = open(sys.argv[2], "rb").read()
con = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
def post(headers):
    con.request("POST", path, body, dict(headers, **{"Content-Type": "application/xml"}))
    r = con.getresponse()
    return r, r.read().decode()
r, _ = post({})
assert r.status == 401, r.status
ch = [h for h in r.headers.get_all("WWW-Authenticate") if "SHA-256" in h][0]
p = dict(re.findall(r'(\w+)="?([^",]*)"?', ch))
H = lambda s: hashlib.sha256(s.encode()).hexdigest()
def auth(uri, nc):
    ha1, ha2 = H("cam:weighgate:lane-secret"), H("POST:" + uri)
    resp = H(":".join((ha1, p["nonce"], nc, "d1g3st", "auth", ha2)))
    return ('Digest username="cam", realm="weighgate", nonce="%s", uri="%s", '
            'algorithm=SHA-256, qop=auth, nc=%s, cnonce="d1g3st", response="%s", '
            'opaque="%s"' % (p["nonce"], uri, nc, resp, p["opaque"]))
for uri, nc, want in ((path, "00000001", 200), ("/other", "00000002", 401),
                      (path, "00000002", 200)):
    r, out = post({"Authorization": auth(uri, nc)})
    print(r.status, out)
    assert r.status == want, (uri, nc, r.status, out)
PY
	fail "SHA-256 client: $(cat "$WORK/sha256.out")"

kill -0 "$WG_PID" || fail "weighgated died"
# challenged: urllib's, curl's two and the bare push's first requests and
# the SHA-256 client's; unauthorized: the replay, the wrong password, basic,
# the three malformed headers, the wrong uri
[ "$(challenged)" = 5 ] || fail "camera_requests_total challenged: $(challenged), not 5"
[ "$(unauthorized)" = 7 ] || fail "camera_requests_total unauthorized: $(unauthorized), not 7"
[ "$(metric 'camera_requests_total{result="read"}')" = 4 ] ||
	fail "reads: $(metric 'camera_requests_total{result="read"}')"
[ "$(metric 'camera_pushes_total{lane="L01",result="read"}')" = 4 ] ||
	fail "lane reads: $(metric 'camera_pushes_total{lane="L01",result="read"}')"
curl -s --max-time 5 "http://127.0.0.1:$STATUS_PORT/v1/status" >"$WORK/status.json"
/usr/bin/python3 - "$WORK/status.json" <<'PY' || fail "status: $(cat "$WORK/status.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["camera_listener"]["requests"]["unauthorized"] == 7, s["camera_listener"]
assert s["camera_listener"]["requests"]["challenged"] == 5, s["camera_listener"]
assert s["lanes"][0]["camera"]["pushes"]["read"] == 4, s["lanes"][0]["camera"]
PY
! grep -q 'lane-secret' "$WORK/weighgated.log" || fail "the password is in the log"
# (refusals are logged at a bounded rate: the first one is there)
grep -q 'push from 127.0.0.1 refused (401 unauthorized)' "$WORK/weighgated.log" ||
	fail "no refusal in the log"
stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"

# the configuration: a bad value names its line; camera_auth needs a user
sed 's/^camera_auth = digest/camera_auth = ntlm/' "$WORK/wg.conf" >"$WORK/bad.conf"
! "$WG_BIN/weighgated" -c "$WORK/bad.conf" --check >"$WORK/check.out" 2>&1 &&
	grep -q "bad.conf:[0-9]*:.*camera_auth" "$WORK/check.out" ||
	fail "camera_auth = ntlm: $(cat "$WORK/check.out")"
grep -v '^camera_user\|^camera_password_file' "$WORK/wg.conf" >"$WORK/nouser.conf"
! "$WG_BIN/weighgated" -c "$WORK/nouser.conf" --check >"$WORK/check.out" 2>&1 &&
	grep -q "nouser.conf:[0-9]*:.*camera_auth needs camera_user" "$WORK/check.out" ||
	fail "camera_auth without camera_user: $(cat "$WORK/check.out")"
echo "camera_digest: ok"
