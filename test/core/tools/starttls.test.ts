// The STARTTLS dialogues' edges against scripted peers: exact request bytes, the named limits, a server's refusal, and injected bytes before TLS.

import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startTls } from '../../../src/core/tools/starttls/index.js';
import { startTlsRequest, readExtendedResponse } from '../../../src/core/tools/starttls/ldap.js';
import { acceptStarttls } from '../../../src/core/tools/starttls/mail-server.js';
import { MAX_LINE_LENGTH } from '../../../src/core/tools/starttls/plain-reader.js';
import { sslRequest } from '../../../src/core/tools/starttls/postgres.js';

/** A loopback server that runs `script` on each connection; closed after each test. */
const servers: net.Server[] = [];
async function scripted(script: (s: net.Socket) => void): Promise<number> {
  const server = net.createServer(script);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}
const connect = (port: number) => new Promise<net.Socket>((r) => { const s = net.connect(port, '127.0.0.1', () => r(s)); });
/** Answers each line the client sends with the next reply. */
const lines = (greeting: string, replies: string[], seen: string[] = []) => (s: net.Socket) => {
  s.write(greeting);
  const queue = [...replies];
  let buf = '';
  s.on('data', (d) => {
    buf += d.toString('latin1');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      seen.push(buf.slice(0, nl).replace(/\r$/, ''));
      buf = buf.slice(nl + 1);
      const r = queue.shift();
      if (r !== undefined) s.write(r);
    }
  });
  s.on('error', () => undefined);
};

describe('STARTTLS dialogues', () => {
  const sockets: net.Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const s of servers.splice(0)) s.close();
  });
  const run = async (port: number, o: Partial<Parameters<typeof startTls>[1]> = {}) => {
    const s = await connect(port);
    sockets.push(s);
    return startTls(s, { protocol: 'smtp', host: '127.0.0.1', port, timeoutMs: 2000, ...o });
  };

  it('LDAP: the StartTLS request is RFC 4511 BER, byte for byte, and a response is read with long-form lengths', () => {
    const oid = Buffer.from('1.3.6.1.4.1.1466.20037');
    assert.deepEqual(Buffer.from(startTlsRequest()), Buffer.concat([Buffer.from([0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16]), oid]));
    // As Active Directory writes it: four-octet lengths.
    const response = Buffer.from([0x30, 0x84, 0, 0, 0, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x84, 0, 0, 0, 0x03, 0x0a, 0x01, 0x34, 0x04, 0x00, 0x04, 0x00]);
    assert.throws(() => readExtendedResponse(response));
    const fixed = Buffer.from([0x30, 0x84, 0, 0, 0, 0x10, 0x02, 0x01, 0x01, 0x78, 0x84, 0, 0, 0, 0x07, 0x0a, 0x01, 0x34, 0x04, 0x00, 0x04, 0x00]);
    assert.deepEqual(readExtendedResponse(fixed), { messageId: 1, resultCode: 52, diagnostic: '' });
  });

  it('postgres: the SSLRequest is length 8 and code 80877103', () => {
    assert.equal(sslRequest().toString('hex'), '0000000804d2162f');
  });

  it('smtp: EHLO carries the chosen name, or this end\'s address literal', async () => {
    const seen: string[] = [];
    const port = await scripted(lines('220 x ESMTP\r\n', ['250-x\r\n250 STARTTLS\r\n', '220 go\r\n'], seen));
    await run(port, { name: 'client.kyman.test' });
    await run(port);
    assert.deepEqual(seen.filter((l) => l.startsWith('EHLO')), ['EHLO client.kyman.test', 'EHLO [127.0.0.1]']);
  });

  it('smtp: a refusal of STARTTLS is one line with the server\'s words', async () => {
    const port = await scripted(lines('220 x ESMTP\r\n', ['250-x\r\n250 STARTTLS\r\n', '454 4.7.0 TLS not available due to temporary reason\r\n']));
    await assert.rejects(run(port), /^KymanError: smtp server at 127\.0\.0\.1:\d+ refused STARTTLS: 454 4\.7\.0 TLS not available/);
  });

  it('bytes a server sends in clear after its go-ahead are refused, not taken as TLS (response injection)', async () => {
    const port = await scripted(lines('220 x ESMTP\r\n', ['250-x\r\n250 STARTTLS\r\n', '220 go\r\n250 injected\r\n']));
    await assert.rejects(run(port), /sent 14 bytes in clear after agreeing to start TLS/);
  });

  it(`a line longer than ${MAX_LINE_LENGTH} bytes, a flood and a silent server each end the dialogue`, async () => {
    const long = await scripted((s) => s.write('220-' + 'x'.repeat(MAX_LINE_LENGTH + 10)));
    await assert.rejects(run(long), /sent a line longer than 8192 bytes/);
    const flood = await scripted((s) => {
      s.on('error', () => undefined);
      for (let i = 0; i < 100; i++) s.write(`220-${'y'.repeat(1000)}\r\n`);
    });
    await assert.rejects(run(flood), /sent more than 64 KiB before TLS started/);
    const silent = await scripted(() => undefined);
    await assert.rejects(run(silent, { timeoutMs: 200 }), /did not answer within 0\.2 s before it said anything/);
  });

  it('pop3 and imap: a server that does not offer STLS / STARTTLS says what it offered', async () => {
    const pop = await scripted(lines('+OK hi\r\n', ['+OK\r\nUSER\r\n.\r\n']));
    await assert.rejects(run(pop, { protocol: 'pop3' }), /did not offer STLS \(CAPA reply: \+OK \| USER \| \.\)/);
    const imap = await scripted(lines('* OK hi\r\n', ['* CAPABILITY IMAP4rev1\r\na OK done\r\n']));
    await assert.rejects(run(imap, { protocol: 'imap' }), /did not offer STARTTLS \(CAPABILITY reply: \* CAPABILITY IMAP4rev1 \| a OK done\)/);
  });

  it('the server side refuses a command pipelined after STARTTLS (RFC 3207 §6)', async () => {
    let failure: Error | undefined;
    const port = await scripted((s) => acceptStarttls(s, 'smtp', 2000).catch((e: Error) => {
      failure = e;
      s.destroy();
    }));
    const c = await connect(port);
    sockets.push(c);
    c.resume();
    c.write('EHLO a\r\nSTARTTLS\r\nMAIL FROM:<evil@x>\r\n');
    await new Promise((r) => c.once('close', r));
    assert.match(String(failure), /smtp client at 127\.0\.0\.1:\d+ sent 20 bytes after STARTTLS before the server's answer \(a STARTTLS injection\?\): refused/);
  });
});
