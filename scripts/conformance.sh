#!/usr/bin/env bash
# Runs the tlsfuzzer subset of ../shared/tlsfuzzer against kyman's own TLS server, once with an
# RSA key and once with an ECDSA P-256 key, with the project's knobs-only profile
# (test/conformance/tlsfuzzer-profile.txt). Prints one line a script and "N passed, N failed",
# and exits non-zero on any failure other than the scripts test/conformance/known-gaps.txt lists
# (and on any of those that passes: the list may only shrink).
#   MODES="RSA ECDSA"  which runs (default both)    ONLY=regex  some scripts only
#   TLSFUZZER_HOME=dir the harness (default ../shared/tlsfuzzer)
#   KEEP=1             keep the work directory (logs, databases, server output)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
HARNESS=${TLSFUZZER_HOME:-$ROOT/../shared/tlsfuzzer}
PROFILE=$ROOT/test/conformance/tlsfuzzer-profile.txt
GAPS=$ROOT/test/conformance/known-gaps.txt
MODES=${MODES:-RSA ECDSA}
[ -x "$HARNESS/run-tlsfuzzer.sh" ] || { echo "conformance: no tlsfuzzer harness at $HARNESS" >&2; exit 2; }
/usr/bin/python3 -c 'import ecdsa' 2>/dev/null || { echo "conformance: needs Debian's python3-ecdsa (apt-get install -y python3-ecdsa)" >&2; exit 2; }
[ -f dist/commands/tls/server.js ] || { echo "conformance: build first (npm run build)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kyman-conformance.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] && echo "# work directory kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

# tlsfuzzer's scripts/ are symlinks to one entry stub; some copies hold them as small text files
# naming the stub instead. Run from an overlay whose scripts/ are real links, over the same code.
OVERLAY=$WORK/tlsfuzzer
mkdir -p "$OVERLAY/scripts"
ln -s "$HARNESS/tlsfuzzer/tlsfuzzer" "$OVERLAY/tlsfuzzer"
cp "$HARNESS/tlsfuzzer/scripts/_stub.py" "$OVERLAY/scripts/_stub.py"
for f in "$HARNESS"/tlsfuzzer/scripts/*.py; do
  n=$(basename "$f"); [ "$n" = _stub.py ] && continue
  if [ -L "$f" ] || [ "$(head -c 16 "$f")" = "_stub.py" ]; then ln -s _stub.py "$OVERLAY/scripts/$n"; else cp "$f" "$OVERLAY/scripts/$n"; fi
done
export TLSFUZZER_DIR=$OVERLAY

kyman() { node "$ROOT/bin/run.js" "$@"; }
export KYMAN_CONFORMANCE_PASS=conformance
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

total_failed=0; summary=()
for mode in $MODES; do
  case $mode in RSA) key=rsa;; ECDSA) key=ecdsa;; *) echo "conformance: mode $mode?" >&2; exit 2;; esac
  openssl pkcs12 -export -in "$HARNESS/certs/$key.pem" -inkey "$HARNESS/certs/$key.key" -name server \
    -passout pass:import -out "$WORK/$key.p12"
  kyman db create "$WORK/$key.kdb" --pass env:KYMAN_CONFORMANCE_PASS >/dev/null
  kyman cert import "$WORK/$key.p12" --db "$WORK/$key.kdb" --pass env:KYMAN_CONFORMANCE_PASS --import-pass pass:import >/dev/null
  port=$(free_port)
  # The server's setup; every option here is a knob the profile's comments explain.
  node "$ROOT/bin/run.js" tls server --db "$WORK/$key.kdb" --pass env:KYMAN_CONFORMANCE_PASS \
    --port "$port" --reply http --alpn http/1.1,h2 $(sed -n 's/^#server-args: *//p' "$PROFILE") \
    > "$WORK/server-$mode.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  set +e
  PROFILE=$PROFILE LOGDIR=$WORK/logs-$mode ONLY=${ONLY:-} "$HARNESS/run-tlsfuzzer.sh" 127.0.0.1 "$port" "$mode" | tee "$WORK/result-$mode.txt"
  set -e
  line=$(grep '^tlsfuzzer:' "$WORK/result-$mode.txt" || echo "tlsfuzzer: 0 passed, 1 failed")
  grep -q '^tlsfuzzer:' "$WORK/result-$mode.txt" || total_failed=$((total_failed + 1))
  # Each script's verdict against the known gaps: an unlisted failure or a listed pass fails the run.
  while read -r label res _; do
    case "$label" in ''|\#*|tlsfuzzer:) continue;; esac
    known=$(awk -F'|' -v m="$mode" -v l="$label" '$0 !~ /^#/ && $1==m && $2==l {print $3}' "$GAPS")
    if [ "$res" = PASS ] && [ -n "$known" ] && [ -z "${ONLY:-}" ]; then
      echo "conformance: $mode $label now passes: remove it from test/conformance/known-gaps.txt"; total_failed=$((total_failed + 1))
    elif [ "$res" != PASS ] && [ -n "$known" ]; then
      echo "known gap: $mode $label ($known)"
    elif [ "$res" != PASS ]; then
      total_failed=$((total_failed + 1))
    fi
  done < <(grep -v '^#' "$WORK/result-$mode.txt")
  summary+=("$mode: ${line#tlsfuzzer: }")
done
printf '%s\n' "${summary[@]}"
[ "$total_failed" -eq 0 ]
