// The server entry's version choice (RFC 8446 §4.2.1, RFC 5246 §E.1), made once from the ClientHello before either handshake exists.

import assert from 'node:assert/strict';
import { TlsAlertError } from '../../../src/core/tls/alerts.js';
import { ExtensionType, ext, supportedVersionsExt, type ClientHello } from '../../../src/core/tls/msgs/index.js';
import { chooseVersion } from '../../../src/core/tls/server.js';

function hello(legacy_version: number, versions?: number[]): ClientHello {
  return {
    legacy_version,
    random: new Uint8Array(32),
    legacy_session_id: new Uint8Array(0),
    cipher_suites: [0x1301, 0xc02b],
    legacy_compression_methods: Uint8Array.of(0),
    extensions: versions ? [ext(ExtensionType.supported_versions, supportedVersionsExt.client.encode(versions))] : [],
  };
}

const both = ['TLSv1.3', 'TLSv1.2'] as const;

describe('tls server entry', () => {
  it('TLS 1.3 when the client lists it and it is enabled', () => {
    assert.equal(chooseVersion(hello(0x0303, [0x0304, 0x0303]), [...both]), 'TLSv1.3');
  });

  it('TLS 1.2 when the client lists only it, or sends no supported_versions with legacy_version 0x0303, or TLS 1.3 is off', () => {
    assert.equal(chooseVersion(hello(0x0303, [0x0303]), [...both]), 'TLSv1.2');
    assert.equal(chooseVersion(hello(0x0303), [...both]), 'TLSv1.2');
    assert.equal(chooseVersion(hello(0x0303, [0x0304, 0x0303]), ['TLSv1.2']), 'TLSv1.2');
  });

  it('supported_versions decides over legacy_version (§4.2.1); nothing in common is a protocol_version', () => {
    const refused = (e: unknown) => e instanceof TlsAlertError && e.alert.name === 'protocol_version';
    assert.throws(() => chooseVersion(hello(0x0303, [0x0302]), [...both]), refused);
    assert.throws(() => chooseVersion(hello(0x0302), [...both]), refused);
    assert.throws(() => chooseVersion(hello(0x0303, [0x0303]), ['TLSv1.3']), refused);
  });
});
