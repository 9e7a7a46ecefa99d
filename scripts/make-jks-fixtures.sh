#!/usr/bin/env bash
# Makes fixtures/jks/: Java keystores (JKS and JCEKS) written by keytool, which kyman reads read-only.
#
# Usage: scripts/make-jks-fixtures.sh. Needs keytool (a JDK); keys are new each time, so commit the
# folder whole. The CA hierarchy (root, intermediate) lives in a throwaway PKCS12 store; the
# fixtures hold key entries whose chains keytool built from a CA reply, trusted certificates, an
# alias outside ASCII, a key with its own password, a JCEKS secret key, damaged copies, and
# keytool's own PKCS12 conversion of each store, against which the tests compare what kyman reads.
set -euo pipefail
cd "$(dirname "$0")/.."

DAYS=7300
STORE_PASS=jks-store-pass
KEY_PASS=jks-key-pass
out=fixtures/jks
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
quiet() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; exit 1; }; }
rm -rf "$out"
mkdir -p "$out"

ca=(-keystore "$work/ca.p12" -storetype PKCS12 -storepass ca-pass)
quiet keytool -genkeypair "${ca[@]}" -alias root -keyalg EC -groupname secp384r1 -dname 'CN=JKS Test Root,O=Example' -ext bc:c -validity $DAYS
quiet keytool -exportcert "${ca[@]}" -alias root -rfc -file "$out/root.pem"
quiet keytool -genkeypair "${ca[@]}" -alias inter -keyalg EC -groupname secp256r1 -dname 'CN=JKS Test Intermediate,O=Example' -validity $DAYS
keytool -certreq "${ca[@]}" -alias inter 2>/dev/null | keytool -gencert "${ca[@]}" -alias root -rfc -ext bc:c=ca:true,pathlen:0 -ext ku:c=keyCertSign,cRLSign -validity $DAYS >"$work/inter.pem" 2>/dev/null
quiet keytool -importcert "${ca[@]}" -noprompt -alias inter -file "$work/inter.pem"
quiet keytool -exportcert "${ca[@]}" -alias inter -rfc -file "$out/intermediate.pem"
# A second, unrelated CA for the trusted entries.
quiet keytool -genkeypair -keystore "$work/other.p12" -storetype PKCS12 -storepass ca-pass -alias other -keyalg RSA -keysize 2048 -dname 'CN=Other Test CA' -ext bc:c -validity $DAYS
quiet keytool -exportcert -keystore "$work/other.p12" -storetype PKCS12 -storepass ca-pass -alias other -rfc -file "$out/other-ca.pem"

# key STORE TYPE ALIAS KEYPASS KEYALG...: a key entry whose certificate the intermediate issued, with the whole chain.
key() {
  local store=$1 type=$2 alias=$3 keypass=$4
  shift 4
  local ks=(-keystore "$store" -storetype "$type" -storepass "$STORE_PASS" -keypass "$keypass")
  quiet keytool -genkeypair "${ks[@]}" -alias "$alias" "$@" -dname "CN=$alias.example,O=Example" -validity $DAYS
  keytool -certreq "${ks[@]}" -alias "$alias" 2>/dev/null | keytool -gencert "${ca[@]}" -alias inter -rfc -ext "san=dns:$alias.example" -ext ku:c=digitalSignature,keyEncipherment -ext eku=serverAuth -validity $DAYS >"$work/$alias.pem" 2>/dev/null
  cat "$work/$alias.pem" "$out/intermediate.pem" "$out/root.pem" >"$work/$alias-chain.pem"
  quiet keytool -importcert "${ks[@]}" -noprompt -trustcacerts -alias "$alias" -file "$work/$alias-chain.pem"
  quiet keytool -exportcert -keystore "$store" -storetype "$type" -storepass "$STORE_PASS" -alias "$alias" -file "$out/$alias.cer"
}
trusted() { # STORE TYPE ALIAS FILE
  quiet keytool -importcert -keystore "$1" -storetype "$2" -storepass "$STORE_PASS" -noprompt -alias "$3" -file "$4"
}
to_p12() { # STORE TYPE P12 [keytool options]: keytool's own conversion, the reference the tests compare with
  local store=$1 type=$2 p12=$3
  shift 3
  quiet keytool -importkeystore -srckeystore "$store" -srcstoretype "$type" -srcstorepass "$STORE_PASS" -destkeystore "$p12" -deststoretype PKCS12 -deststorepass "$STORE_PASS" -noprompt "$@"
}

# store.jks: RSA and EC key entries with their chains, the root and another CA trusted (one alias outside ASCII).
s="$out/store.jks"
trusted "$s" JKS 'jks test root' "$out/root.pem"
key "$s" JKS rsa-server "$STORE_PASS" -keyalg RSA -keysize 2048
key "$s" JKS ec-server "$STORE_PASS" -keyalg EC -groupname secp256r1
trusted "$s" JKS 'zweite ca münchen €' "$out/other-ca.pem"
to_p12 "$s" JKS "$out/store-keytool.p12"

# keypass.jks: one key under its own password, one under the store password.
k="$out/keypass.jks"
key "$k" JKS own-pass "$KEY_PASS" -keyalg EC -groupname secp256r1
to_p12 "$k" JKS "$out/keypass-keytool.p12" -srcalias own-pass -srckeypass "$KEY_PASS" -destkeypass "$STORE_PASS"
key "$k" JKS store-pass "$STORE_PASS" -keyalg EC -groupname secp256r1

# truststore.jks: trusted certificates only, as a Java truststore holds them.
t="$out/truststore.jks"
trusted "$t" JKS 'jks test root' "$out/root.pem"
trusted "$t" JKS 'other ca' "$out/other-ca.pem"

# store.jceks: an RSA key entry with its chain, the root trusted, and two secret keys (Java serialized objects).
j="$out/store.jceks"
key "$j" JCEKS jceks-server "$STORE_PASS" -keyalg RSA -keysize 2048
trusted "$j" JCEKS 'jks test root' "$out/root.pem"
quiet keytool -genseckey -keystore "$j" -storetype JCEKS -storepass "$STORE_PASS" -keypass "$STORE_PASS" -alias aes-key -keyalg AES -keysize 128
quiet keytool -genseckey -keystore "$j" -storetype JCEKS -storepass "$STORE_PASS" -keypass "$STORE_PASS" -alias hmac-key -keyalg HmacSHA256 -keysize 256
quiet keytool -genkeypair -keystore "$j" -storetype JCEKS -storepass "$STORE_PASS" -keypass "$STORE_PASS" -alias ec-self -keyalg EC -groupname secp256r1 -dname CN=ec-self.example -validity $DAYS

# Damaged copies: cut short, and one byte of the last certificate's signature changed (the
# structure still reads; only the integrity digest, with a key the password opens, tells).
size=$(stat -c %s "$s")
head -c $((size / 2)) "$s" >"$out/damaged-truncated.jks"
cp "$s" "$out/damaged-flipped.jks"
offset=$((size - 20 - 8))
byte=$(od -An -tu1 -j $offset -N1 "$s" | tr -d ' ')
printf "$(printf '\\%03o' $(((byte + 1) % 256)))" | dd of="$out/damaged-flipped.jks" bs=1 seek=$offset conv=notrunc status=none

java -version 2>&1 | head -1 >"$out/made-with.txt"
echo "made $(ls "$out" | wc -l) files in $out"
