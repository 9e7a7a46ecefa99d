// TLS alerts (RFC 8446 §6): the alert table and TlsAlertError, the error a failed handshake or connection carries.

import { KymanError } from '../errors.js';

/** RFC 8446 §6 AlertDescription, with the names the RFC gives them. */
export const ALERTS = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  /** RFC 5246 §7.2.2: TLS 1.2 only, a warning that refuses renegotiation. */
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;

export type AlertName = keyof typeof ALERTS;

const NAME_BY_CODE = new Map<number, AlertName>(Object.entries(ALERTS).map(([n, c]) => [c, n as AlertName]));

export interface Alert {
  /** The RFC's name (`handshake_failure`), or `alert_N` for a code the RFC does not name. */
  readonly name: string;
  readonly code: number;
}

export const alertFor = (code: number): Alert => ({ name: NAME_BY_CODE.get(code) ?? `alert_${code}`, code });

/** AlertLevel (RFC 8446 §6): TLS 1.3 treats every alert but close_notify and user_canceled as fatal whatever the level says. */
export const ALERT_LEVEL_WARNING = 1;
export const ALERT_LEVEL_FATAL = 2;

/**
 * A handshake or connection ended by an alert: one kyman sent because the peer misbehaved
 * (`direction: 'sent'`), or one the peer sent (`'received'`). Code FAILED: the operation ran and
 * the peer, or kyman, said no.
 */
export class TlsAlertError extends KymanError {
  readonly alert: Alert;
  readonly direction: 'sent' | 'received';

  constructor(alert: AlertName | Alert, direction: 'sent' | 'received', message: string, options?: { cause?: unknown }) {
    const a = typeof alert === 'string' ? { name: alert, code: ALERTS[alert] } : alert;
    super('FAILED', message, options);
    this.name = 'TlsAlertError';
    this.alert = a;
    this.direction = direction;
  }
}

/** The error for a peer that broke the protocol: kyman sends `alert` and fails with it. */
export const fatal = (alert: AlertName, message: string, cause?: unknown) => new TlsAlertError(alert, 'sent', `${message} (sent ${alert} alert)`, { cause });

/** The error for an alert the peer sent. */
export function receivedAlert(code: number): TlsAlertError {
  const a = alertFor(code);
  return new TlsAlertError(a, 'received', `the peer sent a ${a.name} alert (${a.code})`);
}
