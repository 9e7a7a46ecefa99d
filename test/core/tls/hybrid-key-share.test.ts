import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type * as net from 'node:net';
import { readFileSync } from 'node:fs';
import {
  ClientHelloCodec,
  ExtensionType,
  ServerHelloCodec,
  TLS12,
  TLS13,
  ext,
  findExtension,
  keyShareExt,
  signatureAlgorithmsExt,
  supportedGroupsExt,
  supportedVersionsExt,
  type ClientHello,
} from '../../../src/core/tls/msgs/index.js';
import type { TraceEvent } from '../../../src/core/tls/index.js';
import { provider } from '../../helpers/tls-credentials.js';
import { collect, connectTcp, within } from '../../helpers/peers.js';
import { rawServer, tlsHarness } from '../../helpers/tls-harness.js';
import { fixture } from '../../helpers/fixtures.js';

const X25519MLKEM768 = 0x11ec;
const X25519 = 0x001d;
const ILLEGAL_PARAMETER = 47;

/** The first ClientHello a raw server receives, decoded (it fits one record). */
function firstClientHello(s: net.Socket): Promise<{ hello: ClientHello; raw: Buffer }> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length < 5 || got.length < 5 + got.readUInt16BE(3)) return;
      const body = got.subarray(9, 5 + got.readUInt16BE(3));
      resolve({ hello: ClientHelloCodec.decode(body), raw: got });
    });
  });
}

