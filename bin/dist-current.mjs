// Whether dist/ holds a build of the current source: dist/cli/main.js (and the
// partner kit's packages/partner/dist, which the gateway imports as
// "hedge-partner") exist and are newer than every file under src/,
// packages/partner/src and the build configs. Shared by the
// `hedge` bin (bin/hedge.mjs) and `npm start` / `npm run demo` (scripts/launch.mjs).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** 'current' | 'stale' | 'missing' | 'no-source' (an installed package ships dist/ only). */
export function distState(root) {
  const main = join(root, 'dist', 'cli', 'main.js');
  const src = join(root, 'src');
  if (!existsSync(src)) return existsSync(main) ? 'no-source' : 'missing';
  if (!existsSync(main)) return 'missing';
  const kitSrc = join(root, 'packages', 'partner', 'src');
  const kitMain = join(root, 'packages', 'partner', 'dist', 'index.js');
  if (existsSync(kitSrc) && !existsSync(kitMain)) return 'missing';
  const built = Math.min(statSync(main).mtimeMs, existsSync(kitSrc) ? statSync(kitMain).mtimeMs : Infinity);
  const configs = ['tsconfig.json', 'tsconfig.build.json', 'packages/partner/tsconfig.json'].map((f) => (existsSync(join(root, f)) ? statSync(join(root, f)).mtimeMs : 0));
  const inputs = Math.max(newest(src), existsSync(kitSrc) ? newest(kitSrc) : 0, ...configs);
  return built >= inputs ? 'current' : 'stale';
}
