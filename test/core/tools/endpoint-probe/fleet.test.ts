// The fleet probe: the target list, the bound on endpoints at once, deadlines, unreachable endpoints, and the summary's order.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { KymanError } from '../../../../src/core/errors.js';
import { parseChecks } from '../../../../src/core/tools/endpoint-probe/checks.js';
import { probeFleet, summarizeFleet, type FleetResult } from '../../../../src/core/tools/endpoint-probe/fleet.js';
import { probeEndpoint, type EndpointReport, type Severity } from '../../../../src/core/tools/endpoint-probe/index.js';
import { parseTargets, type FleetTarget } from '../../../../src/core/tools/endpoint-probe/targets.js';
import { trustStoreOf } from '../../../../src/core/tools/trust-store.js';
import { freePort, waitFor } from '../../../helpers/peers.js';
import { makePki, type TestPki } from '../../../helpers/tls-credentials.js';

/** A TCP server that holds each connection `holdMs` without a word, then closes it, counting how many are open at once. */
async function silentServer(holdMs: number): Promise<{ port: number; seen: () => number; most: () => number; open: () => number; close: () => Promise<void> }> {
  let open = 0;
  let most = 0;
  let seen = 0;
  const server = net.createServer((s) => {
    seen++;
    most = Math.max(most, ++open);
    s.once('close', () => open--);
    s.on('error', () => undefined);
    // Read, so that the client's close is seen (a paused socket never reads the FIN).
    s.resume();
    const timer = setTimeout(() => s.destroy(), holdMs);
    s.once('close', () => clearTimeout(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, seen: () => seen, most: () => most, open: () => open, close: () => new Promise((r) => server.close(() => r())) };
}

const usageError = (pattern: RegExp) => (e: unknown) => e instanceof KymanError && e.code === 'USAGE' && pattern.test(e.message);

describe('fleet probe', function () {
  this.timeout(30_000);

  describe('the target list', () => {
    it('reads host[:port] [servername] [starttls], skipping comments and blank lines', () => {
      const list = ['# web', 'www.example.com', '', '  10.0.0.5:8443 api.example.com   # the API', 'mail.example.com:25 smtp', '[::1]:993 - imap', 'ldap.example.com:389 dir.example.com ldap'].join('\n');
      assert.deepEqual(parseTargets(list), [
        { host: 'www.example.com', port: 443, line: 2 },
        { host: '10.0.0.5', port: 8443, serverName: 'api.example.com', line: 4 },
        { host: 'mail.example.com', port: 25, starttls: 'smtp', line: 5 },
        { host: '::1', port: 993, starttls: 'imap', line: 6 },
        { host: 'ldap.example.com', port: 389, serverName: 'dir.example.com', starttls: 'ldap', line: 7 },
      ]);
      assert.deepEqual(parseTargets('# nothing\n\n'), []);
    });

    it('a bad line is a usage error naming its number', () => {
      assert.throws(() => parseTargets('a.example\nb.example:99999\n', 'hosts.txt'), usageError(/^hosts\.txt line 2: 99999 is not a TCP port/));
      assert.throws(() => parseTargets('\n\na:1 b c d'), usageError(/^the target list line 3: .* has 4 words/));
      assert.throws(() => parseTargets('a:1 smtp imap'), usageError(/line 1: "imap" is a second STARTTLS protocol/));
      assert.throws(() => parseTargets('a:1 b.example c.example'), usageError(/line 1: "c\.example" is a second server name/));
      assert.throws(() => parseTargets('a:1 bad/name'), usageError(/line 1: "bad\/name" is not a server name/));
      assert.throws(() => parseTargets('a:b:c'), usageError(/line 1: a:b:c is not HOST:PORT/));
    });

    it('--checks: names in any order, suites bring versions, schemes and behaviour bring suites, unknown ones refused', () => {
      assert.deepEqual(parseChecks('versions,chain'), ['chain', 'versions']);
      assert.deepEqual(parseChecks('suites'), ['versions', 'suites']);
      assert.deepEqual(parseChecks('behavior'), ['versions', 'suites', 'behaviour']);
      assert.deepEqual(parseChecks('schemes,groups'), ['versions', 'suites', 'groups', 'schemes']);
      assert.throws(() => parseChecks('chain,ciphers'), usageError(/"ciphers" is not a check/));
      assert.throws(() => parseChecks(','), usageError(/at least one/));
    });
  });

  describe('probing', () => {
    let pki: TestPki;
    before(async () => {
      pki = await makePki();
    });
    after(() => pki.cleanup());
    const store = () => trustStoreOf([pki.root.der], ['test root']);
    const at = (port: number, line: number): FleetTarget => ({ host: '127.0.0.1', port, line });

    it('never has more endpoints open at once than the concurrency', async () => {
      const server = await silentServer(80);
      try {
        const targets = Array.from({ length: 10 }, (_, i) => at(server.port, i + 1));
        const summary = await probeFleet(targets, { trustStore: store(), concurrency: 4, checks: ['versions'] });
        assert.equal(summary.unreachable.length, 10);
        // Five version hellos each, one connection at a time.
        assert.equal(server.seen(), 50);
        assert.equal(server.most(), 4);
      } finally {
        await server.close();
      }
    });

    it('reports each endpoint as it finishes; a refused one is listed, not fatal; the list order is kept in the summary', async () => {
      const slow = await silentServer(150);
      const dead = await freePort();
      const node = tls.createServer({ cert: readFileSync(pki.ecdsa.certFile), key: readFileSync(pki.ecdsa.keyFile) }, (s) => s.end());
      node.on('tlsClientError', () => undefined);
      await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
      try {
        const targets = [at(slow.port, 1), at(dead, 2), { ...at((node.address() as net.AddressInfo).port, 3), serverName: 'localhost' }];
        const seen: FleetResult[] = [];
        const summary = await probeFleet(targets, { trustStore: store(), concurrency: 3 }, (r) => seen.push(r));
        // The refused port answers at once and the TLS server within milliseconds; the silent one last.
        assert.deepEqual(seen.map((r) => r.target.line), [2, 3, 1]);
        const refused = seen[0] as Extract<FleetResult, { unreachable: string }>;
        assert.match(refused.unreachable, /connection refused/);
        assert.match((seen[2] as Extract<FleetResult, { unreachable: string }>).unreachable, /took no hello of any version/);
        const report = (seen[1] as Extract<FleetResult, { report: EndpointReport }>).report;
        assert.deepEqual(report.checks, ['chain', 'versions']);
        assert.equal(report.chain?.path.valid, true);
        // The fleet's checks: no suite enumeration, no groups.
        assert.deepEqual(report.scan.versions.find((v) => v.version === 'TLS 1.3')?.suites, []);
        assert.deepEqual(report.scan.groups, []);
        assert.deepEqual(summary.unreachable.map((u) => u.port), [slow.port, dead]);
        assert.equal(summary.probed, 1);
        assert.equal(summary.worstFirst[0].worst, 'high');
        assert.match(summary.worstFirst[0].verdict, /expires in \d days/);
      } finally {
        await slow.close();
        await new Promise<void>((r) => node.close(() => r()));
      }
    });

    it('an endpoint past its deadline is unreachable, and its hello in flight is closed rather than waited for', async () => {
      const server = await silentServer(20_000);
      try {
        const summary = await probeFleet([at(server.port, 1)], { trustStore: store(), deadlineMs: 200, helloTimeoutMs: 10_000 });
        assert.deepEqual(summary.unreachable.map((u) => u.reason), ['no report within 0.2 s']);
        assert.equal(server.seen(), 1);
        // Closed by the probe, not by the server's 20 s.
        await waitFor(() => server.open() === 0, 5000);
      } finally {
        await server.close();
      }
    });

    it('--checks chain: no hellos, so no word on versions; --checks versions: no chain, so none on it', async () => {
      const node = tls.createServer({ cert: readFileSync(pki.ecdsa.certFile), key: readFileSync(pki.ecdsa.keyFile) }, (c) => c.end());
      node.on('tlsClientError', () => undefined);
      await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
      try {
        const port = (node.address() as net.AddressInfo).port;
        const chainOnly = await probeEndpoint({ host: '127.0.0.1', port, serverName: 'localhost', trustStore: store(), checks: ['chain'] });
        assert.deepEqual(chainOnly.scan.versions, []);
        assert.equal(chainOnly.scan.hellos, 0);
        assert.equal(chainOnly.chain?.path.valid, true);
        assert.deepEqual(chainOnly.findings.map((f) => f.text), ['the certificate expires in 9 days: renew it']);
        const versionsOnly = await probeEndpoint({ host: '127.0.0.1', port, trustStore: store(), checks: ['versions'] });
        assert.equal(versionsOnly.scan.hellos, 5);
        assert.equal(versionsOnly.chain, undefined);
        assert.equal(versionsOnly.chainWhy, undefined);
        assert.deepEqual(versionsOnly.findings, []);
      } finally {
        await new Promise<void>((r) => node.close(() => r()));
      }
    });

    it('refuses a concurrency out of range', async () => {
      await assert.rejects(probeFleet([at(1, 1)], { trustStore: store(), concurrency: 0 }), usageError(/from 1 to 1024/));
    });
  });

  describe('the summary', () => {
    const report = (line: number, daysLeft: number | undefined, severities: Severity[]): FleetResult => {
      const r = {
        host: `h${line}`,
        port: 443,
        serverName: `h${line}`,
        checks: ['chain', 'versions'],
        scan: { versions: [], groups: [], behaviour: {}, hellos: 5 },
        ...(daysLeft !== undefined ? { chain: { daysLeft, sent: [{ subject: `CN=h${line}`, notAfter: '2027-01-01T00:00:00.000Z' }] } } : { chainWhy: 'no chain' }),
        findings: severities.map((severity) => ({ severity, text: severity })),
        verdict: severities.length ? `fix first: ${severities[0]}` : 'nothing to fix',
      } as unknown as EndpointReport;
      return { target: { host: r.host, port: 443, line }, report: r };
    };

    it('sorts by what expires first and by what is worst, the list order breaking ties', () => {
      const results: FleetResult[] = [
        report(1, 200, ['low']),
        report(2, -3, ['critical']),
        report(3, undefined, ['medium']),
        report(4, 12, ['high', 'low']),
        report(5, 12, []),
        report(6, 90, ['high']),
        { target: { host: 'gone', port: 443, line: 7 }, unreachable: 'connection refused' },
      ];
      const s = summarizeFleet([...results].reverse());
      assert.deepEqual(s.expiringFirst.map((r) => r.host), ['h2', 'h4', 'h5', 'h6', 'h1', 'h3']);
      assert.deepEqual(s.worstFirst.map((r) => r.host), ['h2', 'h4', 'h6', 'h3', 'h1', 'h5']);
      assert.deepEqual(s.worst, { critical: 1, high: 2, medium: 1, low: 1, none: 1 });
      assert.deepEqual(s.unreachable, [{ host: 'gone', port: 443, reason: 'connection refused' }]);
      assert.equal(s.endpoints, 7);
      assert.equal(s.probed, 6);
    });
  });
});
