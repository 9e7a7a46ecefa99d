#!/usr/bin/env bash
# Copies the ML-DSA example keys and certificates of the IETF LAMPS document (RFC 9881, from
# draft-ietf-lamps-dilithium-certificates) into fixtures/lamps-ml-dsa/: known answers from the
# specification's authors for the encodings kyman reads and writes.
#
# Usage: scripts/make-ml-dsa-fixtures.sh [CHECKOUT]
#   CHECKOUT: a clone of https://github.com/lamps-wg/dilithium-certificates; without one, the
#   pinned commit is cloned into a temporary folder (needs git and the network).
# The examples' keys come from the seed 00 01 … 1f; the certificates are self-signed and valid
# from 2020 to 2040. Only a small set is copied, so the folder stays small.
set -euo pipefail
cd "$(dirname "$0")/.."

COMMIT=785a549
out=fixtures/lamps-ml-dsa
src=${1:-}
if [ -z "$src" ]; then
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  git clone --quiet https://github.com/lamps-wg/dilithium-certificates "$src"
fi

files=(
  ML-DSA-44-seed.priv ML-DSA-44-expanded.priv ML-DSA-44-both.priv ML-DSA-44.pub ML-DSA-44.crt
  bad-ML-DSA-44-1.priv bad-ML-DSA-44-2.priv bad-ML-DSA-44-3.priv
  ML-DSA-65-seed.priv ML-DSA-65-both.priv ML-DSA-65.pub ML-DSA-65.crt
  ML-DSA-87-seed.priv ML-DSA-87.pub ML-DSA-87.crt
)
mkdir -p "$out"
for f in "${files[@]}"; do git -C "$src" show "$COMMIT:examples/$f" > "$out/$f"; done
echo "copied ${#files[@]} files from lamps-wg/dilithium-certificates@$COMMIT into $out"
