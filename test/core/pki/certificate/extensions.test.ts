// The extensions kyman writes: GeneralNames byte for byte as the schema classes wrote them.

import assert from 'node:assert/strict';
import { GeneralName, OtherName } from '@peculiar/asn1-x509';
import { KymanError } from '../../../../src/core/errors.js';
import { encodeGeneralName } from '../../../../src/core/pki/certificate/extensions.js';
import { parseSubjectAltName } from '../../../../src/core/pki/general-name.js';
import { parseName } from '../../../../src/core/pki/name.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('certificate extensions', () => {
  describe('encodeGeneralName', () => {
    // Recorded from an earlier release, which wrote every kind but the four --san makes through
    // asn1-x509's GeneralName.
    const cases: [string, GeneralName, string][] = [
      ['a dNSName', new GeneralName({ dNSName: 'a.example' }), '8209612e6578616d706c65'],
      ['a directoryName ([4] EXPLICIT Name)', new GeneralName({ directoryName: parseName('CN=x,O=y') }), 'a41a3018310a3008060355040a0c0179310a300806035504030c0178'],
      ['a registeredID', new GeneralName({ registeredID: '1.2.3.4' }), '88032a0304'],
      [
        'an otherName (a UPN)',
        new GeneralName({ otherName: new OtherName({ typeId: '1.3.6.1.4.1.311.20.2.3', value: Uint8Array.from([0x0c, 0x03, 0x61, 0x62, 0x63]).buffer }) }),
        'a013060a2b060104018237140203a0050c03616263',
      ],
      ['an iPAddress range (address and mask)', new GeneralName({ iPAddress: '10.0.0.0/8' }), '87080a000000ff000000'],
      ['a dNSName that is not ASCII (one octet a character)', new GeneralName({ dNSName: 'bü.example' }), '820a62fc2e6578616d706c65'],
      ['the first member when two are set', new GeneralName({ dNSName: 'a', rfc822Name: 'b@c' }), '8103624063'],
    ];
    for (const [what, gn, expected] of cases) {
      it(`writes ${what}`, () => assert.equal(hex(encodeGeneralName(gn)), expected));
    }

    it('writes an IPv6 range as the address and its mask', () => {
      assert.equal(hex(encodeGeneralName(new GeneralName({ iPAddress: '2001:db8::/33' }))), '872020010db8' + '00'.repeat(12) + 'ffffffff80' + '00'.repeat(11));
    });

    it('refuses with USAGE what it cannot write: a bad range, an X.400 address', () => {
      const usage = (e: unknown) => e instanceof KymanError && e.code === 'USAGE';
      assert.throws(() => encodeGeneralName(new GeneralName({ iPAddress: '10.0.0.0/33' })), usage);
      assert.throws(() => encodeGeneralName(new GeneralName({ iPAddress: 'nonsense' })), usage);
      assert.throws(() => encodeGeneralName(new GeneralName({ x400Address: new ArrayBuffer(2) })), usage);
    });

    it('writes each --san kind under its implicit tag', () => {
      assert.equal(hex(encodeGeneralName(parseSubjectAltName('email:a@example.com'))), '810d' + Buffer.from('a@example.com').toString('hex'));
      assert.equal(hex(encodeGeneralName(parseSubjectAltName('uri:https://e.example/'))), '8612' + Buffer.from('https://e.example/').toString('hex'));
      assert.equal(hex(encodeGeneralName(parseSubjectAltName('ip:2001:db8::1'))), '871020010db8000000000000000000000001');
    });
  });
});
