import assert from 'node:assert/strict';
import { NAMER } from '../../../src/core/tls/trace.js';

describe('trace names for code points the engine does not speak', () => {
  it('names the schemes, groups and signals peers offer', () => {
    assert.equal(NAMER.scheme(0x0808), 'ed448');
    assert.equal(NAMER.scheme(0x0201), 'rsa_pkcs1_sha1');
    assert.equal(NAMER.scheme(0x0203), 'ecdsa_sha1');
    assert.equal(NAMER.group(0x11ec), 'X25519MLKEM768');
    assert.equal(NAMER.suite(0x00ff), 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV');
    assert.equal(NAMER.scheme(0x1234), '0x1234');
  });
});
