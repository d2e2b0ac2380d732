// Where a config problem is: a key path, printed the way an operator reads it.
export type KeyPath = readonly (string | number)[];

/** "partners[1].send[0].attribute" */
export function dotted(path: KeyPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}
