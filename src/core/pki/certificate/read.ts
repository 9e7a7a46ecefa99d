// Reading certificates: every fact of one for people (readCertificate), and the few a listing needs, fast (summarizeCertificate).

import { AsnParser } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName, SubjectKeyIdentifier } from '@peculiar/asn1-x509';
import type { CryptoProvider } from '../../crypto/provider.js';
import { badInput, KymanError } from '../../errors.js';
import { decodeOid, expectTlv, readTlv, type Tlv } from '../../der/reader.js';
import { OID } from '../../der/oids.js';
import { toHex } from '../../bytes.js';
import { formatGeneralName } from '../general-name.js';
import { formatNameAt, namesMatch } from '../name.js';
import { describePublicKey, layoutCertificate, readIsCA, readPublicKey, readTime, serialHex } from './layout.js';
import { EXTENSION_NAMES, openSslGeneralName, renderExtension, upperColonHex } from './render.js';
import { signatureAlgorithmName } from './signature-algorithms.js';
import type { CertificateInfo, CertificateSummary } from './types.js';
import { EKU_BY_OID, KEY_USAGES } from './usages.js';
import { verifyLaidOut } from './verify.js';

/**
 * The facts of one certificate. `selfSigned` is checked, not guessed: the subject must name the
 * issuer and the signature must verify with the certificate's own key. BAD_INPUT when malformed.
 */
export function readCertificate(provider: CryptoProvider, der: Uint8Array): CertificateInfo {
  const layout = layoutCertificate(der);
  const spki = der.slice(layout.subjectPublicKeyInfo.start, layout.subjectPublicKeyInfo.end);
  const subjectDer = der.subarray(layout.subject.start, layout.subject.end);
  const issuerDer = der.subarray(layout.issuer.start, layout.issuer.end);
  const signatureAlgorithm = parseDer(der.subarray(layout.signatureAlgorithm.start, layout.signatureAlgorithm.end), AlgorithmIdentifier, 'signatureAlgorithm');
  const info: CertificateInfo = {
    der: der.slice(),
    version: layout.version,
    serialNumber: serialHex(der, layout.serialNumber),
    subject: formatNameAt(der, layout.subject),
    issuer: formatNameAt(der, layout.issuer),
    notBefore: readTime(der, layout.notBefore),
    notAfter: readTime(der, layout.notAfter),
    publicKey: { ...readPublicKey(der, layout.subjectPublicKeyInfo), spki },
    signatureAlgorithm: signatureAlgorithmName(signatureAlgorithm),
    selfSigned: false,
    isCA: false,
    subjectAltNames: [],
    keyUsage: [],
    extendedKeyUsage: [],
    extensions: [],
    fingerprints: {
      sha1: upperColonHex(provider.hash('SHA-1', der)),
      sha256: upperColonHex(provider.hash('SHA-256', der)),
    },
  };
  info.selfSigned = namesMatch(subjectDer, issuerDer) && verifyLaidOut(provider, der, layout, spki);
  for (const ext of extensionsOf(der, layout.extensions)) {
    // RFC 5280 §4.2: one instance of each extension; the first one counts, as in the fast path.
    const first = !info.extensions.some((e) => e.oid === ext.oid);
    info.extensions.push({
      oid: ext.oid,
      name: EXTENSION_NAMES[ext.oid] ?? ext.oid,
      critical: ext.critical,
      value: readExtension(info, ext.oid, ext.value, first),
    });
  }
  return info;
}

function parseDer<T>(bytes: Uint8Array, type: new () => T, what: string): T {
  try {
    return AsnParser.parse(bytes, type);
  } catch (e) {
    throw badInput(`malformed ${what} in the certificate`, e);
  }
}

/** Each Extension's OID, criticality and extnValue contents, read from the DER (RFC 5280 §4.1). */
function extensionsOf(der: Uint8Array, extensions: Tlv | undefined): Array<{ oid: string; critical: boolean; value: Uint8Array }> {
  const out: Array<{ oid: string; critical: boolean; value: Uint8Array }> = [];
  if (!extensions) return out;
  try {
    for (let p = extensions.valueStart; p < extensions.end; ) {
      const ext = expectTlv(der, p, extensions.end, 0x30, 'an Extension');
      const oid = expectTlv(der, ext.valueStart, ext.end, 0x06, 'an extension OID');
      let value = readTlv(der, oid.end, ext.end);
      let critical = false;
      if (value.tag === 0x01) {
        critical = value.end - value.valueStart === 1 && der[value.valueStart] !== 0;
        value = readTlv(der, value.end, ext.end);
      }
      if (value.tag !== 0x04 || value.end !== ext.end) throw badInput(`malformed Extension at offset ${ext.start}`);
      out.push({ oid: decodeOid(der, oid.valueStart, oid.end), critical, value: der.subarray(value.valueStart, value.end) });
      p = ext.end;
    }
  } catch (e) {
    throw badInput(`not a DER X.509 certificate: ${(e as Error).message}`, e);
  }
  return out;
}

