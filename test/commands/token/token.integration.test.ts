import assert from 'node:assert/strict';
import { expectCleanFailure, kyman, kymanJson, kymanOnTerminal } from '../../helpers/cli.js';
import { SOFTHSM2, softHsm, type SoftHsm } from '../../helpers/pkcs11-tokens.js';

const ok = (r: { status: number; stdout: string; stderr: string }, what: string) => assert.equal(r.status, 0, `${what}:\n${r.stdout}\n${r.stderr}`);

describe('kyman token', function () {
  this.timeout(120_000);
  let hsm: SoftHsm;
  let env: NodeJS.ProcessEnv;
  before(() => {
    hsm = softHsm();
    env = { SOFTHSM2_CONF: hsm.conf, KYMAN_PKCS11_MODULE: SOFTHSM2, SO: '11223344', PIN: '55667788' };
  });
  after(() => hsm?.cleanup());

  it('init makes a token pkcs11-tool can log in to; list and show report it', () => {
    const made = kymanJson(['token', 'init', '--label', 'cli', '--so-pin', 'env:SO', '--pin', 'env:PIN'], { env });
    assert.equal(made.__status, 0, made.__stderr);
    assert.equal(made.token.label, 'cli');
    ok(hsm.run('pkcs11-tool', ['--module', SOFTHSM2, '--token-label', 'cli', '--login', '--pin', '55667788', '--keypairgen', '--key-type', 'EC:prime256v1', '--id', '01', '--label', 'k']), 'pkcs11-tool keypairgen');
    const list = kymanJson(['token', 'list'], { env });
    assert.ok(list.tokens.some((t: any) => t.label === 'cli' && t.initialized && t.mechanisms.includes('ECDSA')));
    const human = kyman(['token', 'list'], { env });
    ok(human, 'token list');
    assert.match(human.stdout, /Label\s+Manufacturer/);
    assert.match(human.stdout, /cli\s+SoftHSM project/);
    const shown = kymanJson(['token', 'show', 'cli', '--pin', 'env:PIN'], { env });
    assert.deepEqual(shown.token.objects.map((o: any) => o.class).sort(), ['private-key', 'public-key']);
    assert.match(kyman(['token', 'show', 'cli'], { env }).stdout, /Objects\s+1 public/);
  });

  it('fails cleanly: wrong PIN 3, missing token or module 4, existing label 6', () => {
    expectCleanFailure(kyman(['token', 'show', 'cli', '--pin', 'pass:00000000'], { env }), 3, /wrong PIN for token "cli"/);
    expectCleanFailure(kyman(['token', 'show', 'nope'], { env }), 4, /no token labelled "nope".*"cli"/);
    expectCleanFailure(kyman(['token', 'list', '--module', '/no/such/module.so'], { env }), 4, /no such file/);
    expectCleanFailure(kyman(['token', 'init', '--label', 'cli', '--so-pin', 'env:SO', '--pin', 'env:PIN'], { env }), 6, /exists/);
  });

  it('delete needs --force in a script, then wipes the token', () => {
    expectCleanFailure(kyman(['token', 'delete', 'cli', '--so-pin', 'env:SO'], { env }), 2, /--force/);
    expectCleanFailure(kyman(['token', 'delete', 'cli', '--so-pin', 'pass:99999999', '--force'], { env }), 3);
    const no = kymanOnTerminal(['token', 'delete', 'cli', '--so-pin', 'env:SO'], '\n', { env });
    assert.equal(no.status, 1, no.stdout);
    assert.match(no.stdout, /Destroy every key and certificate on token "cli"\?/);
    assert.match(no.stdout, /token "cli" was not wiped/);
    assert.equal(kymanJson(['token', 'show', 'cli'], { env }).token.objects.length, 1);
    const r = kymanJson(['token', 'delete', 'cli', '--so-pin', 'env:SO', '--force'], { env });
    assert.equal(r.__status, 0, r.__stderr);
    assert.equal(kymanJson(['token', 'show', 'cli'], { env }).token.objects.length, 0);
  });
});
