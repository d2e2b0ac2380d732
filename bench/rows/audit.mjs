// Bench rows for the disclosure audit (issue "Tamper-evident disclosure audit"):
// the same hedge build and partner traffic with the audit off and on, in one
// run, plus the records per second each store sustains on its own.
// Targets: audit on at most 15% below audit off; p99 added ≤ 5 ms at 50 connections.
//
//   export async function rows(ctx)
//     called by bench/run.mjs (ctx: root, work, originPort, startHedge, stop, load, want, skip, …).
//     Rows (`--only audit`):
//       "hedge partner, audit off"                     X-MSISDN added, no audit section
//       "hedge partner, audit on (SQLite)"             audit.store sqlite:<work>/audit.db (WAL, synchronous=FULL)
//       "hedge partner, audit on (PostgreSQL)"         DATABASE_URL, else 127.0.0.1:5432/test; skipped without one
//     The gateways run side by side and take turns (bench/tools/rounds.mjs): five
//     rounds, each row once per round, so the ratios compare measurements that
//     saw the same machine. Not pinned: the SQLite store commits from its own
//     thread, which is meant to run beside the event loop, on another core.
//     Each "on" row's note: the median per-round throughput change and p99
//     added vs the off row, and the store's records/s measured by
//     auditStoreThroughput below.
//
//   export async function auditStoreThroughput({ root, store, schema, seconds = 3, inFlight = 4096 })
//     In this process, against dist/: an AuditLog on `store` ("sqlite:PATH" or a
//     postgres:// URL, `schema` for PostgreSQL) appending disclosure-sized
//     records, keeping `inFlight` waiting for their group commit. Returns
//     { recordsPerSecond, commits, recordsPerCommit }; the chain is verified after.
//
//   export async function auditKeys(root, dir) → { keyFile, signingKeyFile }
//     Writes a fresh audit key and checkpoint signing key with `hedge audit keygen`.
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { addRoundRows, measureInTurns } from '../tools/rounds.mjs';
import { median } from '../tools/stats.mjs';

const PARTNER = { url: 'http://my.operator.example/', host: 'my.operator.example' };

/** Measurement rounds: every row is measured once per round, in turn, and reported by its median. */
const ROUNDS = 5;

export async function rows(ctx) {
  if (!ctx.want('audit')) return;
  const keys = await auditKeys(ctx.root, ctx.work);
  const stores = [{ name: 'SQLite', store: `sqlite:${join(ctx.work, 'bench-audit.db')}`, schema: 'hedge_audit' }];
  const pg = process.env.DATABASE_URL ?? ((await portOpen(5432)) ? 'postgres://postgres@127.0.0.1:5432/test' : undefined);
  if (pg) stores.push({ name: 'PostgreSQL', store: pg, schema: `hedge_bench_${process.pid}` });
  else ctx.skip('hedge partner, audit on (PostgreSQL)', 'no PostgreSQL (DATABASE_URL or 127.0.0.1:5432)');

  const started = [];
  try {
    const off = await ctx.startHedge(ctx.originPort);
    started.push(off.proc);
    const series = [{ name: 'hedge partner, audit off', note: 'baseline for the audit rows', ...PARTNER, port: off.port, pid: off.proc.pid }];
    for (const s of stores) {
      const yaml = `\naudit:\n  store: ${JSON.stringify(s.store)}\n  schema: ${s.schema}\n  keyFile: ${JSON.stringify(keys.keyFile)}\n  signingKeyFile: ${JSON.stringify(keys.signingKeyFile)}\n  node: bench-${s.name.toLowerCase()}\n`;
      const on = await ctx.startHedge(ctx.originPort, yaml);
      started.push(on.proc);
      series.push({ name: `hedge partner, audit on (${s.name})`, note: '', ...PARTNER, port: on.port, pid: on.proc.pid, store: s });
    }
    const seconds = Math.max(2, Math.round(ctx.duration / ROUNDS));
    measureInTurns(ctx, series, { rounds: ROUNDS, seconds, cpus: undefined });
    const rss = new Map(series.map((x) => [x, Math.round(ctx.peakRssMb(x.pid) * 10) / 10]));
    // The stores alone are measured with the gateways stopped: an idle gateway's canary still writes to the same file.
    while (started.length) await ctx.stop(started.pop());
    const [offRow] = series;
    for (const row of series.slice(1)) {
      const s = row.store;
      const tput = await auditStoreThroughput({ root: ctx.root, store: s.store, schema: s.schema });
      const perRound = (f) => median(row.rounds.map((r, i) => f(r, offRow.rounds[i])));
      const change = (perRound((r, o) => (o.rps > 0 ? r.rps / o.rps : NaN)) - 1) * 100;
      const added = perRound((r, o) => r.p99Ms - o.p99Ms);
      row.note = `${change.toFixed(1)}% throughput vs audit off (target ≥ -15%); p99 added ${added.toFixed(2)} ms (target ≤ 5 ms); store alone ${tput.recordsPerSecond} records/s (${tput.recordsPerCommit} per commit)`;
      process.stderr.write(`  audit ${s.name}: ${row.note}\n`);
    }
    addRoundRows(ctx, series, { seconds, pinned: undefined, rssMb: (x) => rss.get(x) ?? null });
  } finally {
    for (const p of started) await ctx.stop(p);
    for (const s of stores) if (s.store.startsWith('postgres')) await dropSchema(ctx.root, s.store, s.schema);
  }
}

