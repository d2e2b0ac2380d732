// Runs `hedge start` as a real separate process (through tsx, from source) and
// reads the addresses it bound from its JSON log lines. Loopback, port 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface LogLine {
  msg: string;
  [k: string]: unknown;
}

export interface HedgeProcess {
  child: ChildProcess;
  lines: LogLine[];
  /** Resolves with the first log line matching, waiting up to `ms`. */
  waitFor(pred: (l: LogLine) => boolean, ms?: number): Promise<LogLine>;
  stop(): Promise<void>;
}

/** A temporary config file; removed by the returned cleanup. */
export function writeConfig(yaml: string): { file: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-cfg-'));
  const file = join(dir, 'hedge.yaml');
  writeFileSync(file, yaml);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function spawnHedge(args: string[], env: NodeJS.ProcessEnv = {}): HedgeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, HEDGE_LOG_LEVEL: 'info', ...env },
  });
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let buf = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ msg: 'non-json', text: line });
      }
      for (const w of waiters) w();
    }
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    lines,
    waitFor(pred, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find(pred);
          if (hit) {
            cleanup();
            resolve(hit);
          }
        };
        const onExit = () => {
          cleanup();
          reject(new Error(`hedge exited before the expected log line; last lines: ${JSON.stringify(lines.slice(-5))}`));
        };
        const t = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for a log line; last lines: ${JSON.stringify(lines.slice(-5))}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(t);
          waiters.delete(check);
          child.off('exit', onExit);
        };
        waiters.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** "127.0.0.1:1234" → port. */
export function portOf(addr: unknown): number {
  const m = /:(\d+)$/.exec(String(addr));
  if (!m) throw new Error(`no port in ${String(addr)}`);
  return Number(m[1]);
}
