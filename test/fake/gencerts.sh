#!/usr/bin/env bash
# Create throwaway TLS material for the fake Qlik Cloud server.
#
#   test/fake/gencerts.sh DIR
#
# DIR/ca.crt, DIR/ca.key          a test CA (clients trust this one)
# DIR/server.crt, DIR/server.key  the fake's certificate, signed by that CA, for every
#                                 Qlik Cloud region wildcard plus other.example.com
# DIR/other-ca.crt, other-ca.key  an unrelated CA, for "wrong CA" tests
#
# Non-interactive, EC P-256 keys (fast), works with OpenSSL 3.0. Existing files are overwritten.
set -euo pipefail

dir=${1:?usage: gencerts.sh DIR}
mkdir -p "$dir"
cd "$dir"

days=3650
subj_ca="/CN=qlikfake test CA"
subj_other="/CN=qlikfake unrelated CA"

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

newkey ca.key
openssl req -x509 -new -key ca.key -sha256 -days "$days" -subj "$subj_ca" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.crt

newkey other-ca.key
openssl req -x509 -new -key other-ca.key -sha256 -days "$days" -subj "$subj_other" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out other-ca.crt

sans="DNS:*.us.qlikcloud.com,DNS:*.eu.qlikcloud.com,DNS:*.de.qlikcloud.com,DNS:*.uk.qlikcloud.com"
sans="$sans,DNS:*.jp.qlikcloud.com,DNS:*.ap.qlikcloud.com,DNS:*.sg.qlikcloud.com,DNS:*.in.qlikcloud.com"
sans="$sans,DNS:*.qlikcloud.com,DNS:other.example.com"

newkey server.key
openssl req -new -key server.key -subj "/CN=*.us.qlikcloud.com" -out server.csr
ext=$(mktemp)
trap 'rm -f "$ext"' EXIT
cat > "$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$sans
EXT
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
    -days "$days" -sha256 -extfile "$ext" -out server.crt 2>/dev/null
rm -f server.csr ca.srl
chmod 600 ca.key other-ca.key server.key
echo "certificates written to $dir"
