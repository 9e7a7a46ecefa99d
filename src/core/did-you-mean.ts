// "Did you mean …?": the nearest of the known words to one typed, where it is near enough to be a slip.

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** The known word a typo most likely meant, or undefined when none is close (more than a third wrong would only mislead). */
export function closestWord(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const all = [...known];
  for (const k of all) {
    const dd = editDistance(word, k);
    if (dd < bestD) [best, bestD] = [k, dd];
  }
  if (best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3))) return best;
  const w = word.toLowerCase();
  // A word cut short ("web" for "web-server") is as likely a slip as a typo.
  const longer = w.length >= 3 ? all.find((k) => k.toLowerCase().startsWith(w)) : undefined;
  if (longer !== undefined) return longer;
  // And a known word said at length ("password" for "pass", "stash-file" for "stash"): the longest one it starts with.
  return all.filter((k) => k.length >= 4 && w.startsWith(k.toLowerCase())).sort((a, b) => b.length - a.length)[0];
}