describe('hybrid key shares in the TLS 1.3 engine', function () {
  this.timeout(30_000);
  const { kymanServer, client, failure, closers } = tlsHarness();

  /** Sends one hand-made TLS 1.3 ClientHello with these shares and returns the alert description the server answers with. */
  async function alertFor(port: number, groups: number[], shares: { group: number; key_exchange: Uint8Array }[]): Promise<number> {
    const hello = ClientHelloCodec.encode({
      legacy_version: TLS12,
      random: randomBytes(32),
      legacy_session_id: new Uint8Array(0),
      cipher_suites: [0x1301],
      legacy_compression_methods: Uint8Array.of(0),
      extensions: [
        ext(ExtensionType.supported_versions, supportedVersionsExt.client.encode([TLS13])),
        ext(ExtensionType.supported_groups, supportedGroupsExt.encode(groups)),
        ext(ExtensionType.key_share, keyShareExt.client.encode(shares)),
        ext(ExtensionType.signature_algorithms, signatureAlgorithmsExt.encode([0x0403])),
      ],
    });
    const tcp = await connectTcp(port);
    closers.push(() => tcp.destroy());
    tcp.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, hello.length >> 8, hello.length & 0xff]), hello]));
    const reply = await within(5000, collect(tcp), 'alert');
    // One alert record: 21, version, length 2, level fatal, description.
    assert.equal(reply[0], 21, `expected an alert, got record type ${reply[0]}`);
    return reply[6];
  }

  it('kyman to kyman by default: X25519MLKEM768, the ClientHello carrying a 1216-byte hybrid share and an x25519 share beside it', async () => {
    const seen: Buffer[] = [];
    const srv = await rawServer((s) => {
      s.on('error', () => undefined);
      void firstClientHello(s).then(({ hello }) => {
        seen.push(Buffer.from(findExtension(hello.extensions, ExtensionType.key_share)!));
        s.destroy();
      });
    });
    closers.push(srv.close);
    const c = await client(srv.port);
    await c.secured.catch(() => undefined);
    const shares = keyShareExt.client.decode(seen[0]);
    assert.deepEqual(shares.map((s) => [s.group, s.key_exchange.length]), [[X25519MLKEM768, 1216], [X25519, 32]]);

    const { port } = await kymanServer();
    const events: TraceEvent[] = [];
    const ok = await client(port, { trace: (e: TraceEvent) => events.push(e) });
    const summary = await within(10_000, ok.secured);
    assert.equal(summary.group, 'X25519MLKEM768');
    assert.equal(summary.helloRetry, false);
    // The trace names the group where the ClientHello offers it and the ServerHello takes it.
    const rendered = events.filter((e) => e.message === 'ClientHello' || e.message === 'ServerHello').map((e) => JSON.stringify(e.fields));
    assert.match(rendered[0], /X25519MLKEM768/);
    assert.match(rendered[1], /X25519MLKEM768/);
  });

  it('HelloRetryRequest to the hybrid when the client sent only an x25519 share; none when the server does not enable the hybrid', async () => {
    const { port } = await kymanServer();
    const retried = await within(10_000, (await client(port, { groups: ['x25519', 'X25519MLKEM768'] })).secured);
    assert.equal(retried.group, 'X25519MLKEM768');
    assert.equal(retried.helloRetry, true);

    const classical = await kymanServer({ groups: ['x25519', 'secp256r1'] });
    const plain = await within(10_000, (await client(classical.port)).secured);
    assert.equal(plain.group, 'x25519');
    assert.equal(plain.helloRetry, false);
  });

  it('HelloRetryRequest away from the hybrid: a client that sent only the hybrid share, to a server without it', async () => {
    const { port } = await kymanServer({ groups: ['secp256r1'] });
    // x25519 is not enabled, so nothing goes beside the hybrid share.
    const summary = await within(10_000, (await client(port, { groups: ['X25519MLKEM768', 'secp256r1'] })).secured);
    assert.equal(summary.group, 'secp256r1');
    assert.equal(summary.helloRetry, true);
    // A SecP hybrid's classical half goes beside it when enabled: then no HelloRetryRequest is needed.
    const beside = await within(10_000, (await client(port, { groups: ['SecP256r1MLKEM768', 'secp256r1'] })).secured);
    assert.equal(beside.group, 'secp256r1');
    assert.equal(beside.helloRetry, false);
  });

  it('the SecP hybrids, kyman to kyman, when both sides name them', async () => {
    for (const group of ['SecP256r1MLKEM768', 'SecP384r1MLKEM1024']) {
      const { port } = await kymanServer({ groups: [group] });
      const summary = await within(10_000, (await client(port, { groups: [group] })).secured);
      assert.equal(summary.group, group);
    }
  });

  describe('malformed hybrid shares: illegal_parameter', () => {
    const good = () => provider.generateKeyShare('X25519MLKEM768').publicKey;

    it('from a client: one byte short, one byte long, and an encapsulation key failing the modulus check', async () => {
      const srv = await kymanServer();
      assert.equal(await alertFor(srv.port, [X25519MLKEM768], [{ group: X25519MLKEM768, key_exchange: good().subarray(1) }]), ILLEGAL_PARAMETER);
      assert.equal(await alertFor(srv.port, [X25519MLKEM768], [{ group: X25519MLKEM768, key_exchange: new Uint8Array([...good(), 0]) }]), ILLEGAL_PARAMETER);
      const bad = (JSON.parse(readFileSync(fixture('mlkem/cctv-modulus.json'), 'utf8')) as Record<string, string[]>)['ML-KEM-768'][0];
      const share = new Uint8Array([...Buffer.from(bad, 'hex'), ...provider.generateKeyShare('x25519').publicKey]);
      assert.equal(await alertFor(srv.port, [X25519MLKEM768], [{ group: X25519MLKEM768, key_exchange: share }]), ILLEGAL_PARAMETER);
      // An x25519-sized value under the hybrid's code point.
      assert.equal(await alertFor(srv.port, [X25519MLKEM768], [{ group: X25519MLKEM768, key_exchange: randomBytes(32) }]), ILLEGAL_PARAMETER);
    });

    it('from a server: a ServerHello whose X25519MLKEM768 share is not 1120 bytes', async () => {
      for (const length of [1119, 1121, 32]) {
        const srv = await rawServer((s) => {
          s.on('error', () => undefined);
          void firstClientHello(s).then(({ hello }) => {
            const msg = ServerHelloCodec.encode({
              legacy_version: TLS12,
              random: randomBytes(32),
              legacy_session_id_echo: hello.legacy_session_id,
              cipher_suite: 0x1301,
              legacy_compression_method: 0,
              extensions: [
                ext(ExtensionType.key_share, keyShareExt.server.encode({ group: X25519MLKEM768, key_exchange: randomBytes(length) })),
                ext(ExtensionType.supported_versions, supportedVersionsExt.server.encode(TLS13)),
              ],
            });
            s.write(Buffer.concat([Buffer.from([22, 3, 3, msg.length >> 8, msg.length & 0xff]), msg]));
          });
        });
        closers.push(srv.close);
        const e = await failure(await client(srv.port));
        assert.equal(e.alert.name, 'illegal_parameter', `a ${length}-byte share`);
        assert.match(e.message, /X25519MLKEM768/);
      }
    });
  });
});
