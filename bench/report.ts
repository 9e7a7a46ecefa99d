// Timing helpers and the printed table of figures that `npm run bench` shows.

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** A reference measured in the same run, in the same unit. */
  reference?: { name: string; value: number };
  goal?: string;
}

/** Runs `fn` `runs` times (after one warm-up) and returns each run's milliseconds. */
export async function time(runs: number, fn: () => Promise<void> | void): Promise<number[]> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Two decimals, or two significant digits for a ratio so small that two decimals would say 0.00. */
const ratio = (r: number) => (r >= 0.1 ? r.toFixed(2) : r.toPrecision(2));

export function report(title: string, figures: Figure[]): string {
  const lines = [`\n${title}`, '-'.repeat(title.length)];
  for (const f of figures) {
    let line = `${f.name}: ${fmt(f.value)} ${f.unit}`;
    if (f.reference) line += `  | ${f.reference.name}: ${fmt(f.reference.value)} ${f.unit} (ratio ${ratio(f.value / f.reference.value)}×)`;
    if (f.goal) line += `  [goal: ${f.goal}]`;
    lines.push(line);
  }
  return lines.join('\n');
}
