// Real STARTTLS servers for the tests — Postfix, Dovecot, slapd, PostgreSQL, vsftpd, Prosody — each on its own loopback ports with a configuration of its own in a temporary folder, stopped by its own pid.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, appendFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './peers.js';

/** How long a daemon gets to listen: Postfix's master and PostgreSQL take a second or two. */
const START_TIMEOUT_MS = 20_000;
/** After SIGTERM, how long before SIGKILL. */
const STOP_GRACE_MS = 5_000;

export interface Daemon {
  name: string;
  port: number;
  /** Further ports, by service (Dovecot's pop3, the second slapd …). */
  ports: Record<string, number>;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const account = (user: string) => ({ uid: Number(execFileSync('id', ['-u', user]).toString()), gid: Number(execFileSync('id', ['-g', user]).toString()) });

/** A folder for one daemon, owned by `user` (so it can drop to it), its parents traversable. */
export function daemonDir(base: string, name: string, user?: string): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  if (user) {
    const { uid, gid } = account(user);
    chownSync(dir, uid, gid);
  }
  return dir;
}

/** The certificate and key, copied where the daemon's user can read them (the key 0600, as PostgreSQL insists). */
export function installCredentials(dir: string, certFile: string, keyFile: string, user?: string): { cert: string; key: string } {
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  copyFileSync(certFile, cert);
  copyFileSync(keyFile, key);
  chmodSync(key, 0o600);
  if (user) {
    const { uid, gid } = account(user);
    chownSync(cert, uid, gid);
    chownSync(key, uid, gid);
  }
  return { cert, key };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Spawns `command` in the foreground (as `user` when given) and waits until every port listens. */
export async function startDaemon(name: string, command: string, args: string[], ports: number[], options: { user?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Omit<Daemon, 'port' | 'ports'>> {
  const proc = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
    ...(options.user ? account(options.user) : {}),
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(t);
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited (${proc.exitCode}) before it listened: ${out}`);
    const up = await Promise.all(ports.map(listening));
    if (up.every(Boolean)) return { name, proc, output: () => out, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not listen on ${ports.join(', ')} within ${START_TIMEOUT_MS / 1000} s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A temporary base folder the daemons' own users can traverse. */
export function daemonBase(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kyman-starttls-'));
  chmodSync(dir, 0o755);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Postfix 3: a master in the foreground (`master -d`) with smtpd on two ports: `port` offers
 * STARTTLS with the given certificate, `ports.plain` does not (smtpd_tls_security_level=none).
 */
export async function startPostfix(base: string, certFile: string, keyFile: string): Promise<Daemon> {
  const root = daemonDir(base, 'postfix');
  const conf = daemonDir(root, 'conf');
  const queue = daemonDir(root, 'queue');
  const data = daemonDir(root, 'data', 'postfix');
  const { cert, key } = installCredentials(root, certFile, keyFile);
  const [port, plain] = [await freePort(), await freePort()];
  writeFileSync(
    join(conf, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${queue}`,
      `data_directory = ${data}`,
      'mail_owner = postfix',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'myhostname = mail.kyman.test',
      'mydestination =',
      'local_recipient_maps =',
      'alias_maps =',
      'alias_database =',
      `maillog_file_prefixes = ${root}`,
      `maillog_file = ${join(root, 'maillog')}`,
      'smtpd_tls_security_level = may',
      `smtpd_tls_cert_file = ${cert}`,
      `smtpd_tls_key_file = ${key}`,
      '',
    ].join('\n'),
  );
  // Only the services smtpd talks to, none chrooted: the test's folders are not inside a chroot.
  writeFileSync(
    join(conf, 'master.cf'),
    [
      `127.0.0.1:${port} inet n - n - - smtpd`,
      `127.0.0.1:${plain} inet n - n - - smtpd -o smtpd_tls_security_level=none`,
      'tlsmgr unix - - n 1000? 1 tlsmgr',
      'anvil unix - - n - 1 anvil',
      'proxymap unix - - n - - proxymap',
      'cleanup unix n - n - 0 cleanup',
      'qmgr unix n - n 300 1 qmgr',
      'rewrite unix - - n - - trivial-rewrite',
      'bounce unix - - n - 0 bounce',
      'defer unix - - n - 0 bounce',
      'trace unix - - n - 0 bounce',
      'error unix - - n - - error',
      'retry unix - - n - - error',
      'discard unix - - n - - discard',
      'scache unix - - n - 1 scache',
      'postlog unix-dgram n - n - 1 postlogd',
      '',
    ].join('\n'),
  );
  // `postfix check` creates the queue's folders with the owners Postfix wants.
  execFileSync('postfix', ['-c', conf, 'check'], { stdio: 'pipe' });
  const d = await startDaemon('postfix', '/usr/lib/postfix/sbin/master', ['-c', conf, '-d'], [port, plain]);
  const output = () => d.output() + (existsSync(join(root, 'maillog')) ? readFileSync(join(root, 'maillog'), 'utf8') : '');
  return { ...d, output, port, ports: { plain } };
}

/** Dovecot 2.3 in the foreground, IMAP on `port` and POP3 on `ports.pop3`, any user with password "test". */
export async function startDovecot(base: string, certFile: string, keyFile: string): Promise<Daemon> {
  const root = daemonDir(base, 'dovecot');
  const run = daemonDir(root, 'run');
  const mail = daemonDir(root, 'mail', 'dovecot');
  const { cert, key } = installCredentials(root, certFile, keyFile);
  const [port, pop3] = [await freePort(), await freePort()];
  const { uid } = account('dovecot');
  const config = join(root, 'dovecot.conf');
  writeFileSync(
    config,
    `base_dir = ${run}
state_dir = ${join(root, 'state')}
listen = 127.0.0.1
protocols = imap pop3
log_path = ${join(root, 'log')}
ssl = yes
ssl_cert = <${cert}
ssl_key = <${key}
disable_plaintext_auth = yes
auth_mechanisms = plain
passdb {
  driver = static
  args = password=test
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${mail}/%u
}
first_valid_uid = ${uid}
mail_location = maildir:~/Maildir
default_internal_user = dovecot
default_login_user = dovenull
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = ${pop3}
  }
  inet_listener pop3s {
    port = 0
  }
}
`,
  );
  const d = await startDaemon('dovecot', 'dovecot', ['-F', '-c', config], [port, pop3]);
  const output = () => d.output() + (existsSync(join(root, 'log')) ? readFileSync(join(root, 'log'), 'utf8') : '');
  return { ...d, output, port, ports: { pop3 } };
}

/** OpenLDAP slapd as the openldap user, with TLS configured (or, `withTls` false, without: StartTLS is then refused). */
export async function startSlapd(base: string, certFile: string, keyFile: string, withTls = true): Promise<Daemon> {
  const name = withTls ? 'slapd' : 'slapd-no-tls';
  const root = daemonDir(base, name, 'openldap');
  const db = daemonDir(root, 'db', 'openldap');
  const { cert, key } = installCredentials(root, certFile, keyFile, 'openldap');
  const port = await freePort();
  const config = join(root, 'slapd.conf');
  writeFileSync(
    config,
    [
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'include /etc/ldap/schema/core.schema',
      `pidfile ${join(root, 'slapd.pid')}`,
      ...(withTls ? [`TLSCertificateFile ${cert}`, `TLSCertificateKeyFile ${key}`] : []),
      'database mdb',
      'suffix "dc=kyman,dc=test"',
      'rootdn "cn=admin,dc=kyman,dc=test"',
      `directory ${db}`,
      '',
    ].join('\n'),
  );
  // -d 0: stay in the foreground (so the pid is slapd's), logging nothing; -u/-g: drop to openldap.
  const d = await startDaemon(name, '/usr/sbin/slapd', ['-d', '0', '-h', `ldap://127.0.0.1:${port}/`, '-f', config, '-u', 'openldap', '-g', 'openldap'], [port]);
  return { ...d, port, ports: {} };
}

/** PostgreSQL (the newest under /usr/lib/postgresql) as the postgres user: initdb, then postgres with ssl on. `setSsl` reloads with ssl on or off. */
export async function startPostgres(base: string, certFile: string, keyFile: string): Promise<Daemon & { setSsl(on: boolean): Promise<void> }> {
  const versions = execFileSync('ls', ['/usr/lib/postgresql']).toString().split(/\s+/).filter(Boolean).sort((a, b) => Number(a) - Number(b));
  const bin = join('/usr/lib/postgresql', versions[versions.length - 1], 'bin');
  const root = daemonDir(base, 'postgres', 'postgres');
  const { cert, key } = installCredentials(root, certFile, keyFile, 'postgres');
  const data = join(root, 'data');
  execFileSync(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'kyman', '--no-sync', '--no-instructions'], { stdio: 'pipe', ...account('postgres') });
  const port = await freePort();
  const conf = join(data, 'postgresql.conf');
  appendFileSync(conf, `\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${root}'\nfsync = off\nssl_cert_file = '${cert}'\nssl_key_file = '${key}'\nssl = on\n`);
  const d = await startDaemon('postgres', join(bin, 'postgres'), ['-D', data], [port], { user: 'postgres' });
  const setSsl = async (on: boolean) => {
    appendFileSync(conf, `ssl = ${on ? 'on' : 'off'}\n`);
    d.proc.kill('SIGHUP');
    // The postmaster rereads its configuration at once; a moment lets it take effect.
    await new Promise((r) => setTimeout(r, 500));
  };
  return { ...d, port, ports: {}, setSsl };
}

