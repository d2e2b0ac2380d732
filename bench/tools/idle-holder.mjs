// Holding idle keep-alive connections to a proxy and reading what they cost in
// resident memory, for the rows that compare it (bench/rows/scale.mjs,
// bench/rows/floor.mjs): each connection has carried one request
// (idle-connections.mjs), and a connection's cost is the RSS growth over the count.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const tools = (f) => join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, f);

/** Resident memory of these processes, MB. */
export function rssMb(pids) {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* exited */
    }
  }
  return kb / 1024;
}

export const settle = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts the idle-connection holder; resolves once it has opened them all. */
export function holdIdle(port, count, target) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [tools('idle-connections.mjs'), String(port), String(count), target], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const t = setTimeout(() => (c.kill('SIGKILL'), reject(new Error('idle connections: not ready after 180 s'))), 180_000);
    c.stdout.on('data', (d) => {
      out += d;
      const m = /ready (\d+) failed (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(t);
      resolve({
        proc: c,
        ready: Number(m[1]),
        failed: Number(m[2]),
        why: Number(m[2])
          ? ` ${out
              .split('failed')[1]
              .replace(/^ \d+ /, '')
              .trim()}`
          : '',
      });
    });
    c.once('exit', () => (clearTimeout(t), reject(new Error(`idle connections exited early: ${out.trim()}`))));
  });
}

/** Closes a holder's connections (it exits on SIGTERM). */
export async function release(holder) {
  holder.proc.removeAllListeners('exit');
  await new Promise((r) => {
    holder.proc.once('exit', r);
    holder.proc.kill('SIGTERM');
  });
}

/** KB of RSS per idle keep-alive connection to this port, read 1.5 s after `count` are open; the holder is released again. */
export async function kbPerIdleConnection(pids, port, count, target) {
  const before = rssMb(pids);
  const held = await holdIdle(port, count, target);
  await settle(1500);
  const kb = ((rssMb(pids) - before) * 1024) / Math.max(1, held.ready);
  await release(held);
  return { kb, held };
}
