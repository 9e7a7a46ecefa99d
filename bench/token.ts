// A server key on a PKCS #11 token (SoftHSM2) against the same in software: handshakes and signatures.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import pkcs11js from 'pkcs11js';
import { createPkcs11Provider, type Pkcs11Provider } from '../src/core/crypto/pkcs11.js';
import { SOFTHSM2_MODULES } from '../src/core/crypto/pkcs11-module.js';
import { initToken } from '../src/core/crypto/pkcs11-tokens.js';
import { softwareProvider } from '../src/core/crypto/software.js';
import { benchCredentials, kymanBenchServer, measureHandshakes, type BenchCredentials } from '../src/core/tools/tls-bench.js';
import { createCertificate } from '../src/core/pki/certificate/index.js';
import type { Figure } from './report.js';
import { nodeHandshakeClient } from './tls.js';

const HANDSHAKES = 300;
const SIGNATURES = 3000;
const PIN = '24681357';

async function handshakesPerSecond(creds: BenchCredentials): Promise<number> {
  const server = await kymanBenchServer(creds, 'handshake');
  try {
    return (await measureHandshakes(server.port, nodeHandshakeClient(creds), HANDSHAKES)).perSecond;
  } finally {
    await server.close();
  }
}

/** ECDSA P-256 signatures a second through the provider, and through bare pkcs11js calls on one session. */
async function signatureRates(provider: Pkcs11Provider, creds: BenchCredentials): Promise<{ provider: number; bare: number }> {
  const data = new Uint8Array(64);
  const scheme = { type: 'ecdsa', hash: 'SHA-256' } as const;
  for (let i = 0; i < 50; i++) await provider.sign(creds.privateKey, scheme, data);
  let start = performance.now();
  for (let i = 0; i < SIGNATURES; i++) await provider.sign(creds.privateKey, scheme, data);
  const viaProvider = SIGNATURES / ((performance.now() - start) / 1000);

  // The floor: the same mechanism on the same key object, no hashing, no DER, one session.
  const lib = provider.token.lib;
  const session = lib.C_OpenSession(provider.token.slot, pkcs11js.CKF_SERIAL_SESSION);
  try {
    const digest = Buffer.alloc(32, 1);
    const out = Buffer.alloc(64);
    const key = (creds.privateKey as unknown as { object: Buffer }).object;
    start = performance.now();
    for (let i = 0; i < SIGNATURES; i++) {
      lib.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, key);
      lib.C_Sign(session, digest, out);
    }
    return { provider: viaProvider, bare: SIGNATURES / ((performance.now() - start) / 1000) };
  } finally {
    lib.C_CloseSession(session);
  }
}

export async function benchToken(): Promise<Figure[]> {
  const module = SOFTHSM2_MODULES.find((m) => existsSync(m));
  if (!module) throw new Error('SoftHSM2 is not installed (apt-get install softhsm2): the token benchmark needs it');
  const dir = mkdtempSync(path.join(tmpdir(), 'kyman-bench-token-'));
  mkdirSync(path.join(dir, 'tokens'));
  writeFileSync(path.join(dir, 'softhsm2.conf'), `directories.tokendir = ${path.join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  // SoftHSM2 reads this when the module is first initialized, so before any token call.
  process.env.SOFTHSM2_CONF = path.join(dir, 'softhsm2.conf');
  let provider: Pkcs11Provider | undefined;
  try {
    initToken(module, { label: 'bench', soPin: '13572468', userPin: PIN });
    provider = createPkcs11Provider({ module, tokenLabel: 'bench', pin: PIN });
    const key = await provider.generateTokenKeyPair({ type: 'ec', curve: 'P-256' }, 'bench');
    const certificate = await createCertificate(provider, { subject: 'CN=localhost', subjectKey: key, subjectAltNames: ['dns:localhost', 'ip:127.0.0.1'], days: 1 });
    const onToken: BenchCredentials = { certificate, privateKey: key, provider };
    const inSoftware = await benchCredentials(softwareProvider());

    // Taken in turns, the best of two each, so neither side gains from going second (a warmer JIT).
    let software = 0;
    let token = 0;
    for (let round = 0; round < 2; round++) {
      software = Math.max(software, await handshakesPerSecond(inSoftware));
      token = Math.max(token, await handshakesPerSecond(onToken));
    }
    const signs = await signatureRates(provider, onToken);
    return [
      {
        name: `kyman server, full TLS 1.3 handshakes, ECDSA P-256 key on a SoftHSM2 token (Node's tls client, ${HANDSHAKES} in a row)`,
        value: token,
        unit: 'handshakes/s',
        reference: { name: 'the same server, key in software', value: software },
        goal: 'ratio ≥ 0.7',
      },
      {
        name: `ECDSA P-256 signatures on the token through kyman's provider (hash, sign, DER), ${SIGNATURES} in a row`,
        value: signs.provider,
        unit: 'signatures/s',
        reference: { name: 'bare pkcs11js C_SignInit + C_Sign on one session', value: signs.bare },
      },
    ];
  } finally {
    provider?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
