#!/usr/bin/env bash
# Makes fixtures/: the files OpenSSL, keytool and GnuTLS's certtool write that kyman's tests read as input.
#
# Usage: scripts/make-fixtures.sh [openssl|keytool|gnutls ...]; with no argument every folder is
# remade. openssl/ and keytool/ are made together (the Java store holds OpenSSL's CA).
#
# The files are committed, so the tests need neither tool to read them. Certificates are valid for
# 20 years from the day they are made (UTCTime, before 2050), so they do not expire under the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

DAYS=7300
out=fixtures
o="$out/openssl"
k="$out/keytool"
g="$out/gnutls"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
quiet() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; exit 1; }; }
LEGACY=(-provider legacy -provider default)

make_openssl_keytool() {
rm -rf "$o" "$k"
mkdir -p "$o" "$k"

# A P-256 CA and an RSA leaf it signed; the leaf, its key and the CA in PKCS #12 files of each kind OpenSSL writes.
quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$o/p12-ca.key" -out "$o/p12-ca.pem" -subj '/CN=P12 Test CA' -days $DAYS
quiet openssl req -newkey rsa:2048 -nodes -keyout "$o/p12-leaf.key" -out "$work/p12-leaf.csr" -subj '/CN=leaf.example'
quiet openssl x509 -req -in "$work/p12-leaf.csr" -CA "$o/p12-ca.pem" -CAkey "$o/p12-ca.key" -CAcreateserial -CAserial "$work/serial" -out "$o/p12-leaf.pem" -days $DAYS
p12() { # name password options...
  local name=$1 pass=$2
  shift 2
  quiet openssl pkcs12 -export -in "$o/p12-leaf.pem" -inkey "$o/p12-leaf.key" -certfile "$o/p12-ca.pem" -name 'my leaf' -passout "pass:$pass" -out "$o/$name" "$@"
}
p12 p12-default.p12 secret
p12 p12-legacy.p12 secret -legacy
p12 p12-mixed.p12 secret -macalg sha512 -certpbe AES-128-CBC -keypbe PBE-SHA1-3DES
p12 p12-nomac.p12 secret -nomac
p12 p12-nomac-enc.p12 secret -nomac -certpbe AES-256-CBC
p12 p12-empty.p12 ''
p12 p12-utf8.p12 'pässwörd€'

# A Java PKCS12 store: an EC key pair and the P-256 CA above as a trusted certificate.
kt=(-storetype PKCS12 -keystore "$k/java.p12" -storepass changeit)
quiet keytool -genkeypair -alias javakey -keyalg EC -groupname secp256r1 -dname CN=java.example -validity $DAYS "${kt[@]}"
quiet keytool -importcert -noprompt -alias 'the ca' -file "$o/p12-ca.pem" "${kt[@]}"
quiet keytool -exportcert -alias javakey -file "$k/java.cer" "${kt[@]}"

# Private keys as PKCS #8 DER, and OpenSSL's encryptions of the EC one under each scheme it offers (password s3cret).
quiet openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/rsa.pem"
quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$work/ec.pem"
quiet openssl pkcs8 -topk8 -nocrypt -in "$work/rsa.pem" -outform DER -out "$o/pkcs8-rsa.der"
quiet openssl pkcs8 -topk8 -nocrypt -in "$work/ec.pem" -outform DER -out "$o/pkcs8-ec-p384.der"
epki_named() { local legacy=$1; shift; local name; name="epki$(echo "$*" | tr ' ' '_').der"
  local pre=(); [ "$legacy" = 1 ] && pre=("${LEGACY[@]}")
  quiet openssl pkcs8 "${pre[@]}" -topk8 -inform DER -in "$o/pkcs8-ec-p384.der" -outform DER -out "$o/$name" -passout pass:s3cret "$@"; }
epki_named 0 -v2 aes-256-cbc -v2prf hmacWithSHA512
epki_named 0 -v2 aes-128-cbc -v2prf hmacWithSHA1 -iter 3
epki_named 0 -v2 des3
epki_named 1 -v2 des-cbc
epki_named 0 -v1 PBE-SHA1-3DES
epki_named 0 -v1 PBE-SHA1-2DES
epki_named 1 -v1 PBE-SHA1-RC2-128
epki_named 1 -v1 PBE-SHA1-RC2-40
epki_named 1 -v1 PBE-MD5-DES
epki_named 1 -v1 PBE-SHA1-DES
epki_named 1 -v1 PBE-SHA1-RC2-64

# Certification requests from openssl req -new and keytool -certreq.
quiet openssl req -new -newkey rsa:2048 -nodes -keyout "$work/o.key" -out "$o/req-rsa.csr" -subj '/C=US/O=Example/CN=openssl.example' -addext 'subjectAltName=DNS:a.example,DNS:b.example' -addext 'basicConstraints=critical,CA:TRUE'
kr=(-keystore "$work/k.p12" -storepass changeit -storetype PKCS12 -alias k)
quiet keytool -genkeypair "${kr[@]}" -keyalg EC -groupname secp384r1 -dname 'CN=keytool.example,O=Java' -ext SAN=dns:keytool.example -validity $DAYS
quiet keytool -certreq "${kr[@]}" -file "$k/req-ec-p384.csr" -ext SAN=dns:keytool.example

# A self-signed P-256 certificate and its key, in PEM and DER, as openssl writes them.
quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$o/pem-test.key" -out "$o/pem-test.pem" -subj '/CN=pem test' -days $DAYS
quiet openssl x509 -in "$o/pem-test.pem" -outform DER -out "$o/pem-test.der"

# A two-certificate chain (P-256 CA and leaf) and the PKCS #7 bundles openssl crl2pkcs7 makes of it.
chain() { # prefix ca-subject leaf-subject
  local p=$1
  quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/$p-ca.key" -out "$o/$p-ca.pem" -subj "$2" -days $DAYS
  quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$o/$p-leaf.key" -out "$work/$p-leaf.csr" -subj "$3"
  quiet openssl x509 -req -in "$work/$p-leaf.csr" -CA "$o/$p-ca.pem" -CAkey "$work/$p-ca.key" -CAcreateserial -CAserial "$work/serial" -out "$o/$p-leaf.pem" -days $DAYS
}
chain bundle '/CN=Bundle CA' '/CN=leaf.example'
cat "$o/bundle-leaf.pem" "$o/bundle-ca.pem" >"$o/bundle-chain.pem"
quiet openssl crl2pkcs7 -nocrl -certfile "$o/bundle-chain.pem" -out "$o/bundle-chain.p7b"
quiet openssl crl2pkcs7 -nocrl -certfile "$o/bundle-chain.pem" -outform DER -out "$o/bundle-chain.p7b.der"
chain file '/CN=File CA' '/CN=file.example'
quiet openssl x509 -in "$o/file-leaf.pem" -outform DER -out "$o/file-leaf.der"
quiet openssl x509 -in "$o/file-ca.pem" -outform DER -out "$o/file-ca.der"
quiet openssl x509 -in "$o/file-ca.pem" -addtrust serverAuth -trustout -out "$o/file-ca-trusted.pem"
cat "$o/file-leaf.pem" "$o/file-ca.pem" >"$work/file-chain.pem"
quiet openssl crl2pkcs7 -nocrl -certfile "$work/file-chain.pem" -outform DER -out "$o/file-chain.p7b"
quiet openssl crl2pkcs7 -nocrl -certfile "$work/file-chain.pem" -out "$o/file-chain.p7b.pem"

# Self-signed certificates of each key kind with a rich subject and every SAN type (openssl req -x509 marks them CA).
for kind in RSA EC Ed25519; do
  case $kind in
    RSA) args=(-newkey rsa:2048) ;;
    EC) args=(-newkey ec -pkeyopt ec_paramgen_curve:P-384) ;;
    Ed25519) args=(-newkey ed25519) ;;
  esac
  quiet openssl req -x509 "${args[@]}" -nodes -keyout "$o/x509-$kind.key" -out "$o/x509-$kind.pem" -days $DAYS \
    -subj '/C=US/ST=California/O=Example\, Inc./OU=Ops+CN=host.example.com' \
    -addext 'subjectAltName=DNS:host.example.com,IP:10.1.2.3,IP:2001:db8::42,email:ops@example.com,URI:https://example.com/'
