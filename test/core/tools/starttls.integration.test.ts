// STARTTLS against real servers on loopback (Postfix, Dovecot, slapd, PostgreSQL, vsftpd, Prosody), and kyman's own STARTTLS server against openssl, gnutls-cli and Python's mail clients.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { probe } from '../../../src/core/tools/probe.js';
import { startTestServer, type TestServer } from '../../../src/core/tools/test-server.js';
import { makePki, provider, type TestPki } from '../../helpers/tls-credentials.js';
import { connectTcp, waitFor } from '../../helpers/peers.js';
import { daemonBase, startDovecot, startPostfix, startPostgres, startProsody, startSlapd, startVsftpd, type Daemon } from '../../helpers/starttls-servers.js';

const asRoot = process.getuid?.() === 0;

describe('STARTTLS against real servers (integration)', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let base: ReturnType<typeof daemonBase>;
  let postfix: Daemon, dovecot: Daemon, slapd: Daemon, slapdNoTls: Daemon, vsftpd: Daemon, prosody: Daemon;
  let postgres: Awaited<ReturnType<typeof startPostgres>>;
  const daemons: Daemon[] = [];

  before(async function () {
    // The daemons bind their own users' privileges from root, as their packages run them.
    if (!asRoot) this.skip();
    pki = await makePki();
    base = daemonBase();
    const { certFile, keyFile } = pki.ecdsa;
    const started = await Promise.allSettled([
      startPostfix(base.dir, certFile, keyFile),
      startDovecot(base.dir, certFile, keyFile),
      startSlapd(base.dir, certFile, keyFile),
      startSlapd(base.dir, certFile, keyFile, false),
      startPostgres(base.dir, certFile, keyFile),
      startVsftpd(base.dir, certFile, keyFile),
      startProsody(base.dir, certFile, keyFile),
    ]);
    for (const s of started) if (s.status === 'fulfilled') daemons.push(s.value);
    const failure = started.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failure) throw failure.reason;
    [postfix, dovecot, slapd, slapdNoTls, postgres, vsftpd, prosody] = started.map((s) => (s as PromiseFulfilledResult<Daemon>).value) as [Daemon, Daemon, Daemon, Daemon, typeof postgres, Daemon, Daemon];
  });
  after(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    base?.cleanup();
    pki?.cleanup();
  });

  const probeWith = (port: number, starttls: NonNullable<Parameters<typeof probe>[0]['starttls']>, extra: Partial<Parameters<typeof probe>[0]> = {}) =>
    probe({ host: '127.0.0.1', port, serverName: 'localhost', provider, trustAnchors: [pki.root.der], idleMs: 500, starttls, ...extra });

  const validTls = (r: Awaited<ReturnType<typeof probe>>) => {
    assert.equal(r.validation.valid, true, JSON.stringify(r.validation));
    assert.match(r.version, /^TLSv1\.[23]$/);
    assert.equal(r.chain[0].subject, 'CN=ecdsa');
  };

  it('smtp: Postfix offers STARTTLS after EHLO, and SMTP goes on under TLS', async () => {
    const r = await probeWith(postfix.port, { protocol: 'smtp' }, { send: Buffer.from('EHLO [127.0.0.1]\r\nQUIT\r\n') });
    validTls(r);
    assert.equal(r.starttls?.protocol, 'smtp');
    assert.match(r.starttls!.serverSaid[0], /^220 mail\.kyman\.test ESMTP/);
    assert.ok(r.starttls!.serverSaid.includes('250-STARTTLS'), r.starttls!.serverSaid.join('|'));
    assert.match(r.starttls!.serverSaid.at(-1)!, /^220 /);
    const reply = Buffer.from(r.reply!.data).toString();
    // Under TLS the EHLO reply no longer offers STARTTLS (RFC 3207 §4.2).
    assert.match(reply, /^250-mail\.kyman\.test/);
    assert.doesNotMatch(reply, /STARTTLS/);
    assert.match(reply, /221 2\.0\.0 Bye/);
    // Postfix logs through its postlogd, a moment after the session.
    await waitFor(() => /starttls=1/.test(postfix.output()), 5000);
  });

  it('smtp: a Postfix listener without TLS is named, with its EHLO reply', async () => {
    await assert.rejects(probeWith(postfix.ports.plain, { protocol: 'smtp' }), (e: Error) => {
      assert.match(e.message, new RegExp(`^smtp server at 127\\.0\\.0\\.1:${postfix.ports.plain} did not offer STARTTLS \\(EHLO reply: 250-mail\\.kyman\\.test \\| 250-PIPELINING`));
      assert.equal((e as { code?: string }).code, 'FAILED');
      return true;
    });
  });

  it('imap: Dovecot, CAPABILITY then STARTTLS, and a login under TLS', async () => {
    const r = await probeWith(dovecot.port, { protocol: 'imap' }, { send: Buffer.from('a LOGIN kyman test\r\nb LOGOUT\r\n') });
    validTls(r);
    assert.ok(r.starttls!.serverSaid.some((l) => /^\* CAPABILITY .*STARTTLS/.test(l)));
    assert.match(r.starttls!.serverSaid.at(-1)!, /^b OK/);
    assert.match(Buffer.from(r.reply!.data).toString(), /^a OK/m);
  });

  it('pop3: Dovecot, CAPA lists STLS, then STLS, and a login under TLS', async () => {
    const r = await probeWith(dovecot.ports.pop3, { protocol: 'pop3' }, { send: Buffer.from('USER kyman\r\nPASS test\r\nSTAT\r\nQUIT\r\n') });
    validTls(r);
    assert.ok(r.starttls!.serverSaid.includes('STLS'));
    const reply = Buffer.from(r.reply!.data).toString();
    assert.match(reply, /\+OK Logged in/);
    assert.match(reply, /^\+OK 0 0/m);
  });

  it('ldap: slapd answers the StartTLS extended operation with success', async () => {
    const r = await probeWith(slapd.port, { protocol: 'ldap' });
    validTls(r);
    assert.deepEqual(r.starttls!.serverSaid, ['resultCode 0 (success)']);
  });

  it('ldap: a slapd without TLS refuses StartTLS, and its result code is named', async () => {
    await assert.rejects(probeWith(slapdNoTls.port, { protocol: 'ldap' }), /ldap server at 127\.0\.0\.1:\d+ refused StartTLS: resultCode (52 \(unavailable\)|2 \(protocolError\)|1 \(operationsError\))/);
  });

  it('postgres: PostgreSQL answers the SSLRequest with S, and with N once ssl is off', async () => {
    const r = await probeWith(postgres.port, { protocol: 'postgres' });
    validTls(r);
    await postgres.setSsl(false);
    try {
      await assert.rejects(probeWith(postgres.port, { protocol: 'postgres' }), /postgres server at 127\.0\.0\.1:\d+ does not accept SSL \(it answered 'N' to the SSLRequest/);
    } finally {
      await postgres.setSsl(true);
    }
  });

  it('ftp: vsftpd takes AUTH TLS', async () => {
    const r = await probeWith(vsftpd.port, { protocol: 'ftp' });
    validTls(r);
    assert.match(r.starttls!.serverSaid.at(-1)!, /^234 /);
  });

  it('xmpp: Prosody offers <starttls/> in its stream features and proceeds', async () => {
    const r = await probeWith(prosody.port, { protocol: 'xmpp', xmppHost: 'localhost' });
    validTls(r);
    assert.match(r.starttls!.serverSaid.at(-1)!, /^<proceed/);
  });

  it('xmpp: a domain the server does not host is a stream error, named', async () => {
    await assert.rejects(probeWith(prosody.port, { protocol: 'xmpp', xmppHost: 'elsewhere.test' }), /xmpp server at 127\.0\.0\.1:\d+ ended the stream for elsewhere\.test with a stream error \(host-unknown\)/);
  });

  it('a server that speaks another protocol is named, not waited on', async () => {
    await assert.rejects(probeWith(dovecot.port, { protocol: 'smtp' }, { timeoutMs: 5000 }), /smtp server at 127\.0\.0\.1:\d+ does not answer as the protocol says: "\* OK/);
  });
});

