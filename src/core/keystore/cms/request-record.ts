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

import { badInput } from '../../errors.js';
import { contextTag, tryReadTlv, wholeOf } from '../../der/reader.js';
import * as DER from '../../der/writer.js';
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
  // The request and key are carried byte for byte: re-encoding either risks changing it.
  const choice = DER.tlv(contextTag(REQUEST_CHOICE), DER.sequence(content.request, content.encryptedPrivateKey));
  const raw = DER.sequence(DER.integer(0), choice, DER.tlv(DER.TAG.VISIBLE_STRING), DER.tlv(DER.TAG.BIT_STRING, Uint8Array.of(0)));
  return { label, kind: 'request', raw, trusted: true, isDefault: false, otherFlags: content.renewal ? RENEWAL_FLAG : undefined };
}

/** The request and key of a `[0]` record, as read by the codec (its `raw` DER). */
export function readRequestRecord(record: CmsRecord): RequestRecordContent {
  const raw = record.raw;
  const bad = () => badInput(`request record "${record.label}" is not [0] { CertificationRequest, EncryptedPrivateKeyInfo }, the layout kyman reads`);
  if (record.kind !== 'request' || !raw) throw bad();
  const { SEQUENCE, INTEGER } = DER.TAG;
  const seq = tryReadTlv(raw, 0, raw.length, SEQUENCE);
  const int = seq && tryReadTlv(raw, seq.valueStart, seq.end, INTEGER);
  const choice = int && tryReadTlv(raw, int.end, seq.end, contextTag(REQUEST_CHOICE));
  if (!choice) throw bad();
  const pair = tryReadTlv(raw, choice.valueStart, choice.end, SEQUENCE);
  const request = pair && tryReadTlv(raw, pair.valueStart, pair.end, SEQUENCE);
  const key = pair && request && tryReadTlv(raw, request.end, pair.end, SEQUENCE);
  if (!pair || pair.end !== choice.end || !request || !key || key.end !== pair.end) throw bad();
  return {
    request: wholeOf(raw, request).slice(),
    encryptedPrivateKey: wholeOf(raw, key).slice(),
    renewal: ((record.otherFlags ?? 0) & RENEWAL_FLAG) !== 0,
  };
}
