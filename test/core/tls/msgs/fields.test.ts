import assert from 'node:assert/strict';
import { field, hex } from '../../../../src/core/tls/msgs/fields.js';

describe('tls trace fields', () => {
  it('shows bytes as hex, and no bytes as (empty)', () => {
    assert.equal(hex(Uint8Array.of(0x00, 0xab, 0x10)), '00ab10');
    assert.equal(hex(new Uint8Array(0)), '(empty)');
  });

  it('makes a named field of a value or of nested fields', () => {
    assert.deepEqual(field('legacy_version', 'TLS 1.2 (0x0303)'), { name: 'legacy_version', value: 'TLS 1.2 (0x0303)' });
    assert.deepEqual(field('extensions', [field('server_name', 'localhost')]), { name: 'extensions', value: [{ name: 'server_name', value: 'localhost' }] });
  });
});