done

# Two self-signed P-256 certificates and keys for the key database writer's checks.
for cn in ca x; do
  quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" -days $DAYS -keyout "$o/cms-$cn.key" -out "$o/cms-$cn.crt"
done

# What the commands import: PKCS #12 from openssl (default and -legacy) and keytool, a traditional
# (SEC1) EC key, an encrypted PKCS #8 key, and a DER PKCS #7 bundle of their two certificates.
quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/import.key" -out "$work/import.pem" -subj /CN=from-openssl -days $DAYS
quiet openssl pkcs12 -export -inkey "$work/import.key" -in "$work/import.pem" -name openssl -out "$o/import-openssl.p12" -passout pass:p12-pass
quiet openssl pkcs12 -export -legacy -inkey "$work/import.key" -in "$work/import.pem" -name openssl-legacy -out "$o/import-openssl-legacy.p12" -passout pass:p12-pass
quiet keytool -genkeypair -alias from-keytool -keyalg EC -groupname secp256r1 -dname CN=from-keytool -validity $DAYS -storetype PKCS12 -keystore "$k/import-keytool.p12" -storepass keytool-pass
quiet openssl ecparam -name prime256v1 -genkey -noout -out "$o/import-sec1.key"
quiet openssl req -x509 -key "$o/import-sec1.key" -out "$o/import-sec1.pem" -subj /CN=sec1 -days $DAYS
quiet openssl req -x509 -newkey rsa:2048 -keyout "$o/import-encrypted.key" -out "$o/import-encrypted.pem" -subj /CN=encrypted -days $DAYS -passout pass:key-pass
quiet openssl crl2pkcs7 -nocrl -certfile "$o/import-sec1.pem" -certfile "$o/import-encrypted.pem" -out "$o/import-bundle.p7b" -outform DER

