#!/usr/bin/env node
// npm links the bins of dependencies into node_modules/.bin, never the root
// package's own. In a checkout `npm ci` runs this (the "prepare" script) so that
// `npx hedge …` works right after the README's quick start, with no build step.
import { existsSync, lstatSync, mkdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const binDir = join(root, 'node_modules', '.bin');
if (process.platform === 'win32' || !existsSync(join(root, 'node_modules'))) process.exit(0);
mkdirSync(binDir, { recursive: true });
const link = join(binDir, 'hedge');
try {
  if (lstatSync(link)) unlinkSync(link);
} catch {
  // not there yet
}
symlinkSync(join('..', '..', 'bin', 'hedge.mjs'), link);
