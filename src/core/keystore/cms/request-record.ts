// The `[0]` record of a CMS request database (.rdb): a pending certificate request and its private key.
//
// IBM's layout of this record is *unverified*: every sample .rdb is empty (format facts, "Record
// slots"). kyman's reading, kept here and nowhere else, mirrors the `[2]` key-pair record with the
// request in the certificate's place:
//
//   SEQUENCE {
//     INTEGER recordNumber,
//     [0] EXPLICIT SEQUENCE { CertificationRequest, EncryptedPrivateKeyInfo },
//     VisibleString label,
//     BIT STRING flags }
//
// The CertificationRequest is PKCS #10 DER (RFC 2986 §4), the key PKCS #8 EncryptedPrivateKeyInfo
// under the database password, exactly as a `[2]` record holds its key. Flags: bit 0 set as GSKit
// sets it on every record; bit 2 is kyman's own mark of a renewal request (a request made from a
// key pair already in the key database), *unverified* territory like the rest of this record.
// The slot's five digests are written as five empty pairs (record.ts), since there is no
// certificate to digest.

import * as asn1js from 'asn1js';
import { badInput } from '../../errors.js';
import { CONTEXT, PreEncoded, TAG, TlvReader, UNIVERSAL } from './der.js';
import type { CmsRecord } from './types.js';

/** The `[0]` CHOICE tag number. */
const REQUEST_CHOICE = 0;
/** Flag bit 2 (as 2^2 in CmsRecord.otherFlags): a renewal request. kyman's own reading. */
export const RENEWAL_FLAG = 4;

export interface RequestRecordContent {
  /** PKCS #10 CertificationRequest DER. */
  request: Uint8Array;
  /** PKCS #8 EncryptedPrivateKeyInfo DER, under the database password. */
  encryptedPrivateKey: Uint8Array;
  renewal: boolean;
}

/**
 * A CmsRecord of kind `request` for the codec to write. The record number and label in `raw` are
 * placeholders: the codec takes only the CHOICE element from it and writes the slot's own.
 */
export function requestRecord(label: string, content: RequestRecordContent): CmsRecord {
  const choice = new asn1js.Constructed({
    idBlock: { tagClass: CONTEXT, tagNumber: REQUEST_CHOICE },
    value: [new asn1js.Sequence({ value: [new PreEncoded(content.request), new PreEncoded(content.encryptedPrivateKey)] })],
  });
  const raw = new Uint8Array(
    new asn1js.Sequence({
      value: [new asn1js.Integer({ value: 0 }), choice, new asn1js.VisibleString({ value: '' }), new asn1js.BitString({ valueHex: new Uint8Array(0), unusedBits: 0 })],
    }).toBER(),
  );
  return { label, kind: 'request', raw, trusted: true, isDefault: false, otherFlags: content.renewal ? RENEWAL_FLAG : undefined };
}

/** The request and key of a `[0]` record, as read by the codec (its `raw` DER). */
export function readRequestRecord(record: CmsRecord): RequestRecordContent {
  const raw = record.raw;
  const bad = () => badInput(`request record "${record.label}" is not [0] { CertificationRequest, EncryptedPrivateKeyInfo }, the layout kyman reads`);
  if (record.kind !== 'request' || !raw) throw bad();
  const r = new TlvReader(raw);
  const seq = r.expect(0, raw.length, UNIVERSAL, TAG.SEQUENCE, true);
  const int = seq && r.expect(seq.contentStart, seq.end, UNIVERSAL, TAG.INTEGER, false);
  const choice = int && r.at(int.end, seq.end);
  if (!choice || choice.tagClass !== CONTEXT || choice.tagNumber !== REQUEST_CHOICE || !choice.constructed) throw bad();
  const pair = r.expect(choice.contentStart, choice.end, UNIVERSAL, TAG.SEQUENCE, true);
  const request = pair && r.expect(pair.contentStart, pair.end, UNIVERSAL, TAG.SEQUENCE, true);
  const key = pair && request && r.expect(request.end, pair.end, UNIVERSAL, TAG.SEQUENCE, true);
  if (!pair || pair.end !== choice.end || !request || !key || key.end !== pair.end) throw bad();
  return {
    request: r.whole(request).slice(),
    encryptedPrivateKey: r.whole(key).slice(),
    renewal: ((record.otherFlags ?? 0) & RENEWAL_FLAG) !== 0,
  };
}
