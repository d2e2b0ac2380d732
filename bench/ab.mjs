#!/usr/bin/env node
// npm run bench:ab -- --before REF [--after REF] — the same requests through
// two builds of hedge in one run, alternating (A B, B A, …) so that whatever
// else the machine does falls on both alike. For a change that should not
// move the figures (a refactor), or to show what a performance change bought.
//
// Each ref is checked out in a temporary git worktree and built there
// (node_modules is hard-linked from this checkout when the lockfiles match,
// else installed with npm ci); without --after, this checkout is the "after"
// (built by the npm script). Both run their own examples/demo.yaml with the
// same origin, the same ports policy and the same load tool (wrk).
// Prints, per row, the median req/s and p99 of each build and the ratio.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, waitPort } from './tools/ports.mjs';
import { pointDemoAt } from './tools/demo-config.mjs';
import { median } from './tools/stats.mjs';
import { SIGNATURE_PARTNERS } from './rows/signatures.mjs';

const USAGE = `usage: npm run bench:ab -- --before REF [--after REF] [--only ROWS] [--rounds N] [--duration S] [--connections N]
  --before REF      the build to compare against (a commit, tag or branch)
  --only ROWS       which rows: "partner" (default: non-partner and the signed self-care partner) or
                    "signatures" (non-partner, unsigned, hmac-sha256, ed25519, hedge-v1: bench/rows/signatures.mjs's partners)
  --after REF       default: this checkout as it is
  --rounds N        alternating rounds (default 3); the median is reported
  --duration S      seconds per measurement (default 5)
  --connections N   wrk connections (default 50)`;

let opts;
try {
  opts = parseArgs({
    options: {
      before: { type: 'string' },
      after: { type: 'string' },
      only: { type: 'string', default: 'partner' },
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
  if (opts.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!opts.before) throw new Error('--before REF is required');
  for (const k of ['rounds', 'duration', 'connections']) if (!(Number(opts[k]) > 0)) throw new Error(`--${k} must be a positive number`);
  if (opts.only !== 'partner' && opts.only !== 'signatures') throw new Error(`--only must be "partner" or "signatures", not "${opts.only}"`);
} catch (err) {
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRK = spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim();
if (!WRK) {
  console.error('wrk is not installed (apt-get install wrk)');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'hedge-ab-'));
const worktrees = [];
const children = new Set();
const cleanup = () => {
  for (const c of children) c.kill('SIGKILL');
  for (const w of worktrees) spawnSync('git', ['-C', root, 'worktree', 'remove', '--force', w]);
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

/** A built tree of hedge at REF (or this checkout). */
function prepare(ref) {
  if (!ref) return { label: 'this checkout', dir: root };
  const sha = execFileSync('git', ['-C', root, 'rev-parse', '--short', ref], { encoding: 'utf8' }).trim();
  const dir = join(work, sha);
  process.stderr.write(`preparing ${ref} (${sha}) in ${dir}…\n`);
  execFileSync('git', ['-C', root, 'worktree', 'add', '--detach', dir, sha], { stdio: 'ignore' });
  worktrees.push(dir);
  const sameLock = existsSync(join(root, 'node_modules')) && readFileSync(join(dir, 'package-lock.json'), 'utf8') === readFileSync(join(root, 'package-lock.json'), 'utf8');
  if (sameLock) execFileSync('cp', ['-al', join(root, 'node_modules'), join(dir, 'node_modules')]);
  else execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore' });
  execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: 'ignore' });
  return { label: `${ref} (${sha})`, dir };
}

/** Starts one build's gateway on the demo config, pointed at the shared origin. */
async function startGateway(build, originPort) {
  const [port, admin] = [await freePort(), await freePort()];
  const cfg = join(work, `demo-${port}.yaml`);
  writeFileSync(
    cfg,
    pointDemoAt(readFileSync(join(build.dir, 'examples', 'demo.yaml'), 'utf8'), { originPort, port, admin }) + (opts.only === 'signatures' ? SIGNATURE_PARTNERS : ''),
  );
  const proc = spawn(process.execPath, [join(build.dir, 'dist', 'cli', 'main.js'), 'start', '--config', cfg], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, HEDGE_LOG_LEVEL: 'warn' },
  });
  children.add(proc);
  await waitPort(port, 20000);
  return {
    port,
    stop: () =>
      new Promise((r) => {
        children.delete(proc);
        if (proc.exitCode !== null) return r();
        proc.once('exit', r);
        proc.kill('SIGTERM');
      }),
  };
}

