// Issue 5 acceptance, on both stores: kill the gateway with SIGKILL under
// load; every request a partner received with an identity header has a
// committed record (the partner's own log against the store), and verify
// passes after the restart.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DEMO_YAML, viaProxy } from '../helpers/gateway.js';
import { hedgeCli, writeConfig, waitFor, ROOT } from '../helpers/audit.js';
import { useAuditBackend } from '../helpers/audit.js';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';
import { verifyStore } from '../../src/audit/verify.js';
import { loadAuditKey, loadVerifier } from '../../src/audit/keys.js';

const SUBSCRIBERS = 300;
const KILL_AFTER = 100;
const ip = (i: number) => `127.0.${2 + Math.floor(i / 200)}.${(i % 200) + 1}`;
const msisdn = (i: number) => `+447700900${String(i).padStart(3, '0')}`;

function config(origin: EchoOrigin, audit: string): string {
  const bindings = Array.from({ length: SUBSCRIBERS }, (_, i) => `    - { ip: ${ip(i)}, msisdn: "${msisdn(i)}" }`).join('\n');
  return (
    DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
      .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
      .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0')
      .replace('  static:\n', `  static:\n${bindings}\n`) + audit
  );
}

/** Starts `hedge start` as a child process; resolves with its proxy port once it listens. */
async function startChild(cfg: string): Promise<{ child: ChildProcess; port: number; exited: Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'start', '-c', cfg], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let err = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      // Field order within a JSON log line is not fixed: find the line, then its proxy field.
      const m = /"proxy":"127\.0\.0\.1:(\d+)"/.exec(err.split('\n').find((l) => l.includes('"msg":"hedge started"')) ?? '');
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`gateway exited (${code}) before listening: ${err.slice(0, 2000)}`)));
    setTimeout(() => reject(new Error('gateway did not start in 60s')), 60_000).unref();
  });
  child.stderr!.resume();
  return { child, port, exited };
}

for (const name of ['sqlite', 'postgres'] as const) {
  describe(`SIGKILL under load (${name})`, () => {
    const backend = useAuditBackend(name);

    test('every identity a partner received has a committed record; verify passes after restart', async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const loc = backend.be!.fresh();
      const received: string[] = [];
      let gw: Awaited<ReturnType<typeof startChild>> | undefined;
      let killed = false;
      const origin = await startEchoOrigin('127.0.0.1', 0, (req) => {
        const v = req.headers['x-msisdn'];
        if (typeof v !== 'string') return;
        received.push(v); // the partner's own log
        if (received.length >= KILL_AFTER && !killed && gw) {
          killed = true;
          gw.child.kill('SIGKILL');
        }
      });
      try {
        const cfg = writeConfig(backend.be!.dir, 'sigkill.yaml', config(origin, backend.be!.yaml(loc, { node: 'gw-kill', batchDelayMs: 2, checkpointEveryRecords: 50 })));
        gw = await startChild(cfg);
        const port = gw.port;
        // Load: 40 concurrent clients, one partner request and one non-partner request per subscriber.
        let next = 0;
        const worker = async () => {
          while (next < SUBSCRIBERS && !killed) {
            const i = next++;
            for (const url of ['http://my.operator.example/', 'http://news.example/']) await viaProxy({ port }, url, { localAddress: ip(i) }).catch(() => undefined); // cut by the kill
          }
        };
        await Promise.all(Array.from({ length: 40 }, worker));
        await gw.exited;
        assert.ok(killed, 'the gateway was killed under load');
        assert.ok(received.length >= KILL_AFTER && received.length < SUBSCRIBERS, `killed mid-run (${received.length} partner requests with identity)`);

        const store = await backend.be!.open(loc);
        try {
          const key = loadAuditKey(backend.be!.keyFile);
          const recorded = new Set<string>();
          let after = 0;
          while (true) {
            const page = await store.page('gw-kill', after, 1000);
            if (!page.length) break;
            for (const r of page) if (r.type === 'disclosure') recorded.add((JSON.parse(key.open(r.subjectSealed!)) as { msisdn: string }).msisdn);
            after = page[page.length - 1]!.seq;
          }
          const missing = received.filter((n) => !recorded.has(n));
          assert.equal(missing.length, 0, `${missing.length} identities reached the partner without a committed record`);
          const v = await verifyStore(store, { verifier: loadVerifier(backend.be!.signingKeyFile) });
          assert.ok(v.ok, v.problem?.message);
        } finally {
          await store.close();
        }

        // Restart on the same chain: it continues, traffic is enriched again, verify passes.
        const before = received.length;
        gw = await startChild(cfg);
        const e = (await viaProxy({ port: gw.port }, 'http://my.operator.example/', { localAddress: ip(0) })).json();
        assert.equal(e.headers['x-msisdn'], msisdn(0));
        await waitFor('the partner to log it', () => received.length > before);
        gw.child.kill('SIGTERM');
        await gw.exited;
        const r = await hedgeCli(['audit', 'verify', '-c', cfg]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /^OK: \d+ records in 1 chain/m);
      } finally {
        if (gw && gw.child.exitCode === null && gw.child.signalCode === null) {
          gw.child.kill('SIGKILL');
          await gw.exited;
        }
        await origin.close();
      }
    });
  });
}