export async function auditKeys(root, dir) {
  const keyFile = join(dir, `bench-audit-${process.pid}.key`);
  const signingKeyFile = join(dir, `bench-audit-${process.pid}.pem`);
  const r = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'audit', 'keygen', '--key-file', keyFile, '--signing-key-file', signingKeyFile], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`audit keygen failed: ${r.stderr}`);
  return { keyFile, signingKeyFile };
}

export async function auditStoreThroughput({ root, store, schema = 'hedge_audit', seconds = 3, inFlight = 4096 }) {
  const load = (f) => import(pathToFileURL(join(root, 'dist', f)).href);
  const { createAuditStore } = await load('audit/create-store.js');
  const { AuditLog } = await load('audit/audit-log.js');
  const { auditKeyFromBytes } = await load('audit/keys.js');
  const { verifyStore } = await load('audit/verify.js');
  const { silentLogger } = await load('shared/log.js');
  const { randomBytes, generateKeyPairSync, sign } = await import('node:crypto');
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = { keyId: 'bench', publicKeyPem: '', sign: (m) => sign(null, Buffer.from(m), privateKey).toString('base64url') };
  const st = createAuditStore({ store, schema, commitTimeoutMs: 10_000 });
  const node = `throughput-${process.pid}-${Date.now()}`;
  let commits = 0;
  const metrics = { committed: () => commits++, commitFailed() {}, unrecorded() {}, eventDropped() {}, storeUp() {}, checkpoint() {} };
  const log = new AuditLog({ store: st, node, key: auditKeyFromBytes(randomBytes(32)), signer, log: silentLogger, metrics, commitTimeoutMs: 10_000 });
  await log.open();
  const subscriber = { msisdn: '+447700900123', source: 'static' };
  const detail = { port: 80, items: [{ attribute: 'msisdn', form: 'raw', header: 'X-MSISDN' }] };
  const end = Date.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (Date.now() < end) {
      await log.recordEvent({
        type: 'bench-disclosure',
        requestId: `r${done}`,
        partner: 'selfcare',
        host: 'my.operator.example',
        policyVersion: '0123456789abcdef',
        subscriber,
        clientAddress: '127.0.0.1',
        detail,
      });
      done++;
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = (Date.now() - t0) / 1000;
  await log.close();
  const check = createAuditStore({ store, schema });
  const v = await verifyStore(check);
  await check.close();
  if (!v.ok) throw new Error(`audit chain did not verify after the throughput run: ${v.problem.message}`);
  return { recordsPerSecond: Math.round(done / elapsed), commits, recordsPerCommit: commits ? Math.round(done / commits) : 0 };
}

async function dropSchema(root, url, schema) {
  const { default: pg } = await import(pathToFileURL(join(root, 'node_modules', 'pg', 'lib', 'index.js')).href);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(500, () => {
      s.destroy();
      resolve(false);
    });
  });
}
