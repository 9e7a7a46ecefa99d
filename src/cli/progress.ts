// A spinner on stderr for work that can take over a second; silent when stderr is not a terminal.

import { err } from './output.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Below this, a spinner would only flicker. */
const SPINNER_DELAY_MS = 300;

export async function withSpinner<T>(text: string, work: () => Promise<T>): Promise<T> {
  if (!process.stderr.isTTY) return work();
  let frame = 0;
  let shown = false;
  const draw = () => {
    shown = true;
    process.stderr.write(`\r${err.cyan(FRAMES[frame++ % FRAMES.length])} ${text}…`);
  };
  let timer: NodeJS.Timeout | undefined;
  const start = setTimeout(() => {
    draw();
    timer = setInterval(draw, 80);
  }, SPINNER_DELAY_MS);
  try {
    return await work();
  } finally {
    clearTimeout(start);
    if (timer) clearInterval(timer);
    if (shown) process.stderr.write('\r\u001b[2K');
  }
}

/** What a terminal that will not say its width (`script`, some CI runners report 0 columns) is taken to be. */
export const FALLBACK_COLUMNS = 80;

/**
 * Gives a terminal that reports 0 columns a usable width before a renderer reads it: listr2 wraps
 * to `process.stdout.columns`, and at 0 prints one character a line.
 */
export function settleTerminalWidth(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.isTTY && !(stream.columns > 0)) stream.columns = FALLBACK_COLUMNS;
  }
}

/** A bar wider than this says nothing more. */
const MAX_BAR_WIDTH = 40;
/** Redraws at most this often, so a thousand fast results do not flood the terminal. */
const BAR_REDRAW_MS = 80;

export interface ProgressBar {
  /** One more done; `note` (what just finished) is shown after the count. */
  tick(note?: string): void;
  /** Erases the bar, so a line can be written to the same terminal; the next tick redraws it. */
  clear(): void;
  done(): void;
}

/**
 * A one-line bar on stderr for `total` steps, only on a terminal: `label [#####.....] 12/40 note`,
 * cut to the terminal's width (FALLBACK_COLUMNS when it reports 0), so it never wraps and `\r` always
 * returns to its start.
 */
export function progressBar(total: number, label: string): ProgressBar {
  if (!process.stderr.isTTY) return { tick: () => undefined, clear: () => undefined, done: () => undefined };
  let count = 0;
  let last = 0;
  let shown = false;
  let note = '';
  const draw = () => {
    const columns = process.stderr.columns > 0 ? process.stderr.columns : FALLBACK_COLUMNS;
    const counted = `${count}/${total}`;
    const room = columns - 1 - label.length - counted.length - 4;
    const width = Math.max(0, Math.min(MAX_BAR_WIDTH, room));
    const filled = total ? Math.round((count / total) * width) : width;
    const bar = width >= 5 ? ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]` : '';
    let line = `${label}${bar} ${counted}`;
    // The note only where it fits whole; the count is cut last.
    if (note && line.length + 1 + note.length <= columns - 1) line += ` ${note}`;
    process.stderr.write(`\r\u001b[2K${err.cyan(line.length > columns - 1 ? `${line.slice(0, Math.max(0, columns - 2))}…` : line)}`);
    shown = true;
  };
  draw();
  return {
    tick(n) {
      count++;
      note = n ?? '';
      const now = Date.now();
      if (now - last < BAR_REDRAW_MS && count < total) return;
      last = now;
      draw();
    },
    clear() {
      if (shown) process.stderr.write('\r\u001b[2K');
      shown = false;
      last = 0;
    },
    done() {
      if (shown) process.stderr.write('\r\u001b[2K');
      shown = false;
    },
  };
}
