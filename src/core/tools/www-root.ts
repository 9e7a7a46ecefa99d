// The files `tls server --www DIR` serves: GET and HEAD of regular files under DIR, read-only, never a path outside it.

import { readFileSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** A file larger than this is refused (413): the test server reads a file whole before it sends it. */
export const MAX_WWW_FILE = 64 * 1024 * 1024;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.pem': 'application/x-pem-file',
  '.png': 'image/png',
};

export interface WwwAnswer {
  status: string;
  type: string;
  content: Buffer;
}

export interface WwwServer {
  /** The answer to one request line (`GET /a/b.txt HTTP/1.1`). */
  answer(requestLine: string): WwwAnswer;
}

const text = (status: string, message: string): WwwAnswer => ({ status, type: 'text/plain; charset=utf-8', content: Buffer.from(`${message}\n`) });

/**
 * Serves `root`. A request path is percent-decoded once, must be absolute, and must not hold a
 * NUL or a `..` segment; the file it names is then resolved through every symbolic link and must
 * still lie inside `root`'s own real path, so neither `/../etc/passwd`, `%2e%2e/`, nor a link
 * pointing out of `root` reaches anything else. A folder serves its index.html.
 */
export function wwwServer(root: string): WwwServer {
  const realRoot = realpathSync(root);
  const inside = (p: string) => p === realRoot || p.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep);
  return {
    answer(requestLine) {
      const m = /^(GET|HEAD) (\S+) HTTP\/1\.[01]$/.exec(requestLine);
      if (!m) return /^\S+ \S+ HTTP\/1\.[01]$/.test(requestLine) ? text('405 Method Not Allowed', 'only GET and HEAD') : text('400 Bad Request', 'not an HTTP/1.x request line');
      let target = m[2].replace(/[?#].*$/, '');
      try {
        target = decodeURIComponent(target);
      } catch {
        return text('400 Bad Request', 'bad percent-encoding');
      }
      if (!target.startsWith('/') || target.includes('\0') || target.includes('\\') || target.split('/').some((s) => s === '..')) return text('403 Forbidden', 'outside the served folder');
      let file = path.join(realRoot, target);
      let real: string;
      try {
        real = realpathSync(file);
        if (!inside(real)) return text('403 Forbidden', 'outside the served folder');
        if (statSync(real).isDirectory()) {
          file = path.join(real, 'index.html');
          real = realpathSync(file);
          if (!inside(real)) return text('403 Forbidden', 'outside the served folder');
        }
        const st = statSync(real);
        if (!st.isFile()) return text('403 Forbidden', 'not a file');
        if (st.size > MAX_WWW_FILE) return text('413 Content Too Large', `larger than ${MAX_WWW_FILE} bytes`);
        return { status: '200 OK', type: TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream', content: readFileSync(real) };
      } catch {
        return text('404 Not Found', 'no such file');
      }
    },
  };
}
