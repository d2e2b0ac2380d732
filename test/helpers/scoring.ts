// Precision/recall bookkeeping for the labelled corpus tests.
export interface Score {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  misses: string[];
}
export const emptyScore = (): Score => ({ tp: 0, fp: 0, fn: 0, tn: 0, misses: [] });
export const precision = (s: Score) => (s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp));
export const recall = (s: Score) => (s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn));
