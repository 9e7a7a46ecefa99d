// The in-memory shape of an IBM CMS key database (.kdb, .rdb, .crl) and its records.

export type CmsVersion = 3 | 4 | 6;

/** From the ASCII type tag at offset 8: X509KEY, X509KYP, X509CRL. */
export type CmsFileType = 'key' | 'request' | 'crl';

export type CmsRecordKind = 'certificate' | 'key-pair' | 'request' | 'secret' | 'unknown';

export interface CmsRecord {
  label: string;
  kind: CmsRecordKind;
  /** Certificate DER ([1] and [2] records). */
  certificate?: Uint8Array;
  /** EncryptedPrivateKeyInfo DER ([2] records), carried encrypted: writing never needs the key. */
  encryptedPrivateKey?: Uint8Array;
  /**
   * The full record DER, kept for kinds kyman does not model ([0] request, [3] secret, other
   * tags). On write its CHOICE element goes back unchanged; its record number, label and flags
   * are the record's current ones.
   */
  raw?: Uint8Array;
  /**
   * For the same kinds: the slot bytes after the reserved field (IBM's five digests for
   * certificates; unknown for these kinds), as read, trailing zero padding dropped. kyman cannot
   * compute them for records it does not model, so it writes them back as they were.
   */
  slotTail?: Uint8Array;
  /** Flag bit 0. */
  trusted: boolean;
  /**
   * Flag bit 1. *Unverified* reading: bit 1 = default key. No IBM file with a known default
   * key has been seen; ikeyman sets bits 0 and 1 on the only key it wrote.
   */
  isDefault: boolean;
  /** Flag bits beyond 0 and 1 (bit i as 2^i), kept so a record is written back as it was read. */
  otherFlags?: number;
}

export interface CmsDatabase {
  version: CmsVersion;
  fileType: CmsFileType;
  /** The slot size in bytes (gskkyman's "record length"). */
  recordLength: number;
  /** 24 bytes, kept across writes. */
  salt: Uint8Array;
  records: CmsRecord[];
}

export interface CmsHeaderInfo {
  version: CmsVersion;
  fileType: CmsFileType;
  recordLength: number;
  recordCount: number;
}
