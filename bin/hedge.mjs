#!/usr/bin/env node
// The `hedge` command. In an installed package it runs the build in dist/; in a
// checkout (after `npm ci`, which links it as node_modules/.bin/hedge, so
// `npx hedge …` works) it runs dist/ when that build is current and otherwise
// the TypeScript source through tsx, so no separate build step is needed and a
// stale build is never run by mistake.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { distState } from './dist-current.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const state = distState(root);
if (state === 'current' || state === 'no-source') {
  await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error(`hedge: dist/ is ${state === 'missing' ? 'not built' : 'older than src/'} and tsx (a devDependency) is not installed: run "npm ci" or "npm run build"`);
    process.exit(2);
  }
  // The root tsconfig maps "hedge-partner" to the kit's source, so no build is needed.
  register({ tsconfig: join(root, 'tsconfig.json') });
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