/** vsftpd in the foreground with explicit FTPS (AUTH TLS). */
export async function startVsftpd(base: string, certFile: string, keyFile: string): Promise<Daemon> {
  const root = daemonDir(base, 'vsftpd');
  const empty = daemonDir(root, 'empty');
  const { cert, key } = installCredentials(root, certFile, keyFile);
  const port = await freePort();
  const config = join(root, 'vsftpd.conf');
  writeFileSync(
    config,
    [
      'listen=YES',
      'listen_ipv6=NO',
      'listen_address=127.0.0.1',
      `listen_port=${port}`,
      'background=NO',
      'anonymous_enable=NO',
      // vsftpd refuses to start with no kind of login at all.
      'local_enable=YES',
      `secure_chroot_dir=${empty}`,
      'ssl_enable=YES',
      `rsa_cert_file=${cert}`,
      `rsa_private_key_file=${key}`,
      'ssl_ciphers=HIGH',
      'xferlog_enable=NO',
      '',
    ].join('\n'),
  );
  const d = await startDaemon('vsftpd', '/usr/sbin/vsftpd', [config], [port]);
  return { ...d, port, ports: {} };
}

/** Prosody as the prosody user, c2s on `port` for the domain localhost, STARTTLS offered. */
export async function startProsody(base: string, certFile: string, keyFile: string): Promise<Daemon> {
  const root = daemonDir(base, 'prosody', 'prosody');
  daemonDir(root, 'data', 'prosody');
  daemonDir(root, 'certs', 'prosody');
  const { cert, key } = installCredentials(root, certFile, keyFile, 'prosody');
  const port = await freePort();
  const config = join(root, 'prosody.cfg.lua');
  writeFileSync(
    config,
    `pidfile = "${join(root, 'prosody.pid')}"
data_path = "${join(root, 'data')}"
certificates = "${join(root, 'certs')}"
daemonize = false
log = { { levels = { min = "info" }, to = "console" } }
interfaces = { "127.0.0.1" }
c2s_ports = { ${port} }
s2s_ports = { }
component_ports = { }
http_ports = { }
https_ports = { }
c2s_direct_tls_ports = { }
modules_enabled = { "tls", "saslauth", "disco", "roster" }
modules_disabled = { "s2s", "posix" }
authentication = "internal_hashed"
ssl = { certificate = "${cert}", key = "${key}" }
VirtualHost "localhost"
  ssl = { certificate = "${cert}", key = "${key}" }
`,
  );
  const d = await startDaemon('prosody', 'prosody', ['--config', config], [port], { user: 'prosody' });
  return { ...d, port, ports: {} };
}
