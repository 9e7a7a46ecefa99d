#!/usr/bin/env bash
# Installs what kyman's tests talk to (OpenSSL, GnuTLS, a JDK, SoftHSM2 and OpenSC, tmux, ss, testssl.sh, python3-ecdsa for tlsfuzzer, the STARTTLS servers), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v openssl >/dev/null || need+=(openssl)
command -v certtool >/dev/null || need+=(gnutls-bin)
command -v gnutls-cli >/dev/null || need+=(gnutls-bin)
command -v keytool >/dev/null || need+=(default-jre-headless)
command -v javac >/dev/null || need+=(default-jdk-headless)
/usr/bin/python3 -c 'import ecdsa' 2>/dev/null || need+=(python3-ecdsa)
command -v ss >/dev/null || need+=(iproute2)
command -v tmux >/dev/null || need+=(tmux)
command -v testssl >/dev/null || need+=(testssl.sh)
command -v softhsm2-util >/dev/null || need+=(softhsm2)
command -v pkcs11-tool >/dev/null || need+=(opensc)
# STARTTLS servers the tests start with their own configuration: Postfix, Dovecot, slapd, PostgreSQL, vsftpd, Prosody.
[ -x /usr/sbin/postfix ] || need+=(postfix)
[ -x /usr/lib/dovecot/imap ] && [ -x /usr/lib/dovecot/pop3 ] || need+=(dovecot-imapd dovecot-pop3d)
[ -x /usr/sbin/slapd ] || need+=(slapd)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/sbin/vsftpd ] || need+=(vsftpd)
command -v prosody >/dev/null || need+=(prosody)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${need[*]} for the interoperability tests"
  $sudo apt-get update -qq
  # Postfix and slapd ask questions on install: no system-wide mail or directory setup, the tests bring their own.
  echo 'postfix postfix/main_mailer_type select No configuration' | $sudo debconf-set-selections
  echo 'slapd slapd/no_configuration boolean true' | $sudo debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Native addons build against the system's Node headers, offline.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
npm ci --no-audit --no-fund
# Node.js 26 (OpenSSL 3.5), a peer that speaks X25519MLKEM768 and ML-DSA; its own package, so its `node` never shadows the project's.
npm ci --prefix peers/node26 --no-audit --no-fund
npm test
# tlsfuzzer against kyman's own server, once per suite run (it needs the build npm test made).
./scripts/conformance.sh
