// Alerts (RFC 8446 §6): the code table, and the error that carries an alert either way.

import assert from 'node:assert/strict';
import { KymanError } from '../../../src/core/errors.js';
import { ALERTS, TlsAlertError, alertFor, fatal, receivedAlert } from '../../../src/core/tls/alerts.js';

describe('tls alerts', () => {
  it('the codes are RFC 8446 §6 AlertDescription', () => {
    assert.equal(ALERTS.close_notify, 0);
    assert.equal(ALERTS.unexpected_message, 10);
    assert.equal(ALERTS.bad_record_mac, 20);
    assert.equal(ALERTS.handshake_failure, 40);
    assert.equal(ALERTS.decode_error, 50);
    assert.equal(ALERTS.decrypt_error, 51);
    assert.equal(ALERTS.protocol_version, 70);
    assert.equal(ALERTS.missing_extension, 109);
    assert.equal(ALERTS.certificate_required, 116);
    assert.equal(ALERTS.no_application_protocol, 120);
  });

  it('a code names its alert, and an unknown code is alert_N', () => {
    assert.deepEqual(alertFor(40), { name: 'handshake_failure', code: 40 });
    assert.deepEqual(alertFor(200), { name: 'alert_200', code: 200 });
  });

  it('fatal() is an alert kyman sends: FAILED, the alert in the error and named in the message', () => {
    const e = fatal('illegal_parameter', 'the server chose a compression method');
    assert.ok(e instanceof TlsAlertError && e instanceof KymanError);
    assert.equal(e.code, 'FAILED');
    assert.equal(e.direction, 'sent');
    assert.deepEqual(e.alert, { name: 'illegal_parameter', code: 47 });
    assert.equal(e.message, 'the server chose a compression method (sent illegal_parameter alert)');
  });

  it('receivedAlert() is the peer\'s alert', () => {
    const e = receivedAlert(42);
    assert.equal(e.direction, 'received');
    assert.equal(e.alert.name, 'bad_certificate');
    assert.equal(e.message, 'the peer sent a bad_certificate alert (42)');
  });

  it('the cause is kept', () => {
    const cause = new Error('underneath');
    assert.equal(fatal('bad_certificate', 'unreadable', cause).cause, cause);
  });
});
