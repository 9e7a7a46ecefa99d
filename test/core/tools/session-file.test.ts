import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { KymanError } from '../../../src/core/errors.js';
import { decodeSession, encodeSession, readSessionFile, writeSessionFile } from '../../../src/core/tools/session-file.js';
import type { TlsSession } from '../../../src/core/tls/index.js';
import { tempDir } from '../../helpers/cli.js';

const session13 = { version: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', serverName: 'localhost', ticket: Uint8Array.of(1, 2, 3), ticketAgeAdd: 0xfffffffe, psk: new Uint8Array(32).fill(7), createdAt: 1_700_000_000_000, lifetimeSeconds: 7200, peerCertificates: [Uint8Array.of(0x30, 0)] } as TlsSession;
const session12 = { version: 'TLSv1.2', cipherSuite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', group: 'x25519', sessionId: Uint8Array.of(9, 9), ticket: Uint8Array.of(4), createdAt: 1, lifetimeSeconds: 60, peerCertificates: [], extendedMasterSecret: true, masterSecret: new Uint8Array(48).fill(1) } as unknown as TlsSession;

describe('session files', () => {
  const t = tempDir('kyman-sess-');
  after(() => t.cleanup());

  it('keep everything a TLS 1.3 ticket and a TLS 1.2 session need to resume', () => {
    assert.deepEqual(decodeSession(encodeSession(session13)), session13);
    assert.deepEqual(decodeSession(encodeSession(session12)), session12);
  });

  it('are written 0600, even over a file that was readable by others', () => {
    const file = t.file('s.txt');
    writeFileSync(file, 'old', { mode: 0o644 });
    writeSessionFile(file, session13);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readSessionFile(file), session13);
  });

  it('refuse what is not one, or is damaged, as BAD_INPUT; a missing file as NOT_FOUND', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof KymanError ? e.code : 'other';
      }
      return 'none';
    };
    assert.equal(code(() => decodeSession('hello\n{}')), 'BAD_INPUT');
    assert.equal(code(() => decodeSession('kyman-tls-session\n{"format":1,"version":"TLSv1.3"')), 'BAD_INPUT');
    assert.equal(code(() => decodeSession(encodeSession(session13).replace('"format": 1', '"format": 2'))), 'BAD_INPUT');
    assert.equal(code(() => decodeSession(encodeSession(session13).replace(/"psk": "[^"]*"/, '"psk": "!!"'))), 'BAD_INPUT');
    assert.equal(code(() => readSessionFile(t.file('none.txt'))), 'NOT_FOUND');
  });
});