describe('kyman tls server --starttls against mail clients (integration)', function () {
  this.timeout(60_000);
  let pki: TestPki;
  const servers: TestServer[] = [];
  before(async () => (pki = await makePki()));
  after(() => pki.cleanup());
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  const serve = async (protocol: 'smtp' | 'imap' | 'pop3') => {
    const failures: string[] = [];
    const s = await startTestServer({ host: '127.0.0.1', port: 0, provider, certificateChain: [pki.ecdsa.der], privateKey: pki.ecdsa.key, starttls: protocol, onFailure: (f) => failures.push(f.message) });
    servers.push(s);
    return { port: s.address.port, failures };
  };
  /** Runs a client with `input` on stdin (a pause first, so it reaches the server after the handshake). */
  const run = (command: string, args: string[], input: string) =>
    new Promise<{ status: number | null; out: string }>((resolve) => {
      const p = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (out += d));
      const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
      setTimeout(() => p.stdin.end(input), 1000);
      p.on('close', (status) => {
        clearTimeout(t);
        resolve({ status, out });
      });
    });

  for (const protocol of ['smtp', 'imap', 'pop3'] as const) {
    const quit = { smtp: 'EHLO client.test\r\nQUIT\r\n', imap: 'a LOGIN u p\r\nb LOGOUT\r\n', pop3: 'USER u\r\nPASS p\r\nQUIT\r\n' }[protocol];
    const after = { smtp: /221 2\.0\.0 Bye/, imap: /a OK .*Logged in/, pop3: /\+OK bye/ }[protocol];

    it(`${protocol}: openssl s_client -starttls ${protocol}`, async () => {
      const { port, failures } = await serve(protocol);
      const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-starttls', protocol, '-CAfile', pki.root.certFile, '-verify_return_error', '-verify_hostname', 'localhost', '-quiet', '-crlf'], quit.replace(/\r\n/g, '\n'));
      assert.match(r.out, /verify return:1/);
      assert.match(r.out, after, r.out);
      assert.deepEqual(failures, []);
    });

    it(`${protocol}: gnutls-cli --starttls-proto=${protocol}`, async () => {
      const { port, failures } = await serve(protocol);
      const r = await run('gnutls-cli', ['-p', String(port), `--starttls-proto=${protocol}`, '--x509cafile', pki.root.certFile, 'localhost'], quit);
      assert.match(r.out, /Handshake was completed/, r.out);
      assert.match(r.out, after, r.out);
      assert.deepEqual(failures, []);
    });

    it(`${protocol}: kyman's own client`, async () => {
      const { port } = await serve(protocol);
      const r = await probe({ host: '127.0.0.1', port, serverName: 'localhost', provider, trustAnchors: [pki.root.der], idleMs: 500, starttls: { protocol }, send: Buffer.from(quit) });
      assert.equal(r.validation.valid, true);
      assert.match(Buffer.from(r.reply!.data).toString(), after);
    });
  }

  it('Python smtplib, imaplib and poplib walk through a test session after STARTTLS', async () => {
    const smtp = await serve('smtp');
    const imap = await serve('imap');
    const pop3 = await serve('pop3');
    const script = `
import ssl, smtplib, imaplib, poplib
ctx = ssl.create_default_context(cafile=${JSON.stringify(pki.root.certFile)})
s = smtplib.SMTP('localhost', ${smtp.port}); s.starttls(context=ctx); s.ehlo()
s.sendmail('a@kyman.test', ['b@kyman.test'], 'Subject: test\\r\\n\\r\\nhello\\r\\n'); s.quit()
m = imaplib.IMAP4('localhost', ${imap.port}); m.starttls(ssl_context=ctx); m.login('u', 'p'); print('imap', m.select('INBOX')[0]); m.logout()
p = poplib.POP3('localhost', ${pop3.port}); p.stls(context=ctx); p.user('u'); p.pass_('p'); print('pop3', p.stat()); p.quit()
print('mail client done')
`;
    // Asynchronously: the servers run in this process.
    const r = await run('python3', ['-c', script], '');
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /imap OK/);
    assert.match(r.out, /pop3 \(0, 0\)/);
    assert.match(r.out, /mail client done/);
    assert.deepEqual([...smtp.failures, ...imap.failures, ...pop3.failures], []);
  });

  it('a client that quits before STARTTLS is one failure line', async () => {
    const { port, failures } = await serve('smtp');
    const tcp = await connectTcp(port);
    tcp.resume();
    tcp.write('QUIT\r\n');
    await new Promise((res) => tcp.once('close', res));
    await new Promise((res) => setTimeout(res, 100));
    assert.ok(failures.some((f) => /^smtp client at 127\.0\.0\.1:\d+ quit before STARTTLS$/.test(f)), failures.join('\n'));
  });
});