# Requests for kyman cert sign: openssl req -new (RSA, EC P-256, Ed25519; SANs name and 127.0.0.1), a
# sub-CA request (P-384, critical CA:TRUE) with its key, and a keytool store with the request of its key.
for kind in rsa ec ed25519; do
  case $kind in
    rsa) args=(-newkey rsa:2048) ;;
    ec) args=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
    ed25519) args=(-newkey ed25519) ;;
  esac
  quiet openssl req -new "${args[@]}" -nodes -keyout "$work/sign-$kind.key" -subj "/CN=$kind.example.com/O=Example" -addext "subjectAltName=DNS:$kind.example.com,IP:127.0.0.1" -out "$o/sign-$kind.csr"
done
quiet openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$o/sign-sub-ca.key" -subj '/CN=Sub CA' -addext 'basicConstraints=critical,CA:TRUE' -out "$o/sign-sub-ca.csr"
ks=(-keystore "$k/sign-srv.p12" -storetype PKCS12 -storepass keytool-pass)
quiet keytool -genkeypair -alias srv -keyalg EC -groupname secp256r1 -dname 'CN=kt.example.com,O=Example' -ext SAN=dns:kt.example.com -validity $DAYS "${ks[@]}"
# keytool copies no extension into the request unless -ext is given again here.
quiet keytool -certreq -alias srv -file "$k/sign-srv.csr" -ext SAN=dns:kt.example.com "${ks[@]}"

echo "made $(find "$o" "$k" -type f | wc -l) files in $o/ and $k/ with $(openssl version | cut -d' ' -f1-2) and keytool $(java -version 2>&1 | head -1 | cut -d'"' -f2)"
}

# GnuTLS: a P-256 CA and an RSA leaf it signed (DNS and IP names), the leaf's request, and
# certtool --to-p12 of leaf, CA and key (each certificate in a bag of its own, the name on the key).
make_gnutls() {
rm -rf "$g"
mkdir -p "$g"
cat >"$work/ca.tmpl" <<EOT
cn = "GnuTLS Test CA"
organization = "Example"
ca
cert_signing_key
expiration_days = $DAYS
EOT
cat >"$work/leaf.tmpl" <<EOT
cn = "gnutls.example"
organization = "Example"
dns_name = "gnutls.example"
ip_address = "127.0.0.1"
tls_www_server
signing_key
encryption_key
expiration_days = $DAYS
EOT
quiet certtool --generate-privkey --no-text --key-type=ecdsa --curve=secp256r1 --outfile "$g/ca.key"
quiet certtool --generate-self-signed --no-text --load-privkey "$g/ca.key" --template "$work/ca.tmpl" --outfile "$g/ca.pem"
quiet certtool --generate-privkey --no-text --key-type=rsa --bits=2048 --outfile "$g/leaf.key"
quiet certtool --generate-certificate --no-text --load-privkey "$g/leaf.key" --load-ca-certificate "$g/ca.pem" --load-ca-privkey "$g/ca.key" --template "$work/leaf.tmpl" --outfile "$g/leaf.pem"
quiet certtool --generate-request --no-text --load-privkey "$g/leaf.key" --template "$work/leaf.tmpl" --outfile "$g/leaf.csr"
cat "$g/leaf.pem" "$g/ca.pem" >"$work/chain.pem"
quiet certtool --to-p12 --load-certificate "$work/chain.pem" --load-privkey "$g/leaf.key" --p12-name "gnutls leaf" --password gnutls-pass --outder --outfile "$g/leaf.p12"
echo "made $(find "$g" -type f | wc -l) files in $g/ with $(certtool --version | head -1)"
}

[ $# -eq 0 ] && set -- openssl gnutls
done_openssl=""
for set in "$@"; do
  case "$set" in
    openssl | keytool) [ -n "$done_openssl" ] || make_openssl_keytool; done_openssl=1 ;;
    gnutls) make_gnutls ;;
    *) echo "usage: $0 [openssl|keytool|gnutls ...]" >&2; exit 2 ;;
  esac
done
