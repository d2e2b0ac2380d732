// "Did you mean …?" for a mistyped key or value: the closest known word, when
// one is close enough to be the intended one and no other is as close.

/** Optimal string alignment distance (a swap of two neighbours counts once: "lsiten" → "listen"). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/** Case, "-" and "_" do not matter: max_headers, MaxHeaders and max-headers all mean maxHeaders. */
const fold = (s: string) => s.toLowerCase().replace(/[-_]/g, '');

/** The one candidate `word` most likely meant, or undefined (too far from all, or two equally close). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  if (word.length > 64) return undefined;
  const folded = candidates.filter((c) => fold(c) === fold(word));
  if (folded.length === 1) return folded[0];
  const limit = word.length <= 3 ? 1 : word.length <= 7 ? 2 : 3;
  let best: string | undefined;
  let bestD = Infinity;
  let tie = false;
  for (const c of candidates) {
    const dd = distance(fold(word), fold(c));
    if (dd < bestD) [best, bestD, tie] = [c, dd, false];
    else if (dd === bestD) tie = true;
  }
  return best !== undefined && bestD <= limit && !tie ? best : undefined;
}
