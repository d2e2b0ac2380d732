// A child process under bench/tools/profile-hook.mjs, for the tests of
// `npm run profile`: a script run with `node -e`, its stderr, and one profiled
// window between two SIGWINCH.
import { spawn, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const HOOK = fileURLToPath(new URL('../../bench/tools/profile-hook.mjs', import.meta.url));

export interface ProfiledChild {
  child: ChildProcess;
  /** What it has printed on stderr so far. */
  stderr(): string;
  /** Waits up to 10 s until stderr holds `text` (or `times` matches of a pattern). */
  said(text: string | RegExp, times?: number): Promise<void>;
  /** SIGWINCH, `ms` of profiling, SIGWINCH; resolves when the hook has written the profile. */
  profileFor(ms: number): Promise<void>;
  /** SIGKILL (for finally). */
  stop(): void;
}

export function profiledChild(script: string, env: Record<string, string>, nodeFlags: string[] = []): ProfiledChild {
  const child = spawn(process.execPath, [...nodeFlags, '--import', HOOK, '-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const count = (text: string | RegExp) => (typeof text === 'string' ? (err.includes(text) ? 1 : 0) : [...err.matchAll(new RegExp(text, 'g'))].length);
  const said = async (text: string | RegExp, times = 1) => {
    for (let i = 0; i < 400 && count(text) < times; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(count(text) >= times, `no ${times} × "${String(text)}" from the child: ${err}`);
  };
  return {
    child,
    stderr: () => err,
    said,
    async profileFor(ms) {
      child.kill('SIGWINCH');
      await said('profile started');
      await new Promise((r) => setTimeout(r, ms));
      child.kill('SIGWINCH');
      await said('profile written');
    },
    stop: () => child.kill('SIGKILL'),
  };
}
