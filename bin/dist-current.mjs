// Whether dist/ holds a build of the current src/: dist/cli/main.js exists and
// is newer than every file under src/ and the build's own config. Shared by the
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
  const built = statSync(main).mtimeMs;
  const inputs = Math.max(newest(src), ...['tsconfig.json', 'tsconfig.build.json'].map((f) => (existsSync(join(root, f)) ? statSync(join(root, f)).mtimeMs : 0)));
  return built >= inputs ? 'current' : 'stale';
}
