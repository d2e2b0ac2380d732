// Small statistics shared by the bench scripts.

/** The median of the finite values (the upper one of the middle two for an even count); NaN when there are none. */
export function median(xs) {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : NaN;
}
