import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { kyman, kymanJson, repoRoot, tempDir, tool } from '../helpers/cli.js';
import { SOFTHSM2, softHsm } from '../helpers/pkcs11-tokens.js';

const bin = path.join(repoRoot, 'bin/run.js');
const ok = (r: { status: number; stdout: string; stderr: string }, what: string) => assert.equal(r.status, 0, `${what}:\n${r.stdout}\n${r.stderr}`);

/**
 * The built kyman running in a tmux pane, driven as a person would: keys in, screen text out.
 * Each terminal has its own tmux server (socket), so tests never touch anyone else's tmux.
 */
class Terminal {
  readonly socket: string;
  /** How far into the pane's text earlier waits have matched; each wait looks only after it. */
  #cursor = 0;

  constructor(
    readonly name: string,
    readonly cwd: string,
  ) {
    this.socket = `${name}-${process.pid}`;
  }

  #tmux(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  }

  /** Starts `kyman ARGS` in a 200×50 pane; when it ends, the pane says how. */
  start(args: string[] = [], env: Record<string, string> = {}): void {
    const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const command = ['env', 'NO_COLOR=1', 'KYMAN_DB=', ...vars, process.execPath, bin, ...args].map((w) => `'${w}'`).join(' ');
    this.#tmux('new-session', '-d', '-s', this.name, '-x', '200', '-y', '50', '-c', this.cwd, `${command}; echo "[kyman exited $?]"; sleep 3600`);
  }

  /** Everything the pane has shown, scrollback included. */
  text(): string {
    return this.#tmux('capture-pane', '-p', '-J', '-S', '-', '-t', this.name);
  }

