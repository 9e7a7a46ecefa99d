// Certificate extensions rendered for people, as `openssl x509 -text` prints them.

import { AsnParser } from '@peculiar/asn1-schema';
import {
  AuthorityInfoAccessSyntax,
  CertificatePolicies,
  CRLDistributionPoints,
  GeneralName,
  GeneralSubtrees,
  IssueAlternativeName,
  NameConstraints,
} from '@peculiar/asn1-x509';
import { OID } from '../../der/oids.js';
import { toHex } from '../../bytes.js';
import { formatGeneralName } from '../general-name.js';

/** Extension names as OpenSSL's configuration spells them, which is what people search for. */
export const EXTENSION_NAMES: Readonly<Record<string, string>> = {
  [OID.id_ce_basicConstraints]: 'basicConstraints',
  [OID.id_ce_keyUsage]: 'keyUsage',
  [OID.id_ce_extKeyUsage]: 'extendedKeyUsage',
  [OID.id_ce_subjectAltName]: 'subjectAltName',
  [OID.id_ce_issuerAltName]: 'issuerAltName',
  [OID.id_ce_subjectKeyIdentifier]: 'subjectKeyIdentifier',
  [OID.id_ce_authorityKeyIdentifier]: 'authorityKeyIdentifier',
  [OID.id_ce_cRLDistributionPoints]: 'crlDistributionPoints',
  [OID.id_ce_certificatePolicies]: 'certificatePolicies',
  [OID.id_ce_nameConstraints]: 'nameConstraints',
  [OID.id_pe_authorityInfoAccess]: 'authorityInfoAccess',
  [OID.id_pe_subjectInfoAccess]: 'subjectInfoAccess',
  [OID.id_pe_tlsfeature]: 'tlsfeature',
  [OID.id_ce_privateKeyUsagePeriod]: 'privateKeyUsagePeriod',
  [OID.id_ce_policyMappings]: 'policyMappings',
  [OID.id_ce_policyConstraints]: 'policyConstraints',
  [OID.id_ce_inhibitAnyPolicy]: 'inhibitAnyPolicy',
  [OID.ctPrecertificateSCTs]: 'ctPrecertificateSCTs', // RFC 6962 §3.3
  [OID.ctPrecertificatePoison]: 'ctPrecertificatePoison',
  [OID.netscape_cert_type]: 'nsCertType',
  [OID.netscape_comment]: 'nsComment',
};

const ACCESS_METHODS: Readonly<Record<string, string>> = {
  [OID.id_ad_ocsp]: 'OCSP',
  [OID.id_ad_caIssuers]: 'CA Issuers',
};

export const upperColonHex = (bytes: Uint8Array) => toHex(bytes, ':').toUpperCase();

/** A GeneralName as `openssl x509 -text` prints it. */
export function openSslGeneralName(gn: GeneralName): string {
  const spec = formatGeneralName(gn);
  const colon = spec.indexOf(':');
  const kind = spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  const label: Record<string, string> = { dns: 'DNS', ip: 'IP Address', email: 'email', uri: 'URI', dirname: 'DirName', rid: 'Registered ID', othername: 'othername' };
  return `${label[kind] ?? kind}:${rest}`;
}

function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 18) lines.push(upperColonHex(bytes.subarray(i, i + 18)));
  return lines.join('\n');
}

function renderSubtrees(title: string, subtrees: GeneralSubtrees | undefined): string[] {
  if (!subtrees?.length) return [];
  return [`${title}:`, ...Array.from(subtrees, (s) => `  ${openSslGeneralName(s.base)}`)];
}

/** A human rendering of another extension's value; the hex of it when it does not decode. */
export function renderExtension(oid: string, value: Uint8Array): string {
  try {
    switch (oid) {
      case OID.id_ce_issuerAltName:
        return Array.from(AsnParser.parse(value, IssueAlternativeName), openSslGeneralName).join(', ');
      case OID.id_ce_cRLDistributionPoints:
        return Array.from(AsnParser.parse(value, CRLDistributionPoints), (dp) =>
          ['Full Name:', ...(dp.distributionPoint?.fullName ?? []).map((gn) => `  ${openSslGeneralName(gn)}`)].join('\n'),
        ).join('\n');
      case OID.id_pe_authorityInfoAccess:
        return Array.from(
          AsnParser.parse(value, AuthorityInfoAccessSyntax),
          (ad) => `${ACCESS_METHODS[ad.accessMethod] ?? ad.accessMethod} - ${openSslGeneralName(ad.accessLocation)}`,
        ).join('\n');
      case OID.id_ce_certificatePolicies:
        return Array.from(AsnParser.parse(value, CertificatePolicies), (p) => `Policy: ${p.policyIdentifier}`).join('\n');
      case OID.id_ce_nameConstraints: {
        const nc = AsnParser.parse(value, NameConstraints);
        return [...renderSubtrees('Permitted', nc.permittedSubtrees), ...renderSubtrees('Excluded', nc.excludedSubtrees)].join('\n');
      }
    }
  } catch {
    // fall through to the hex
  }
  return hexDump(value);
}
