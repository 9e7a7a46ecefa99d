// gskkyman's certificate request actions: manage pending requests, create one, receive its certificate, renew a key.

import { KEY_SPECS, parseKeySpec } from '../../core/crypto/provider.js';
import { softwareProvider } from '../../core/crypto/software.js';
import { KymanError } from '../../core/errors.js';
import { readFileOrFail, fileExists } from '../../core/keystore/file-io.js';
import { checkLabel } from '../../core/keystore/labels.js';
import { createRequest, receiveCertificate, renewRequest } from '../../core/keystore/requests/actions.js';
import { openPendingRequests } from '../../core/keystore/requests/open.js';
import type { PendingRequestStore } from '../../core/keystore/requests/types.js';
import { readCertificationRequest } from '../../core/pki/csr.js';
import { parseSubjectAltName } from '../../core/pki/general-name.js';
import { parseName } from '../../core/pki/name.js';
import { encodePem } from '../../core/pki/pem.js';
import { lockTimeoutMs } from '../key-database.js';
import { withSpinner } from '../progress.js';
import { requestText, writeRequestFile } from '../request.js';
import { askChoice, askText, askYesNo } from './forms.js';
import { chooseFromMenu, commandLine, pause, runAction, showResult, type CommandWord } from './screen.js';
import { dbWords, type Session } from './session.js';

const openRequests = (session: Session): Promise<PendingRequestStore> =>
  openPendingRequests(session.store, { password: session.password, lockTimeoutMs: lockTimeoutMs() });

export const messageOf = (check: (v: string) => unknown) => (v: string) => {
  try {
    check(v);
    return undefined;
  } catch (error) {
    return error instanceof KymanError ? error.message : String(error);
  }
};

export const splitList = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The request file to write: a default name, and leave to replace one that is there (→ --force). */
async function askRequestFile(defaultName: string): Promise<{ out: string; force: boolean }> {
  const out = await askText({ message: 'Enter request file name:', default: defaultName });
  if (!(await fileExists(out))) return { out, force: false };
  if (!(await askYesNo(`${out} already exists. Replace it?`, false))) throw new KymanError('CONFLICT', `${out} already exists: choose another name`);
  return { out, force: true };
}

/** The subject and alternative names, checked as they are typed. */
export async function askNames(defaults: { subject?: string; sans?: string[] }): Promise<{ subject: string; sans: string[] }> {
  const subject = await askText({ message: 'Enter subject name (RFC 4514):', default: defaults.subject, check: messageOf(parseName) });
  const cn = /^CN=([^,+]+)/.exec(subject)?.[1];
  const sanDefault = defaults.sans?.length ? defaults.sans.join(',') : cn && /^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(cn) ? `dns:${cn}` : undefined;
  const sanText = await askText({
    message: 'Enter subject alternative names (dns:NAME, ip:ADDR, email:ADDR, uri:URI; comma-separated, Enter for none):',
    default: sanDefault,
    optional: true,
    check: (v) => splitList(v).map(messageOf(parseSubjectAltName)).find((m) => m !== undefined),
  });
  return { subject, sans: splitList(sanText) };
}

export async function askKeyType(): Promise<string> {
  return askChoice(
    'Select certificate key type:',
    KEY_SPECS.map((k) => ({ value: k as string, name: k })),
    'ec:p256',
  );
}

/** 3 - Manage certificate requests: the pending requests, and for each show, export or delete. */
export async function manageRequests(session: Session): Promise<void> {
  for (;;) {
    const requests = await openRequests(session);
    const pending = requests.list();
    if (pending.length === 0) {
      process.stdout.write(`\nNo certificate requests are pending for ${session.store.path}.\n`);
      await pause();
      return;
    }
    const label = await chooseFromMenu(
      'Request List',
      `Database: ${session.store.path}`,
      pending.map((r, i) => ({ key: String(i + 1), name: `${r.label}${r.renewal ? ' (renewal)' : ''}`, value: r.label })),
      { key: '0', name: 'Return to Key Management Menu' },
    );
    if (label === 'back') return;
    await requestMenu(session, label);
  }
}