/**
 * Decodes one extension: fills the CertificateInfo fields it carries (when `apply`) and returns a
 * rendering like `openssl x509 -text`. The extensions whose fields we report must decode
 * (BAD_INPUT otherwise); any other that does not is shown as hex.
 */
function readExtension(info: CertificateInfo, oid: string, value: Uint8Array, apply: boolean): string {
  switch (oid) {
    case OID.id_ce_basicConstraints: {
      const bc = parseDer(value, BasicConstraints, 'basicConstraints extension');
      if (apply) {
        info.isCA = bc.cA;
        if (bc.cA && bc.pathLenConstraint !== undefined) info.pathLength = bc.pathLenConstraint;
      }
      return `CA:${bc.cA ? 'TRUE' : 'FALSE'}${bc.pathLenConstraint !== undefined ? `, pathlen:${bc.pathLenConstraint}` : ''}`;
    }
    case OID.id_ce_keyUsage: {
      const flags = parseDer(value, KeyUsage, 'keyUsage extension').toNumber();
      const set = KEY_USAGES.filter((k) => flags & k.flag);
      if (apply) info.keyUsage = set.map((k) => k.name);
      return set.map((k) => k.words).join(', ');
    }
    case OID.id_ce_extKeyUsage: {
      const oids = Array.from(parseDer(value, ExtendedKeyUsage, 'extendedKeyUsage extension'));
      if (apply) info.extendedKeyUsage = oids.map((o) => EKU_BY_OID.get(o)?.name ?? o);
      return oids.map((o) => EKU_BY_OID.get(o)?.words ?? o).join(', ');
    }
    case OID.id_ce_subjectAltName: {
      const names = Array.from(parseDer(value, SubjectAlternativeName, 'subjectAltName extension'));
      if (apply) info.subjectAltNames = names.map(formatGeneralName);
      return names.map(openSslGeneralName).join(', ');
    }
    case OID.id_ce_subjectKeyIdentifier: {
      const id = new Uint8Array(parseDer(value, SubjectKeyIdentifier, 'subjectKeyIdentifier extension').buffer);
      if (apply) info.subjectKeyIdentifier = toHex(id);
      return upperColonHex(id);
    }
    case OID.id_ce_authorityKeyIdentifier: {
      const aki = parseDer(value, AuthorityKeyIdentifier, 'authorityKeyIdentifier extension');
      const lines: string[] = [];
      if (aki.keyIdentifier) {
        const id = new Uint8Array(aki.keyIdentifier.buffer);
        if (apply) info.authorityKeyIdentifier = toHex(id);
        lines.push(upperColonHex(id));
      }
      for (const gn of aki.authorityCertIssuer ?? []) lines.push(openSslGeneralName(gn));
      if (aki.authorityCertSerialNumber) lines.push(`serial:${upperColonHex(new Uint8Array(aki.authorityCertSerialNumber))}`);
      return lines.join('\n');
    }
    default:
      return renderExtension(oid, value);
  }
}


/**
 * What a listing needs, fast: the subject, expiry, key type, whether it is a CA and the key.
 * Reads the DER skeleton directly (see name.ts on why); agrees with readCertificate.
 */
export function summarizeCertificate(der: Uint8Array): CertificateSummary {
  const layout = layoutCertificate(der);
  try {
    const spki = layout.subjectPublicKeyInfo;
    return {
      subject: formatNameAt(der, layout.subject),
      notBefore: readTime(der, layout.notBefore),
      notAfter: readTime(der, layout.notAfter),
      keyType: describePublicKey(readPublicKey(der, spki)),
      isCA: readIsCA(der, layout.extensions),
      spki: der.slice(spki.start, spki.end),
    };
  } catch (e) {
    if (e instanceof KymanError && e.code === 'BAD_INPUT') throw badInput(`malformed certificate: ${e.message}`, e);
    throw e;
  }
}
