#!/bin/sh
# Make throw-away certificates for the demo and the tests in DIR:
#   ca.pem ca.key            the demo CA
#   server.pem server.key    for 127.0.0.1 / localhost, signed by the CA
#   client.pem client.key    a client certificate for mutual TLS
#   other-ca.pem other-ca.key  an unrelated CA (wrong-CA tests)
#   other-server.pem other-server.key  a server cert signed by the other CA
# Keys are mode 0600.  Usage: tools/demo-certs.sh DIR
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
d=$1
mkdir -p "$d"
umask 077
days=3650

# ca NAME SUBJECT: a self-signed CA.
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$d/$1.key" -out "$d/$1.pem" -days $days \
		-subj "$2" -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

# leaf NAME CA SUBJECT EXTFILE-LINES: a key and a certificate signed by CA.
leaf() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/$1.key" -out "$d/$1.csr" -subj "$3" 2>/dev/null
	printf '%s\n' "$4" >"$d/$1.ext"
	openssl x509 -req -in "$d/$1.csr" -CA "$d/$2.pem" -CAkey "$d/$2.key" \
		-CAcreateserial -out "$d/$1.pem" -days $days \
		-extfile "$d/$1.ext" 2>/dev/null
	rm -f "$d/$1.csr" "$d/$1.ext"
}

ca ca "/CN=weighgate demo CA"
ca other-ca "/CN=unrelated CA"
server_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
leaf server ca "/CN=127.0.0.1" "$server_ext"
leaf other-server other-ca "/CN=127.0.0.1" "$server_ext"
leaf client ca "/CN=weighgate controller" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
rm -f "$d"/*.srl
chmod 600 "$d"/*.key
chmod 644 "$d"/*.pem