function wrk(port, url, host, seconds) {
  const lua = join(work, `${host}.lua`);
  writeFileSync(lua, `wrk.method = "GET"\nwrk.path = "${url}"\nwrk.headers["Host"] = "${host}"\n`);
  const out = spawnSync(WRK, ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', lua, `http://127.0.0.1:${port}`], {
    encoding: 'utf8',
    timeout: (seconds + 30) * 1000,
  }).stdout;
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p99Ms: p99 ? Number(p99[1]) * { us: 0.001, ms: 1, s: 1000 }[p99[2]] : NaN,
    errors: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  };
}

const ROWS =
  opts.only === 'signatures'
    ? [
        ['non-partner', 'http://news.example/', 'news.example'],
        ['partner, signature: off', 'http://off.bench.example/', 'off.bench.example'],
        ['partner, RFC 9421 hmac-sha256', 'http://hmac.bench.example/', 'hmac.bench.example'],
        ['partner, RFC 9421 ed25519', 'http://my.operator.example/', 'my.operator.example'],
        ['partner, hedge-v1', 'http://v1.bench.example/', 'v1.bench.example'],
      ]
    : [
        ['non-partner', 'http://news.example/', 'news.example'],
        ['partner (X-MSISDN, signed)', 'http://my.operator.example/', 'my.operator.example'],
      ];

// The origin runs in a process of its own: wrk runs synchronously here and would block an origin in this one.
const originPort = await freePort();
const origin = spawn(
  process.execPath,
  [
    '-e',
    `const body = Buffer.alloc(1024, 'x');
     require('node:http').createServer((req, res) => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length }).end(body)).listen(${originPort}, '127.0.0.1');`,
  ],
  { stdio: 'inherit' },
);
children.add(origin);
await waitPort(originPort);

const builds = [prepare(opts.before), prepare(opts.after)];
const results = builds.map(() => ROWS.map(() => []));
process.stderr.write(`hedge A/B: ${ROUNDS} rounds × ${ROWS.length} rows × ${SECONDS}s, ${CONNECTIONS} connections, wrk\n`);
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? [0, 1] : [1, 0];
  for (const b of order) {
    const gw = await startGateway(builds[b], originPort);
    try {
      wrk(gw.port, ROWS[0][1], ROWS[0][2], 1); // warm-up
      ROWS.forEach(([name, url, host], i) => {
        const r = wrk(gw.port, url, host, SECONDS);
        results[b][i].push(r);
        process.stderr.write(
          `  round ${round + 1} ${b === 0 ? 'before' : 'after '} ${name}: ${Math.round(r.rps)} req/s, p99 ${r.p99Ms.toFixed(2)} ms${r.errors ? `, ${r.errors} non-2xx` : ''}\n`,
        );
      });
    } finally {
      await gw.stop();
    }
  }
}
origin.kill();

console.log(`\nbefore: ${builds[0].label}\nafter:  ${builds[1].label}\n`);
console.log('| row | before req/s | after req/s | after / before | before p99 ms | after p99 ms | spread of the rounds |');
console.log('|---|---:|---:|---:|---:|---:|---|');
ROWS.forEach(([name], i) => {
  const [a, b] = [results[0][i], results[1][i]];
  const [ra, rb] = [median(a.map((r) => r.rps)), median(b.map((r) => r.rps))];
  const spread = (xs) => `${Math.round(Math.min(...xs.map((r) => r.rps)))}–${Math.round(Math.max(...xs.map((r) => r.rps)))}`;
  console.log(
    `| ${name} | ${Math.round(ra)} | ${Math.round(rb)} | ${(rb / ra).toFixed(3)} | ${median(a.map((r) => r.p99Ms)).toFixed(2)} | ${median(b.map((r) => r.p99Ms)).toFixed(2)} | before ${spread(a)}, after ${spread(b)} |`,
  );
});
process.exit(0);
