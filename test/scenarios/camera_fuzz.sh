#!/bin/bash
# libFuzzer runs of the camera push parsers (docs/camera.md): the ISAPI XML
# and JSON parsers and the generic push (test/fuzz/fuzz_camera_isapi.c) and
# the multipart/form-data splitter with its alarm part
# (test/fuzz/fuzz_camera_multipart.c), and the listener's digest
# Authorization parser and check (test/fuzz/fuzz_camera_digest.c), built
# here with clang -fsanitize=fuzzer,address,undefined, each run for
# FUZZ_SECONDS (5), seeded from test/fixtures/camera (digest: two headers).  A crash, a leak or a broken invariant fails.
# The long run is bench/camera_fuzz.  Skipped, saying so, when clang or
# libclang-rt is missing.
NAME=camera_fuzz
SECS=${FUZZ_SECONDS:-5}
. "$(dirname "$0")/fuzz_lib.inc"

cd "$ROOT"
LIBS="$(pkg-config --libs libcjson expat) -lm"
for t in isapi multipart; do
	# shellcheck disable=SC2086
	clang $FUZZ_CFLAGS $(pkg-config --cflags libcjson expat) \
	    -o "$W/fuzz_camera_$t" "test/fuzz/fuzz_camera_$t.c" src/camera.c \
	    src/camera_xml.c src/camera_multipart.c src/plate.c src/timefmt.c \
	    $LIBS || fail "building fuzz_camera_$t"
done
# shellcheck disable=SC2086
clang $FUZZ_CFLAGS -o "$W/fuzz_camera_digest" test/fuzz/fuzz_camera_digest.c \
    src/camera_digest.c src/chain.c $(pkg-config --libs libcrypto) ||
	fail "building fuzz_camera_digest"

# seeds: each fixture behind the byte that picks its parser (isapi), or
# behind its Content-Type line (multipart)
F=test/fixtures/camera
mkdir -p "$W/isapi" "$W/multipart"
seed() { { printf "$2"; cat "$F/$1"; } >"$W/$3/$1.$4"; }
for f in "$F"/*.xml; do
	b=$(basename "$f")
	seed "$b" '\x00' isapi 0; seed "$b" '\x41' isapi 1; seed "$b" '\x07' isapi 2
done
for f in "$F"/*.json; do
	b=$(basename "$f")
	case $b in *generic*) sel='\x04' ;; *) sel='\x02' ;; esac
	seed "$b" "$sel" isapi 0; seed "$b" '\x07' isapi 1
done
for f in "$F"/*.http; do
	b=$(basename "$f")
	case $b in
	*_json*) ct='multipart/form-data; boundary="MIME_boundary_0123"\n' ;;
	*) ct='multipart/form-data; boundary=boundary\n' ;;
	esac
	seed "$b" "$ct" multipart 0
done

fuzz_run fuzz_camera_isapi isapi 8192
fuzz_run fuzz_camera_multipart multipart 8192
# digest seeds: curl's and the RFC's shapes of the header
mkdir -p "$W/digest"
printf 'Digest username="cam", realm="weighgate", nonce="00000000000003e8c66a6ec5e9b32b1c2f747a8176958add", uri="/", cnonce="MTgwNGVl", nc=00000001, qop=auth, response="9672a6943eaeb551d78865f87a01bdd9", opaque="b0928528d198bc444c391be5ac50b23f", algorithm=MD5' >"$W/digest/curl"
printf 'Digest username="Mu\\"fasa",\trealm="http-auth@example.org", uri=/dir/index.html, algorithm=SHA-256, nc=00000001, qop="auth", x=y,, response="75"' >"$W/digest/rfc"
fuzz_run fuzz_camera_digest digest 4096
echo "camera_fuzz: ok"
