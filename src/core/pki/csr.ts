// PKCS #10 certificate requests (RFC 2986): making them through a CryptoProvider and reading anyone's.

import { AsnParser } from '@peculiar/asn1-schema';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { ECParameters } from '@peculiar/asn1-ecc';
import { RSAPublicKey } from '@peculiar/asn1-rsa';
import { AlgorithmIdentifier, BasicConstraints, Extensions, SubjectAlternativeName, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import type { CryptoProvider, MlDsaParameterSet, NamedCurve, PrivateKeyHandle } from '../crypto/provider.js';
import { readMlDsaSpki } from '../crypto/ml-dsa.js';
import { badInput, failed, usage } from '../errors.js';
import { signatureAlgorithmName, signatureSchemeFor, signatureSchemeOf, type SignatureHash } from './certificate/index.js';
import { signatureAlgorithmDer } from './certificate/signature-algorithms.js';
import { encodeExtension, encodeGeneralName } from './certificate/extensions.js';
import { formatGeneralName, parseSubjectAltName } from './general-name.js';
import { contextTag, expectTlv, readTlv, type Tlv } from '../der/reader.js';
import * as DER from '../der/writer.js';
import { CURVE_BY_OID, OID } from '../der/oids.js';
import { encodeName, formatNameAt, parseName } from './name.js';
import { decodePem, isPem } from './pem.js';


/** PEM labels of a request: RFC 7468 §7, and the one Netscape and keytool wrote before it. */
const REQUEST_LABELS: ReadonlySet<string> = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

export interface RequestOptions {
  /** RFC 4514: `CN=www.example.com,O=Example,C=US`. */
  subject: string;
  /** The key the request is for; it also signs the request (proof of possession, RFC 2986 §3). */
  key: PrivateKeyHandle;
  /** `dns:…`, `ip:…`, `email:…`, `uri:…`, asked for in an extensionRequest attribute. */
  subjectAltNames?: string[];
  signatureHash?: SignatureHash;
  /** RSA keys only: sign with RSASSA-PSS instead of PKCS #1 v1.5. */
  rsaPss?: boolean;
}

export interface RequestInfo {
  der: Uint8Array;
  /** RFC 4514. */
  subject: string;
  publicKey: { type: 'rsa' | 'ec' | 'ed25519' | 'ml-dsa' | 'other'; curve?: NamedCurve; bits?: number; parameterSet?: MlDsaParameterSet; algorithmOid: string; spki: Uint8Array };
  /** `dns:…`, `ip:…`, … from the requested subjectAltName extension. */
  subjectAltNames: string[];
  /** Every requested extension, its value the extnValue contents. */
  extensions: Array<{ oid: string; critical: boolean; value: Uint8Array }>;
  /** `ecdsa-with-SHA256`, `sha256WithRSAEncryption`, `Ed25519`, `ML-DSA-65` … */
  signatureAlgorithm: string;
  /** The request's signature verifies with its own public key (proof of possession). */
  signatureValid: boolean;
  /** The request asks for basicConstraints cA. */
  isCA: boolean;
}

/**
 * Makes a PKCS #10 request (RFC 2986) for `options.key`, signed with that key through
 * `provider.sign` (so a token key works) and checked before it is returned. Subject alternative
 * names travel in a PKCS #9 extensionRequest attribute (RFC 2985 §5.4.2), which is where
 * `openssl x509 -copy_extensions` and CAs look for them.
 */
export async function createCertificationRequest(provider: CryptoProvider, options: RequestOptions): Promise<Uint8Array> {
  const subject = parseName(options.subject);
  const altNames = (options.subjectAltNames ?? []).map(parseSubjectAltName);
  // RFC 5280 §4.1.2.6: an empty subject is only allowed with a critical subjectAltName.
  if (subject.length === 0 && altNames.length === 0) throw usage('the subject is empty, so the request needs at least one subject alternative name');
  try {
    AsnParser.parse(options.key.spki, SubjectPublicKeyInfo);
  } catch (e) {
    throw badInput('the key has no valid SubjectPublicKeyInfo', e);
  }
  if (options.rsaPss && options.key.type !== 'rsa') throw usage('RSASSA-PSS signs with RSA keys only');

  // RFC 2986 §4.1 Attributes: the SANs as an extensionRequest (RFC 2985 §5.4.2) holding Extensions.
  const attributes: Uint8Array[] = [];
  if (altNames.length) {
    const san = encodeExtension(OID.id_ce_subjectAltName, subject.length === 0, DER.sequence(...altNames.map(encodeGeneralName)));
    attributes.push(DER.sequence(DER.oid(OID.pkcs_9_at_extensionRequest), DER.tlv(DER.TAG.SET, DER.sequence(san))));
  }
  // CertificationRequestInfo ::= SEQUENCE { version INTEGER (v1 = 0), subject, subjectPKInfo, attributes [0] IMPLICIT SET OF }
  const infoDer = DER.sequence(DER.integer(0), encodeName(subject), options.key.spki, DER.tlv(contextTag(0), ...attributes));
  const scheme = signatureSchemeFor(options.key, options.signatureHash, options.rsaPss ?? false);
  const signature = await provider.sign(options.key, scheme, infoDer);
  const der = DER.sequence(infoDer, signatureAlgorithmDer(scheme), DER.bitString(signature));

  // What was signed must be what was written, and the signature must verify: a faulty token
  // key should fail here, not at the CA.
  const layout = layoutRequest(der);
  const written = der.subarray(layout.info.start, layout.info.end);
  if (written.length !== infoDer.length || written.some((b, i) => b !== infoDer[i])) {
    throw failed('internal error: the request did not encode as it was signed');
  }
  if (!provider.verify(options.key.spki, scheme, infoDer, signature)) {
    throw failed(`the new request's signature does not verify with its own public key: the ${options.key.provider} key may be faulty`);
  }
  return der;
}

interface RequestLayout {
  info: Tlv;
  subject: Tlv;
  spki: Tlv;
}

/** The TLVs of a CertificationRequest that are read from the original bytes, not re-encoded. */
function layoutRequest(der: Uint8Array): RequestLayout {
  const top = expectTlv(der, 0, der.length, 0x30, 'a CertificationRequest SEQUENCE');
  const info = expectTlv(der, top.valueStart, top.end, 0x30, 'a CertificationRequestInfo SEQUENCE');
  const version = expectTlv(der, info.valueStart, info.end, 0x02, 'the request version');
  const subject = expectTlv(der, version.end, info.end, 0x30, 'the subject Name');
  const spki = expectTlv(der, subject.end, info.end, 0x30, 'the SubjectPublicKeyInfo');
  return { info, subject, spki };
}

/**
 * Reads a certificate request: PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`) or DER.
 * BAD_INPUT when it is not one; a signature that does not verify is reported in
 * `signatureValid`, not thrown, so a caller can show the request and say why it refuses it.
 */
export function readCertificationRequest(provider: CryptoProvider, input: Uint8Array): RequestInfo {
  const der = requestDer(input);
  let request: CertificationRequest;
  let layout: RequestLayout;
  try {
    layout = layoutRequest(der);
    request = AsnParser.parse(der, CertificationRequest);
  } catch (e) {
    throw badInput(`the input is not a certificate request: ${(e as Error).message}`, e);
  }
  const reqInfo = request.certificationRequestInfo;
  if (reqInfo.version !== 0) throw badInput(`the input is not a certificate request: unknown version ${reqInfo.version} (RFC 2986 knows only v1 = 0)`);

  const spki = der.slice(layout.spki.start, layout.spki.end);
  const result: RequestInfo = {
    der: der.slice(),
    subject: formatNameAt(der, layout.subject),
    publicKey: { ...describeSpki(reqInfo.subjectPKInfo, spki), spki },
    subjectAltNames: [],
    extensions: [],
    signatureAlgorithm: signatureAlgorithmName(request.signatureAlgorithm),
    signatureValid: verifyRequest(provider, der.subarray(layout.info.start, layout.info.end), request.signatureAlgorithm, spki, new Uint8Array(request.signature)),
    isCA: false,
  };

  for (const attribute of reqInfo.attributes ?? []) {
    if (attribute.type !== OID.pkcs_9_at_extensionRequest && attribute.type !== OID.msCertExtensions) continue;
    for (const value of attribute.values) {
      let extensions: Extensions;
      try {
        extensions = AsnParser.parse(value, Extensions);
      } catch (e) {
        throw badInput('the certificate request has a malformed extensionRequest attribute', e);
      }
      for (const ext of extensions) {
        const extValue = new Uint8Array(ext.extnValue.buffer);
        // RFC 5280 §4.2: one instance of each extension; the first one counts.
        const first = !result.extensions.some((e) => e.oid === ext.extnID);
        result.extensions.push({ oid: ext.extnID, critical: ext.critical, value: extValue });
        if (!first) continue;
        try {
          if (ext.extnID === OID.id_ce_subjectAltName) result.subjectAltNames = Array.from(AsnParser.parse(extValue, SubjectAlternativeName), formatGeneralName);
          if (ext.extnID === OID.id_ce_basicConstraints) result.isCA = AsnParser.parse(extValue, BasicConstraints).cA;
        } catch (e) {
          throw badInput(`the certificate request asks for a malformed ${ext.extnID === OID.id_ce_subjectAltName ? 'subjectAltName' : 'basicConstraints'} extension`, e);
        }
      }
    }
  }
  return result;
}

/** The request's DER, from PEM or DER input. */
function requestDer(input: Uint8Array): Uint8Array {
  if (input.length === 0) throw badInput('the input is empty: it is not a certificate request');
  if (input[0] !== 0x30 && isPem(input)) {
    const blocks = decodePem(input);
    const block = blocks.find((b) => REQUEST_LABELS.has(b.label));
    if (!block) {
      const found = blocks.length ? blocks.map((b) => b.label).join(', ') : 'no PEM blocks';
      throw badInput(`the input is not a certificate request (found ${found}, not CERTIFICATE REQUEST)`);
    }
    return block.der;
  }
  if (input[0] !== 0x30) throw badInput('the input is not a certificate request: expected PEM (BEGIN CERTIFICATE REQUEST) or DER');
  let top: Tlv;
  try {
    top = readTlv(input, 0);
  } catch (e) {
    throw badInput(`the input is not a certificate request: ${(e as Error).message}`, e);
  }
  // A newline some editors add after DER is forgiven; anything else is not one request.
  for (let i = top.end; i < input.length; i++) {
    if (![0x0a, 0x0d, 0x20, 0x09, 0x00].includes(input[i])) throw badInput('the input is not a certificate request: other data follows the DER');
  }
  return input.subarray(0, top.end);
}

/** RFC 2986 §3: the signature over the CertificationRequestInfo DER, with the subject's own key. */
function verifyRequest(provider: CryptoProvider, info: Uint8Array, algorithm: AlgorithmIdentifier, spki: Uint8Array, signature: Uint8Array): boolean {
  const scheme = signatureSchemeOf(algorithm);
  if (!scheme) return false;
  try {
    return provider.verify(spki, scheme, info, signature);
  } catch {
    return false;
  }
}

/** Key type, curve and size of a SubjectPublicKeyInfo. */
function describeSpki(spki: SubjectPublicKeyInfo, der: Uint8Array): Omit<RequestInfo['publicKey'], 'spki'> {
  const algorithmOid = spki.algorithm.algorithm;
  switch (algorithmOid) {
    case OID.rsaEncryption:
    case OID.id_RSASSA_PSS: {
      try {
        const key = AsnParser.parse(spki.subjectPublicKey, RSAPublicKey);
        const modulus = new Uint8Array(key.modulus);
        let i = 0;
        while (i < modulus.length && modulus[i] === 0) i++;
        const bits = i < modulus.length ? (modulus.length - i - 1) * 8 + (32 - Math.clz32(modulus[i])) : 0;
        return { type: 'rsa', bits, algorithmOid };
      } catch (e) {
        throw badInput('the certificate request holds a malformed RSA public key', e);
      }
    }
    case OID.id_ecPublicKey: {
      let curve: NamedCurve | undefined;
      try {
        const params = spki.algorithm.parameters;
        const named = params ? AsnParser.parse(params, ECParameters).namedCurve : undefined;
        if (named) curve = CURVE_BY_OID[named];
      } catch {
        curve = undefined; // explicit curve parameters (RFC 5480 §2.1.1 forbids them): unnamed
      }
      return curve ? { type: 'ec', curve, algorithmOid } : { type: 'ec', algorithmOid };
    }
    case OID.id_Ed25519:
      return { type: 'ed25519', algorithmOid };
    case OID.id_ml_dsa_44:
    case OID.id_ml_dsa_65:
    case OID.id_ml_dsa_87: {
      let key: ReturnType<typeof readMlDsaSpki>;
      try {
        key = readMlDsaSpki(der);
      } catch (e) {
        throw badInput(`the certificate request holds a malformed ML-DSA public key: ${(e as Error).message}`, e);
      }
      return { type: 'ml-dsa', parameterSet: key!.parameterSet, algorithmOid };
    }
    default:
      return { type: 'other', algorithmOid };
  }
}
