// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) read in place: the algorithm, its parameters and the key bits.

import { decodeOid, expectTlv, readTlv, type Tlv } from './reader.js';

/** Where the parts of a SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING } sit. */
export interface SpkiLayout {
  /** The AlgorithmIdentifier SEQUENCE. */
  readonly algorithm: Tlv;
  /** Its algorithm OBJECT IDENTIFIER. */
  readonly algorithmOid: Tlv;
  /**
   * Where its parameters lie, `der[start, end)`: empty when absent; a namedCurve OID for EC keys
   * (RFC 5480 §2.1.1), NULL for RSA. Not read here, so a caller that ignores them need not trust them.
   */
  readonly parameters: { readonly start: number; readonly end: number };
  /** The subjectPublicKey BIT STRING. */
  readonly subjectPublicKey: Tlv;
}

/** The parts of the SubjectPublicKeyInfo `spki` inside `der`; BAD_INPUT when it is not shaped like one. */
export function readSpkiLayout(der: Uint8Array, spki: Tlv): SpkiLayout {
  const algorithm = expectTlv(der, spki.valueStart, spki.end, 0x30, 'the key AlgorithmIdentifier');
  const algorithmOid = expectTlv(der, algorithm.valueStart, algorithm.end, 0x06, 'the key algorithm OID');
  const subjectPublicKey = expectTlv(der, algorithm.end, spki.end, 0x03, 'the subjectPublicKey BIT STRING');
  return { algorithm, algorithmOid, parameters: { start: algorithmOid.end, end: algorithm.end }, subjectPublicKey };
}

/**
 * The algorithm OID of a SubjectPublicKeyInfo DER and, when its parameters are an OID (an EC
 * key's namedCurve), that OID too. BAD_INPUT when the DER is not a SubjectPublicKeyInfo.
 */
export function readSpkiAlgorithm(spki: Uint8Array): { algorithm: string; parametersOid?: string } {
  const top = expectTlv(spki, 0, spki.length, 0x30, 'a SubjectPublicKeyInfo');
  const layout = readSpkiLayout(spki, top);
  const algorithm = decodeOid(spki, layout.algorithmOid.valueStart, layout.algorithmOid.end);
  const { start, end } = layout.parameters;
  const p = start < end ? readTlv(spki, start, end) : undefined;
  return p?.tag === 0x06 ? { algorithm, parametersOid: decodeOid(spki, p.valueStart, p.end) } : { algorithm };
}
