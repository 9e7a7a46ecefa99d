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