async function requestMenu(session: Session, label: string): Promise<void> {
  for (;;) {
    const requests = await openRequests(session);
    if (!requests.has(label)) return;
    const action = await chooseFromMenu(
      'Request Menu',
      `Label: ${label}`,
      [
        { key: '1', name: 'Show certificate request', value: 'show' as const },
        { key: '2', name: 'Export certificate request to a file', value: 'export' as const },
        { key: '3', name: 'Delete certificate request and key', value: 'delete' as const },
      ],
      { key: '0', name: 'Return to the list' },
    );
    if (action === 'back') return;
    await runAction(async () => {
      const pending = requests.get(label);
      const db = await dbWords(session.store.path);
      if (action === 'show') {
        const info = readCertificationRequest(softwareProvider(), pending.request);
        const extra: Array<readonly [string, string | undefined]> = [['Label', pending.label], ['Renewal', pending.renewal ? `yes: replaces the certificate of "${pending.label}"` : undefined]];
        showResult(`${requestText(info, extra)}\n${encodePem('CERTIFICATE REQUEST', info.der)}`, commandLine(['kyman', 'req', 'show', label, ...db, '--pem']));
      } else if (action === 'export') {
        const { out, force } = await askRequestFile(`${label.replace(/[^A-Za-z0-9._-]+/g, '_')}.csr`);
        await writeRequestFile(out, pending.request, { force });
        showResult(`Wrote the request "${pending.label}" to ${out} (PEM).`, commandLine(['kyman', 'req', 'export', label, ...db, '--out', out, force && '--force']));
      } else {
        if (!(await askYesNo(`Delete the request "${label}" and its private key? A certificate issued for it can then not be received.`, false))) {
          showResult(`The request "${label}" was not deleted.`);
          return;
        }
        await requests.delete(label);
        showResult(`Deleted the pending request "${pending.label}" from ${requests.path}.`, commandLine(['kyman', 'req', 'delete', label, ...db]));
      }
    });
    await pause();
  }
}

/** 4 - Create new certificate request. */
export async function createNewRequest(session: Session): Promise<void> {
  const { store } = session;
  const requests = await openRequests(session);
  const label = await askText({
    message: 'Enter label (press Escape to go back):',
    check: (v) => messageOf(checkLabel)(v) ?? (store.has(v) || requests.has(v) ? `label "${v}" is already taken` : undefined),
  });
  const { subject, sans } = await askNames({ subject: `CN=${label}` });
  const keyText = await askKeyType();
  const { out, force } = await askRequestFile(`${label.replace(/[^A-Za-z0-9._-]+/g, '_')}.csr`);
  // Every answer is in: only now is a key made and anything written.
  const created = await withSpinner(`Generating a ${keyText} key and request`, () =>
    createRequest(store, requests, label, { subject, subjectAltNames: sans, key: parseKeySpec(keyText)! }),
  );
  await writeRequestFile(out, created.request, { force });
  const words: CommandWord[] = ['kyman', 'req', 'create', label, ...(await dbWords(store.path)), '--subject', { q: subject }];
  for (const san of sans) words.push('--san', san);
  words.push('--key', keyText, '--out', out, force && '--force');
  showResult(`Created request "${created.label}" (key kept in ${created.file}); wrote ${out}\n` + requestText(created.info), commandLine(words));
}

/** 5 - Receive requested certificate or a renewal certificate. */
export async function receiveRequested(session: Session): Promise<void> {
  const { store } = session;
  const file = await askText({ message: 'Enter certificate file name (PEM, DER or PKCS #7; press Escape to go back):' });
  const bytes = await readFileOrFail(file, 'certificate file');
  const addChain = await askYesNo('Add the CA certificates in the file that the database lacks, as trusted?', false);
  const requests = await openRequests(session);
  const result = await receiveCertificate(store, requests, bytes, { addChain });
  const lines = [
    result.renewed
      ? `Renewed "${result.label}" in ${store.path}: new certificate for ${result.subject}, same key.`
      : `Received "${result.label}" into ${store.path}: ${result.subject}, with the key of its request.`,
  ];
  for (const c of result.chain) lines.push(c.added ? `Added CA certificate "${c.label}" (${c.subject}) as trusted.` : `Not in the database: ${c.subject} (give --add-chain to add it).`);
  showResult(lines.join('\n'), commandLine(['kyman', 'req', 'receive', file, ...(await dbWords(store.path)), addChain && '--add-chain']));
}

/** Entry menu: Create a certificate renewal request, from the entry's own key pair. */
export async function renewalRequest(session: Session, label: string): Promise<void> {
  const { store } = session;
  const { out, force } = await askRequestFile(`${label.replace(/[^A-Za-z0-9._-]+/g, '_')}-renew.csr`);
  const requests = await openRequests(session);
  const created = await renewRequest(store, requests, label);
  await writeRequestFile(out, created.request, { force });
  showResult(
    `Created renewal request "${created.label}"; wrote ${out}\n` + requestText(created.info),
    commandLine(['kyman', 'req', 'renew', label, ...(await dbWords(store.path)), '--out', out, force && '--force']),
  );
}
