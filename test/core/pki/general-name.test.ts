import assert from 'node:assert/strict';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { GeneralName } from '@peculiar/asn1-x509';
import { KymanError } from '../../../src/core/errors.js';
import { formatGeneralName, formatIpAddress, parseIpAddress, parseSubjectAltName } from '../../../src/core/pki/general-name.js';
import { parseName } from '../../../src/core/pki/name.js';

const derHex = (gn: GeneralName) => Buffer.from(AsnConvert.serialize(gn)).toString('hex');
const reparse = (gn: GeneralName) => AsnParser.parse(AsnConvert.serialize(gn), GeneralName);

describe('subject alternative names', () => {
  it('encodes dns: as a dNSName [2] IA5String', () => {
    const gn = parseSubjectAltName('dns:www.example.com');
    assert.equal(gn.dNSName, 'www.example.com');
    assert.equal(derHex(gn), '820f' + Buffer.from('www.example.com').toString('hex'));
  });

  it('encodes ip: IPv4 as 4 octets and IPv6 as 16', () => {
    assert.equal(derHex(parseSubjectAltName('ip:192.0.2.1')), '8704c0000201');
    assert.equal(derHex(parseSubjectAltName('ip:2001:db8::1')), '871020010db8000000000000000000000001');
    assert.equal(derHex(parseSubjectAltName('ip:::')), '8710' + '00'.repeat(16));
    assert.equal(derHex(parseSubjectAltName('ip:::1')), '8710' + '00'.repeat(15) + '01');
    assert.equal(derHex(parseSubjectAltName('ip:fe80::')), '8710fe80' + '00'.repeat(14));
    assert.equal(derHex(parseSubjectAltName('ip:1:2:3:4:5:6:7:8')), '871000010002000300040005000600070008');
    assert.equal(derHex(parseSubjectAltName('ip:::ffff:192.0.2.1')), '8710' + '00'.repeat(10) + 'ffffc0000201');
    assert.equal(derHex(parseSubjectAltName('ip:64:ff9b::192.0.2.1')), '87100064ff9b0000000000000000c0000201');
    assert.equal(derHex(parseSubjectAltName('ip:1:2:3:4:5:6:192.0.2.1')), '8710000100020003000400050006c0000201');
  });

  it('encodes email: as rfc822Name [1] and uri: as uniformResourceIdentifier [6]', () => {
    assert.equal(derHex(parseSubjectAltName('email:a@example.com')), '810d' + Buffer.from('a@example.com').toString('hex'));
    assert.equal(derHex(parseSubjectAltName('uri:https://example.com/x')), '8615' + Buffer.from('https://example.com/x').toString('hex'));
  });

  it('turns internationalised domain names into A-labels and keeps a leading wildcard', () => {
    assert.equal(parseSubjectAltName('dns:bücher.example').dNSName, 'xn--bcher-kva.example');
    assert.equal(parseSubjectAltName('dns:*.Example.COM').dNSName, '*.example.com');
    assert.equal(parseSubjectAltName('email:info@bücher.example').rfc822Name, 'info@xn--bcher-kva.example');
    assert.equal(parseSubjectAltName('DNS: www.example.com ').dNSName, 'www.example.com');
  });

  const roundTrips = ['dns:www.example.com', 'dns:*.example.com', 'ip:192.0.2.1', 'ip:2001:db8::1', 'ip:::1', 'ip:::ffff:192.0.2.1', 'ip:1:2:3:4:5:6:7:8', 'email:a@example.com', 'uri:https://example.com/x?y=1'];
  for (const spec of roundTrips) {
    it(`formats ${spec} back, before and after DER`, () => {
      const gn = parseSubjectAltName(spec);
      assert.equal(formatGeneralName(gn), spec);
      assert.equal(formatGeneralName(reparse(gn)), spec);
    });
  }

  it('formats IPv6 in RFC 5952 form whatever form it was given in', () => {
    assert.equal(formatGeneralName(parseSubjectAltName('ip:2001:0DB8:0000:0000:0000:0000:0000:0001')), 'ip:2001:db8::1');
    assert.equal(formatGeneralName(parseSubjectAltName('ip:2001:db8:0:0:1:0:0:1')), 'ip:2001:db8::1:0:0:1'); // first of equal runs
    assert.equal(formatGeneralName(parseSubjectAltName('ip:2001:db8:0:1:1:1:1:1')), 'ip:2001:db8:0:1:1:1:1:1'); // one zero group stays
    assert.equal(formatIpAddress(parseIpAddress('2001:db8::')), '2001:db8::');
  });

  it('formats the kinds it does not parse', () => {
    assert.equal(formatGeneralName(new GeneralName({ directoryName: parseName('CN=x,O=y') })), 'dirname:CN=x,O=y');
    assert.equal(formatGeneralName(new GeneralName({ registeredID: '1.2.3.4' })), 'rid:1.2.3.4');
  });

  const bad: Array<[string, string]> = [
    ['foo:bar', '"foo"'],
    ['www.example.com', 'no type'],
    ['dns:', 'empty'],
    ['dns:-bad-.example.com', 'not a domain name'],
    ['dns:a..example.com', 'not a domain name'],
    ['dns:www.example.com/x', 'not a domain name'],
    ['dns:a.*.example.com', 'not a domain name'],
    ['ip:999.1.1.1', 'not an IPv4 or IPv6 address'],
    ['ip:1.2.3', 'not an IPv4 or IPv6 address'],
    ['ip:2001:db8::1::2', 'not an IPv4 or IPv6 address'],
    ['ip:fe80::1%eth0', 'zone'],
    ['ip:www.example.com', 'not an IPv4 or IPv6 address'],
    ['email:nobody', 'local@domain'],
    ['email:@example.com', 'local@domain'],
    ['email:jürgen@example.com', 'ASCII'],
    ['uri:no-scheme', 'scheme'],
    ['uri:https://a b', 'ASCII'],
  ];
  for (const [spec, mention] of bad) {
    it(`rejects ${JSON.stringify(spec)} with USAGE`, () => {
      assert.throws(
        () => parseSubjectAltName(spec),
        (e: unknown) => e instanceof KymanError && e.code === 'USAGE' && e.message.includes(mention) && e.message.includes(spec),
      );
    });
  }
});
