import assert from 'node:assert/strict';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { KymanError } from '../../../src/core/errors.js';
import { encodeName, formatName, parseName } from '../../../src/core/pki/name.js';

const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');
const der = (name: Name) => new Uint8Array(AsnConvert.serialize(name));

function assertKymanError(f: () => unknown, code: string, includes?: string | RegExp) {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof KymanError, `expected a KymanError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (typeof includes === 'string') assert.ok(e.message.includes(includes), `"${e.message}" should mention ${includes}`);
    else if (includes) assert.match(e.message, includes);
    return true;
  });
}

describe('distinguished names', () => {
  describe('parseName', () => {
    it('encodes the most significant RDN (the last in the string) first', () => {
      const name = parseName('CN=www.example.com,O=Example,C=US');
      assert.equal(name.length, 3);
      assert.equal(name[0][0].type, '2.5.4.6');
      assert.equal(name[0][0].value.printableString, 'US');
      assert.equal(name[1][0].type, '2.5.4.10');
      assert.equal(name[1][0].value.utf8String, 'Example');
      assert.equal(name[2][0].type, '2.5.4.3');
      assert.equal(name[2][0].value.utf8String, 'www.example.com');
      // SEQUENCE { SET { SEQUENCE { OID 2.5.4.6, PrintableString "US" } } … }
      assert.ok(hex(der(name)).startsWith('3039310b3009060355040613025553'));
    });

    it('picks PrintableString for C and serialNumber, IA5String for DC and emailAddress, UTF8String otherwise', () => {
      const name = parseName('serialNumber=A-123,DC=example,emailAddress=a@example.com,UID=jdoe,1.2.3.4=text');
      const byType = new Map(name.map((rdn) => [rdn[0].type, rdn[0].value]));
      assert.equal(byType.get('2.5.4.5')?.printableString, 'A-123');
      assert.equal(byType.get('0.9.2342.19200300.100.1.25')?.ia5String, 'example');
      assert.equal(byType.get('1.2.840.113549.1.9.1')?.ia5String, 'a@example.com');
      assert.equal(byType.get('0.9.2342.19200300.100.1.1')?.utf8String, 'jdoe');
      assert.equal(byType.get('1.2.3.4')?.utf8String, 'text');
    });

    it('encodes a multi-valued RDN as one SET in DER order', () => {
      const name = parseName('OU=Sales+O=Example,C=US');
      assert.equal(name.length, 2);
      assert.deepEqual(
        Array.from(name[1], (atv) => atv.type),
        // X.690 §11.6 compares whole encodings: OU=Sales (30 0a …) sorts before O=Example (30 0c …)
        ['2.5.4.11', '2.5.4.10'],
      );
    });

    it('keeps #hex values as the BER they spell', () => {
      const name = parseName('1.3.6.1.4.1.99999.1=#0c0141,CN=x');
      assert.equal(hex(name[1][0].value.anyValue!), '0c0141');
      assert.ok(hex(der(name)).includes('06092b06010401868d1f010c0141'), hex(der(name)));
    });

    it('reads escapes, hex pairs and UTF-8', () => {
      const value = (text: string) => parseName(text)[0][0].value.toString();
      assert.equal(value('CN=a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h\\=i\\#j'), 'a,b+c"d\\e<f>g;h=i#j');
      assert.equal(value('CN=Caf\\C3\\A9'), 'Café');
      assert.equal(value('CN=Café'), 'Café');
      assert.equal(value('CN=\\ lead and trail\\ '), ' lead and trail ');
      assert.equal(value('CN=\\#not hex'), '#not hex');
      assert.equal(value('CN=a=b'), 'a=b');
      assert.equal(value('CN=😀'), '😀');
    });

    it('forgives spaces around separators and accepts type aliases case-insensitively', () => {
      assert.equal(formatName(parseName(' cn = www.example.com , o = Example Inc , c = us ')), 'CN=www.example.com,O=Example Inc,C=us');
      assert.equal(formatName(parseName('E=a@example.com,commonName=x')), 'emailAddress=a@example.com,CN=x');
      assert.equal(formatName(parseName('OID.2.5.4.3=x,2.5.4.10=y')), 'CN=x,O=y');
    });

    it('reads an empty string as the empty Name', () => {
      assert.equal(parseName('').length, 0);
      assert.equal(parseName('   ').length, 0);
      assert.equal(formatName(parseName('')), '');
    });

    const bad: Array<[string, string]> = [
      ['XX=1,O=Example', '"XX"'],
      ['CN=', 'empty value for CN'],
      ['CN=   ', 'empty value for CN'],
      ['CN=x,O', '"O" has no "="'],
      ['CN=x,', 'missing'],
      [',CN=x', 'missing'],
      ['=x', 'attribute type is missing'],
      ['CN=a\\qb', '\\q'],
      ['CN=a\\', 'lone'],
      ['CN=a"b', 'unescaped """'],
      ['CN=a;b', 'unescaped ";"'],
      ['CN=a<b', 'unescaped "<"'],
      ['CN=#zz', '#hex'],
      ['CN=#0c0', 'even number'],
      ['1.2.3.4=#0c05', 'not one BER-encoded value'],
      ['1.2.3.4=#0c01410c0141', 'not one BER-encoded value'],
      ['1.02.3=x', '"1.02.3"'],
      ['0.45=x', '"0.45" is not a dotted OID'],
      ['1.40.1=x', '"1.40.1" is not a dotted OID'],
      ['C=USA', 'two-letter'],
      ['serialNumber=a_b', 'PrintableString'],
      ['DC=bücher', 'ASCII'],
      ['CN=\\C3\\28', 'UTF-8'],
      [`CN=${'x'.repeat(65)}`, 'at most 64'],
    ];
    for (const [text, mention] of bad) {
      it(`rejects ${JSON.stringify(text)} with USAGE naming the problem`, () => {
        assertKymanError(() => parseName(text), 'USAGE', mention);
      });
    }
  });

  describe('formatName', () => {
    const roundTrips = [
      'CN=www.example.com,O=Example,C=US',
      'CN=a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h=i,O=Example,C=US',
      'CN=\\#lead\\ ,OU=x y',
      'CN=\\ both\\ ',
      'CN=mid # and mid  spaces',
      'UID=jdoe+CN=John Doe,OU=People,DC=example,DC=com',
      'OU=x+O=y',
      'emailAddress=j@example.com,serialNumber=1234,title=Dr,GN=John,SN=Doe,L=Here,ST=There,STREET=1 Main St',
      '1.3.6.1.4.1.99999.1=#0C0141,CN=x',
      'CN=Café 😀',
      'CN=tab\\09and\\00nul',
      '',
    ];
    for (const text of roundTrips) {
      it(`round-trips ${JSON.stringify(text)}`, () => {
        const name = parseName(text);
        assert.equal(formatName(name), text);
        assert.equal(formatName(der(name)), text);
        assert.equal(hex(der(parseName(formatName(name)))), hex(der(name)));
      });
    }

    it('prints a known type with a non-string value as #hex of its DER', () => {
      const atv = new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ anyValue: new Uint8Array([2, 1, 5]).buffer }) });
      assert.equal(formatName(new Name([new RelativeDistinguishedName([atv])])), 'CN=#020105');
    });

    it('prints an unknown type as its dotted OID and the #hex of the whole value, even a string', () => {
      const atv = new AttributeTypeAndValue({ type: '1.2.3.4', value: new AttributeValue({ printableString: 'ab' }) });
      assert.equal(formatName(new Name([new RelativeDistinguishedName([atv])])), '1.2.3.4=#13026162');
    });

    it('decodes BMPString, TeletexString and UniversalString values', () => {
      const mk = (value: AttributeValue) => new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: '2.5.4.3', value })])]);
      assert.equal(formatName(mk(new AttributeValue({ bmpString: 'Ünïcødé' }))), 'CN=Ünïcødé');
      // TeletexString "Caf\xe9" read as Latin-1, as certificates in the wild mean it
      const teletex = Uint8Array.from([0x30, 0x10, 0x31, 0x0e, 0x30, 0x0c, 0x06, 0x03, 0x55, 0x04, 0x03, 0x14, 0x05, 0x43, 0x61, 0x66, 0xe9, 0x21]);
      assert.equal(formatName(teletex), 'CN=Café!');
      const ucs4 = Uint8Array.from([0x30, 0x13, 0x31, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x04, 0x03, 0x1c, 0x08, 0, 0, 0, 0x41, 0, 1, 0xf6, 0x00]);
      assert.equal(formatName(ucs4), 'CN=A😀');
    });

    it('agrees with an asn1-schema parse of the same DER', () => {
      const text = 'UID=jdoe+CN=John,O=Example\\, Inc.,C=US';
      const parsed = AsnParser.parse(der(parseName(text)), Name);
      assert.equal(formatName(parsed), text);
    });

    const malformed: Array<[string, number[]]> = [
      ['empty input', []],
      ['a truncated SEQUENCE', [0x30, 0x05, 0x31, 0x03]],
      ['a SET where the Name SEQUENCE belongs', [0x31, 0x00]],
      ['trailing bytes', [0x30, 0x00, 0x00]],
      ['an RDN that is not a SET', [0x30, 0x02, 0x30, 0x00]],
      ['an empty RDN', [0x30, 0x02, 0x31, 0x00]],
      ['an indefinite length', [0x30, 0x80, 0x00, 0x00]],
    ];
    for (const [what, bytes] of malformed) {
      it(`throws BAD_INPUT on ${what}`, () => {
        assertKymanError(() => formatName(Uint8Array.from(bytes)), 'BAD_INPUT');
      });
    }
  });
  describe('encodeName', () => {
    // What an earlier release wrote through the schema classes for each kind of value a Name
    // read from elsewhere may hold; parseName itself makes only the UTF8, Printable and IA5 kinds.
    const one = (value: ConstructorParameters<typeof AttributeValue>[0], type = '2.5.4.3') =>
      new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue(value) })])]);
    const cases: [string, ConstructorParameters<typeof AttributeValue>[0], string][] = [
      ['a BMPString beyond the BMP (UTF-16 code units)', { bmpString: 'Grüße 𝄞' }, '301b3119301706035504031e100047007200fc00df00650020d834dd1e'],
      ['a TeletexString (one octet a character)', { teletexString: 'abc ÿé' }, '3011310f300d0603550403140661626320ffe9'],
      ['a UniversalString inside the BMP', { universalString: 'añb€' }, '301b3119301706035504031c1000000061000000f100000062000020ac'],
      ['a PrintableString one octet a character, as asn1-x509 reads one', { printableString: 'Zé€' }, '300e310c300a060355040313035ae9ac'],
      ['an IA5String one octet a character', { ia5String: 'é' }, '300c310a300806035504031601e9'],
      ['a UTF8String', { utf8String: 'x' }, '300c310a300806035504030c0178'],
      ['an empty UTF8String', { utf8String: '' }, '300b3109300706035504030c00'],
      ['a 300-octet value (two length octets)', { utf8String: 'y'.repeat(300) }, '3082013d318201393082013506035504030c82012c797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979'],
      ['an ANY value in DER, as given', { anyValue: Uint8Array.from([0x0c, 0x03, 0x78, 0x79, 0x7a]).buffer }, '300e310c300a06035504030c0378797a'],
      ['an ANY value with a long-form length, as given', { anyValue: Uint8Array.from([0x0c, 0x81, 0x03, 0x78, 0x78, 0x78]).buffer }, '300f310d300b06035504030c8103787878'],
      ['an ANY SEQUENCE, as given', { anyValue: Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]).buffer }, '3011310f300d06035504033006020101020102'],
    ];
    for (const [what, value, expected] of cases) {
      it(`writes ${what}`, () => assert.equal(hex(encodeName(one(value))), expected));
    }

    it('writes an attribute type whose first arcs take one octet (1.39)', () => {
      assert.equal(hex(encodeName(one({ utf8String: 'x' }, '1.39.5'))), '300b3109300706024f050c0178');
    });

    it('writes a UniversalString beyond the BMP as code points, which formatName reads back', () => {
      const name = one({ universalString: 'A😀' });
      assert.equal(hex(encodeName(name)), '30133111' + '300f' + '0603550403' + '1c08' + '00000041' + '0001f600');
      assert.equal(formatName(encodeName(name)), 'CN=A😀');
    });

    it('writes a BER value with an indefinite length inside definite ones', () => {
      const name = one({ anyValue: Uint8Array.from([0x30, 0x80, 0x0c, 0x01, 0x78, 0x00, 0x00]).buffer });
      assert.equal(hex(encodeName(name)), '3010310e300c0603550403' + '30800c01780000');
    });

    it('refuses an attribute type X.690 cannot write with BAD_INPUT', () => {
      assertKymanError(() => encodeName(one({ utf8String: 'x' }, '0.45')), 'BAD_INPUT', '0.45');
    });

    it('writes what parseName makes: multi-valued RDNs in DER order, #hex values as given', () => {
      assert.equal(hex(encodeName(parseName('CN=a+O=b+C=US'))), '3021311f300806035504030c01613008060355040a0c01623009060355040613025553');
      assert.equal(hex(encodeName(parseName('CN=#0c0378797a'))), '300e310c300a06035504030c0378797a');
      assert.equal(hex(encodeName(parseName('CN=x,O=é,C=US,DC=a,emailAddress=a@b'))), '304d3112301006092a864886f70d01090116036140623111300f060a0992268993f22c640119160161310b3009060355040613025553310b3009060355040a0c02c3a9310a300806035504030c0178');
    });
  });
});