  /** Waits (bounded) until `expected` appears after what was last matched. */
  async waitFor(expected: string | RegExp, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.text().slice(this.#cursor);
      const at = typeof expected === 'string' ? rest.indexOf(expected) : rest.search(expected);
      if (at >= 0) {
        this.#cursor += at + (typeof expected === 'string' ? expected.length : 1);
        return;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(expected)}; the screen after the last match:\n${rest}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Special keys, as tmux names them: Enter, Escape, C-c, Down. */
  keys(...keys: string[]): void {
    this.#tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Types text literally, then Enter. */
  type(text: string): void {
    if (text) this.#tmux('send-keys', '-t', this.name, '-l', text);
    this.keys('Enter');
  }

  /** Waits for a question, then answers it (an empty answer takes the default). */
  async answer(question: string | RegExp, text = ''): Promise<void> {
    await this.waitFor(question);
    this.type(text);
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}

describe('kyman menu', function () {
  this.timeout(120_000);

  describe('in a terminal', function () {
    it('creates a database and certificates, sets the default, exports, stashes, and backs out of forms writing nothing', async () => {
      const tmp = tempDir('kyman-menu-');
      const term = new Terminal('kyman-menu-main', tmp.dir);
      const db = tmp.file('server.kdb');
      try {
        // A bare `kyman` on a terminal opens gskkyman's Database Menu.
        term.start();
        await term.waitFor('Database Menu');
        await term.waitFor('1 - Create new database');
        await term.answer('Enter option number:', '1');
        await term.answer('Enter key database name', 'server.kdb');
        await term.answer('Database type:');
        await term.answer('Enter record length:');
        await term.answer('New password for server.kdb:', 'menu-pass-1');
        await term.answer('Repeat it:', 'menu-pass-1');
        await term.answer('Enter password expiration in days', '90');
        await term.answer('stash file');
        await term.waitFor('Created server.kdb');
        await term.waitFor('kyman db create server.kdb --pass env:KDB_PASS --pass-expire 90');
        await term.answer('Press Enter to continue.');

        // Straight into the Key Management Menu of the new database: a self-signed certificate, defaults taken.
        await term.waitFor('Key Management Menu');
        await term.answer('Enter option number:', '6');
        await term.answer('Enter label', 'web');
        await term.answer('Enter subject name', 'CN=www.example.com,O=Example');
        await term.answer('Enter subject alternative names');
        await term.answer('Select certificate key type:');
        await term.answer('Enter certificate validity in days:');
        await term.answer('certificate authority');
        await term.answer('Set the key as the default key?');
        await term.waitFor('Created "web" in server.kdb (default key)');
        await term.waitFor('kyman cert create web --db server.kdb --pass env:KDB_PASS --subject "CN=www.example.com,O=Example" --san dns:www.example.com --key ec:p256 --days 365 --default');
        await term.answer('Press Enter to continue.');

        // A second one, not the default, valid for 30 days.
        await term.answer('Enter option number:', '6');
        await term.answer('Enter label', 'api');
        await term.answer('Enter subject name', 'CN=api.example.com');
        await term.answer('Enter subject alternative names');
        await term.answer('Select certificate key type:');
        await term.answer('Enter certificate validity in days:', '30');
        await term.answer('certificate authority');
        await term.answer('Set the key as the default key?', 'n');
        await term.waitFor('Created "api" in server.kdb');
        await term.waitFor('--subject "CN=api.example.com" --san dns:api.example.com --key ec:p256 --days 30');
        await term.answer('Press Enter to continue.');

        // Manage keys and certificates → api → Set key as default.
        await term.answer('Enter option number:', '1');
        await term.waitFor('Key and Certificate List');
        await term.waitFor('2 - api');
        await term.answer('Enter option number:', '2');
        await term.waitFor('Key and Certificate Menu');
        await term.answer('Enter option number:', '3');
        await term.waitFor('"api" is now the default key of server.kdb');
        await term.waitFor('kyman cert default api --db server.kdb --pass env:KDB_PASS');
        await term.answer('Press Enter to continue.');

        // Export certificate to a file: PEM and api.pem are the defaults.
        await term.answer('Enter option number:', '6');
        await term.answer('Select export format:');
        await term.answer('Enter export file name:');
        await term.answer('issuing certificates');
        await term.waitFor('Wrote api.pem: 1 certificate, pem');
        await term.waitFor('kyman cert export api --db server.kdb --pass env:KDB_PASS --out api.pem');
        await term.answer('Press Enter to continue.');

        // Export certificate and key, backed out with Escape at the second password: no file.
        const before = readFileSync(db);
        await term.answer('Enter option number:', '7');
        await term.answer('Select export format:');
        await term.answer('Enter export file name:', 'half.p12');
        await term.answer('issuing certificates');
        await term.answer('New password for half.p12:', 'export-pass');
        await term.waitFor('Repeat it:');
        term.keys('Escape');
        await term.waitFor('Cancelled: nothing was written.');
        await term.answer('Press Enter to continue.');
        await term.answer('Enter option number:', '0');
        await term.answer('Enter option number:', '0');

        // Create a self-signed certificate, backed out with Ctrl-C half-way: the database is untouched.
        await term.waitFor('Key Management Menu');
        await term.answer('Enter option number:', '6');
        await term.answer('Enter label', 'never');
        await term.answer('Enter subject name', 'CN=never.example.com');
        await term.waitFor('Enter subject alternative names');
        term.keys('C-c');
        await term.waitFor('Cancelled: nothing was written.');
        await term.answer('Press Enter to continue.');
        assert.ok(!existsSync(tmp.file('half.p12')), 'a backed-out export wrote its file');
        assert.deepEqual(readFileSync(db), before, 'a backed-out form changed the database');

        // Store database password.
        await term.answer('Enter option number:', '10');
        await term.waitFor('Wrote server.sth (mode 0600)');
        await term.waitFor('kyman db stash --db server.kdb --pass env:KDB_PASS');
        await term.answer('Press Enter to continue.');
        await term.answer('Enter option number:', '0');
        await term.waitFor('Database Menu');
        await term.answer('Enter option number:', '0');
        await term.waitFor('[kyman exited 0]');
      } finally {
        term.kill();
      }
      try {
        // What the menu wrote, as kyman's commands and openssl see it (the stash answers for the password).
        const list = kymanJson(['cert', 'list', '--db', db]);
        assert.equal(list.__status, 0, list.__stderr);
        const byLabel = new Map<string, any>(list.entries.map((e: any) => [e.label, e]));
        assert.deepEqual([...byLabel.keys()].sort(), ['api', 'web']);
        assert.equal(byLabel.get('api').isDefault, true);
        assert.equal(byLabel.get('web').isDefault, false);
        assert.equal(byLabel.get('web').subject, 'CN=www.example.com,O=Example');
        assert.equal(byLabel.get('api').kind, 'key');
        const days = (Date.parse(byLabel.get('api').notAfter) - Date.now()) / 86_400_000;
        assert.ok(days > 28 && days <= 30.1, `api is valid for ${days} days, not 30`);
        const x509 = tool('openssl', ['x509', '-in', tmp.file('api.pem'), '-noout', '-subject']);
        assert.equal(x509.status, 0, x509.stderr);
        assert.match(x509.stdout, /CN\s*=\s*api\.example\.com/);
        assert.equal(statSync(tmp.file('server.sth')).mode & 0o777, 0o600);
        const info = kymanJson(['db', 'info', db]);
        assert.equal(info.recordLength, 5000);
        assert.equal(info.integrity, 'verified');
        // The password expiry asked at creation, 90 days out (a day's slack for midnight UTC).
        assert.ok(info.passwordDaysLeft >= 89 && info.passwordDaysLeft <= 90, `password expires in ${info.passwordDaysLeft} days, not 90`);
      } finally {
        tmp.cleanup();
      }
    });

    it('kyman menu --db opens the Key Management Menu with the stash, and an error leaves the menu running', async () => {
      const tmp = tempDir('kyman-menu-');
      const term = new Terminal('kyman-menu-db', tmp.dir);
      try {
        const created = kyman(['db', 'create', 'keys.kdb', '--pass', 'env:P', '--stash'], { cwd: tmp.dir, env: { P: 'menu-pass-2' } });
        assert.equal(created.status, 0, created.stderr);
        term.start(['menu', '--db', 'keys.kdb']);
        await term.waitFor('Key Management Menu');
        await term.waitFor('Database: keys.kdb');
        // Show the default key: there is none, said as `kyman cert default` says it.
        await term.answer('Enter option number:', '9');
        await term.waitFor('keys.kdb has no default key.');
        await term.waitFor('kyman cert default --db keys.kdb');
        await term.answer('Press Enter to continue.');
        // Import a file that is not there: one line, and the menu carries on.
        await term.answer('Enter option number:', '7');
        await term.answer('Enter import file name', 'missing.pem');
        await term.waitFor('kyman: missing.pem does not exist');
        await term.answer('Press Enter to continue.');
        await term.answer('Enter option number:', '11');
        await term.waitFor('keys.kdb: record length 5000 bytes');
        await term.answer('Press Enter to continue.');
        await term.answer('Enter option number:', '0');
        await term.answer('Enter option number:', '0');
        await term.waitFor('[kyman exited 0]');
      } finally {
        term.kill();
        tmp.cleanup();
      }
    });

    it('creates and receives a request, issues a certificate from a CA entry, and makes a renewal request', async () => {
      const tmp = tempDir('kyman-menu-');
      const term = new Terminal('kyman-menu-req', tmp.dir);
      const db = tmp.file('ca.kdb');
      try {
        assert.equal(kyman(['db', 'create', 'ca.kdb', '--pass', 'env:P', '--stash'], { cwd: tmp.dir, env: { P: 'menu-pass-3' } }).status, 0);
        const root = kyman(['cert', 'create', 'root-ca', '--db', 'ca.kdb', '--subject', 'CN=Menu Root CA', '--ca'], { cwd: tmp.dir });
        assert.equal(root.status, 0, root.stderr);
        term.start(['menu', '--db', 'ca.kdb']);

        // 4 - Create new certificate request, defaults taken after the label and subject.
        await term.waitFor('4 - Create new certificate request');
        await term.answer('Enter option number:', '4');
        await term.answer('Enter label', 'web');
        await term.answer('Enter subject name', 'CN=www.example.com');
        await term.answer('Enter subject alternative names');
        await term.answer('Select certificate key type:');
        await term.answer('Enter request file name:');
        await term.waitFor('Created request "web"');
        await term.waitFor('kyman req create web --db ca.kdb --subject "CN=www.example.com" --san dns:www.example.com --key ec:p256 --out web.csr');
        await term.answer('Press Enter to continue.');

        // The CA signs it, as a script would; the menu receives it.
        const signed = kyman(['cert', 'sign', 'web.csr', '--db', 'ca.kdb', '--ca', 'root-ca', '--out', 'web.crt', '--profile', 'server'], { cwd: tmp.dir });
        assert.equal(signed.status, 0, signed.stderr);
        await term.answer('Enter option number:', '5');
        await term.answer('Enter certificate file name', 'web.crt');
        await term.answer('Add the CA certificates');
        await term.waitFor('Received "web" into ca.kdb');
        await term.waitFor('kyman req receive web.crt --db ca.kdb');
        await term.answer('Press Enter to continue.');

        // The CA entry's menu: Create a signed certificate and key, then a renewal request for the CA itself.
        await term.answer('Enter option number:', '1');
        await term.waitFor('1 - root-ca (default)');
        await term.answer('Enter option number:', '1');
        await term.waitFor('10 - Create a signed certificate and key');
        await term.waitFor('11 - Create a certificate renewal request');
        await term.answer('Enter option number:', '10');
        await term.answer('Enter label for the new certificate', 'api');
        await term.answer('Enter subject name', 'CN=api.example.com');
        await term.answer('Enter subject alternative names');
        await term.answer('Select certificate key type:');
        await term.answer('Select what the certificate is for:');
        await term.answer('Enter certificate validity in days:');
        await term.answer('Set the key as the default key?');
        await term.waitFor('Created "api" in ca.kdb, signed by "root-ca"');
        await term.waitFor('kyman cert issue api --db ca.kdb --ca root-ca --subject "CN=api.example.com" --san dns:api.example.com --key ec:p256 --profile any --days 365');
        await term.answer('Press Enter to continue.');
        await term.answer('Enter option number:', '11');
        await term.answer('Enter request file name:');
        await term.waitFor('Created renewal request "root-ca"; wrote root-ca-renew.csr');
        await term.waitFor('kyman req renew root-ca --db ca.kdb --out root-ca-renew.csr');
        await term.answer('Press Enter to continue.');

        // 12 - Sign a certificate request: the pending request's file, signed into a certificate file; numbered sub-choices.
        await term.waitFor('12 - Sign a certificate request');
        await term.waitFor('13 - Validate certificate');
        await term.answer('Enter option number:', '12');
        await term.answer('Enter certificate request file name', 'web.csr');
        await term.waitFor(/1 - server\s+2 - client/);
        await term.answer('Select what the certificate is for:');
        await term.answer('Enter certificate validity in days:', '30');
        await term.answer('Enter certificate file name:', 'signed.pem');
        await term.waitFor('Wrote signed.pem (PEM), signed by "root-ca"');
        await term.waitFor('kyman cert sign web.csr --db ca.kdb --ca root-ca --out signed.pem --profile server --days 30');
        await term.answer('Press Enter to continue.');
        // The same again onto the file just written: asked, declined, nothing replaced.
        await term.answer('Enter option number:', '12');
        await term.answer('Enter certificate request file name', 'web.csr');
        await term.answer('Select what the certificate is for:', '3');
        await term.answer('Enter certificate validity in days:');
        await term.answer('Enter certificate file name:', 'signed.pem');
        await term.answer('signed.pem already exists. Replace it?');
        await term.waitFor('kyman: signed.pem already exists: choose another name');
        await term.answer('Press Enter to continue.');

        // 13 - Validate certificate: the CA entry against the database's own trust, then for a host it does not name.
        await term.answer('Enter option number:', '13');
        await term.answer('Select what the certificate must be good for:');
        await term.answer('Enter the host name it must name');
        await term.waitFor(/CN=Menu Root CA\s+CN=Menu Root CA.*anchor/);
        await term.waitFor(/^valid$/m);
        await term.waitFor('kyman cert validate root-ca --db ca.kdb');
        await term.answer('Press Enter to continue.');
        await term.answer('Enter option number:', '13');
        await term.answer('Select what the certificate must be good for:', '2');
        await term.answer('Enter the host name it must name', 'www.example.org');
        await term.waitFor('not valid');
        await term.waitFor('kyman cert validate root-ca --db ca.kdb --purpose server --host www.example.org');
        await term.answer('Press Enter to continue.');
        await term.answer('Enter option number:', '0');
        await term.answer('Enter option number:', '0');

        // 3 - Manage certificate requests lists the renewal.
        await term.answer('Enter option number:', '3');
        await term.waitFor('1 - root-ca (renewal)');
        await term.answer('Enter option number:', '0');
        await term.answer('Enter option number:', '0');
        await term.answer('Enter option number:', '0');
        await term.waitFor('[kyman exited 0]');
      } finally {
        term.kill();
      }
      try {
        const list = kymanJson(['cert', 'list', '--db', db]);
        assert.deepEqual(list.entries.map((e: any) => e.label).sort(), ['api', 'root-ca', 'web']);
        const pending = kymanJson(['req', 'list', '--db', db]);
        assert.deepEqual(pending.requests.map((r: any) => [r.label, r.renewal]), [['root-ca', true]]);
        const csr = tool('openssl', ['req', '-in', tmp.file('root-ca-renew.csr'), '-noout', '-subject', '-verify']);
        assert.equal(csr.status, 0, csr.stderr);
        assert.match(csr.stdout, /CN\s*=\s*Menu Root CA/);
        const signed = kymanJson(['cert', 'validate', tmp.file('signed.pem'), '--db', db, '--purpose', 'server', '--host', 'www.example.com']);
        assert.equal(signed.__status, 0, signed.__stderr);
        assert.equal(signed.chain[0].subject, 'CN=www.example.com');
        const signedDays = (Date.parse(signed.chain[0].notAfter) - Date.now()) / 86_400_000;
        assert.ok(signedDays > 28 && signedDays <= 30.1, `signed.pem is valid for ${signedDays} days, not 30`);
        const x509 = tool('openssl', ['x509', '-in', tmp.file('signed.pem'), '-noout', '-ext', 'extendedKeyUsage']);
        assert.match(x509.stdout, /TLS Web Server Authentication/);
        const api = kymanJson(['cert', 'show', 'api', '--db', db]);
        assert.equal(api.certificate.issuer, 'CN=Menu Root CA');
      } finally {
        tmp.cleanup();
      }
    });
  });

  describe('tokens, in a terminal', function () {
    it('creates a token, makes a certificate on it, shows it, copies a database entry onto it, and deletes it', async () => {
      const hsm = softHsm();
      const tmp = tempDir('kyman-menu-token-');
      const term = new Terminal('kyman-menu-token', tmp.dir);
      const env = { SOFTHSM2_CONF: hsm.conf, KYMAN_PKCS11_MODULE: SOFTHSM2 };
      const pin = { ...env, PIN: '24682468' };
      try {
        ok(kyman(['db', 'create', tmp.file('file.kdb'), '--pass', 'pass:file-pass-1', '--stash']), 'db create');
        ok(kyman(['cert', 'create', 'from-file', '--db', tmp.file('file.kdb'), '--subject', 'CN=from-file']), 'cert create');
        term.start([], env);
        await term.waitFor('Database Menu');
        await term.waitFor('10 - Show token information');

        // Create new token: label, SO PIN and user PIN, each asked twice.
        await term.answer('Enter option number:', '7');
        await term.answer('Enter token label', 'menu-tok');
        await term.answer('New password for the SO PIN of token "menu-tok":', '13571357');
        await term.answer('Repeat it:', '13571357');
        await term.answer('New password for the user PIN of token "menu-tok":', '24682468');
        await term.answer('Repeat it:', '24682468');
        await term.waitFor('Initialized token "menu-tok"');
        await term.waitFor('kyman token init --label menu-tok --so-pin env:SO_PIN --pin env:PIN');
        await term.answer('Press Enter to continue.');

        // Manage token: its key management menu, where a self-signed certificate's key is made on the token.
        await term.answer('Enter option number:', '9');
        await term.answer('Token:');
        await term.answer('User PIN for token "menu-tok":', '24682468');
        await term.waitFor('Token Key Management Menu');
        await term.answer('Enter option number:', '6');
        await term.answer('Enter label', 'web');
        await term.answer('Enter subject name', 'CN=web.example.com');
        await term.answer('Enter subject alternative names');
        await term.answer('Select certificate key type:');
        await term.answer('Enter certificate validity in days:');
        await term.answer('certificate authority');
        await term.answer('Set the key as the default key?');
        await term.waitFor('Created "web" in pkcs11:token=menu-tok (default key)');
        await term.waitFor('kyman cert create web --token menu-tok --pin env:PIN --subject "CN=web.example.com"');
        await term.answer('Press Enter to continue.');
        const onToken = kymanJson(['cert', 'list', '--token', 'menu-tok', '--pin', 'env:PIN'], { env: pin });
        assert.deepEqual(onToken.entries.map((e: any) => [e.label, e.kind, e.isDefault]), [['web', 'key', true]]);
        const objects = hsm.run('pkcs11-tool', ['--module', SOFTHSM2, '--token-label', 'menu-tok', '--login', '--pin', '24682468', '--list-objects', '--type', 'privkey']).stdout;
        assert.match(objects, /label:\s+web[\s\S]*never extractable/);
        await term.answer('Enter option number:', '0');

        // Open the database and copy its entry onto the token: the key goes too.
        await term.answer('Enter option number:', '2');
        await term.answer('Enter key database name', 'file.kdb');
        await term.waitFor('Key Management Menu');
        await term.answer('Enter option number:', '1');
        await term.waitFor('1 - from-file');
        await term.answer('Enter option number:', '1');
        await term.waitFor('Key and Certificate Menu');
        await term.answer('Enter option number:', '5');
        await term.waitFor('2 - A token');
        await term.answer('Copy to:', '2');
        await term.answer('Token:');
        await term.answer('User PIN for token "menu-tok":', '24682468');
        await term.waitFor('Copied "from-file" and its private key from file.kdb to pkcs11:token=menu-tok');
        await term.waitFor('kyman cert copy from-file --db file.kdb --to-token menu-tok --to-pin env:TARGET_PIN');
        await term.answer('Press Enter to continue.');
        await term.answer('Enter option number:', '0');
        await term.answer('Enter option number:', '0');
        await term.answer('Enter option number:', '0');

        // Show token information, logged in: both keys are listed.
        await term.answer('Enter option number:', '10');
        await term.answer('Token:');
        await term.answer('Log in to list private objects too?', 'y');
        await term.answer('User PIN for token "menu-tok":', '24682468');
        await term.waitFor(/private-key\s+from-file/);
        await term.waitFor('kyman token show menu-tok --pin env:PIN');
        await term.answer('Press Enter to continue.');

        // Delete token, after a question.
        await term.answer('Enter option number:', '8');
        await term.answer('Token:');
        await term.answer('Destroy every key and certificate on token "menu-tok"?', 'y');
        await term.answer('SO PIN for token "menu-tok":', '13571357');
        await term.waitFor('Wiped token "menu-tok"');
        await term.waitFor('kyman token delete menu-tok --so-pin env:SO_PIN --force');
        await term.answer('Press Enter to continue.');
        await term.answer('Enter option number:', '0');
        await term.waitFor('[kyman exited 0]');
        assert.equal(kymanJson(['token', 'show', 'menu-tok'], { env }).token.objects.length, 0);
      } finally {
        term.kill();
        tmp.cleanup();
        hsm.cleanup();
      }
    });
  });
});
