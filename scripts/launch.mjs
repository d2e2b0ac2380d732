#!/usr/bin/env node
// `npm start` and `npm run demo`: run the built gateway, building dist/ first
// only when it is missing or older than src/ (a build takes 20-30 s; a start
// should not). The gateway then runs in this very process — no child, no
// wrapper — so the pid it logs at start is the one to signal: HUP reloads the
// policy, TERM drains and stops it, and npm exits with it.
//   node scripts/launch.mjs start --config FILE   |   node scripts/launch.mjs demo
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { distState } from '../bin/dist-current.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const state = distState(root);
if (state === 'missing' || state === 'stale') {
  console.error(`launch: building dist/ (${state === 'missing' ? 'no build yet' : 'src/ changed since the last build'})`);
  // `npm run build`: the partner kit workspace first, then the gateway (package.json says how).
  const npm = process.env.npm_execpath;
  const r = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
    : spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// The CLI reads process.argv: make it look like `hedge <args>`.
process.argv = [process.argv[0], join(root, 'dist', 'cli', 'main.js'), ...process.argv.slice(2)];
await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href);
