// Safe policy reload: validated and linted, exposure diff logged, canary run
// against the NEW pipeline before it takes traffic, atomic swap; any failure
// keeps the old policy serving and says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../src/node/gateway.js';
import { loadConfigFile } from '../../src/config/load.js';
import { createLogger } from '../../src/shared/log.js';
import { CONTINUE, type Stage } from '../../src/pipeline/stage.js';
import type { ReloadResult } from '../../src/node/reload.js';
import { DEMO_YAML, viaProxy } from '../helpers/gateway.js';
import { beforeGuard } from '../helpers/pipeline.js';
import { writeConfig } from '../helpers/hedge-process.js';
import { findSubscriberIdentifiers } from '../../src/detect/index.js';

interface FileLab {
  origin: EchoOrigin;
  gw: RunningGateway;
  file: string;
  logs: Record<string, unknown>[];
  yaml: string;
  write(yaml: string): void;
  reload(): Promise<{ status: number; body: ReloadResult & { error?: { code: string } } }>;
  close(): Promise<void>;
}

async function fileLab(opts: { transformPipeline?: GatewayOptions['transformPipeline']; extra?: string } = {}): Promise<FileLab> {
  const origin = await startEchoOrigin('127.0.0.1', 0);
  const yaml =
    DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
      .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
      .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0') + (opts.extra ?? '\ncanary:\n  intervalSeconds: 0\n');
  const cfg = writeConfig(yaml);
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'info', write: (l) => logs.push(JSON.parse(l) as Record<string, unknown>) });
  const gw = await startGateway(loadConfigFile(cfg.file), { log, transformPipeline: opts.transformPipeline });
  return {
    origin,
    gw,
    file: cfg.file,
    logs,
    yaml,
    write: (y) => writeFileSync(cfg.file, y),
    async reload() {
      const r = await fetch(`${gw.adminUrl}/policy/reload`, { method: 'POST' });
      return { status: r.status, body: (await r.json()) as ReloadResult & { error?: { code: string } } };
    },
    async close() {
      await gw.stop(200);
      await origin.close();
      cfg.cleanup();
    },
  };
}

// A new partner on a real-looking host: nothing the lints can object to, but
// it widens exposure (a raw number to a new site).
const NEWSDESK = `
  - id: newsdesk
    name: Daily News subscriptions
    purpose: self-care
    hosts: [m.dailynews.example]
    send:
      - { attribute: msisdn, form: raw, header: X-Reader-MSISDN, cleartext: allowed }
`;
const withNewsdesk = (y: string) => y.replace('\nalerts:', '\nalerts:').replace(/(partners:\n)/, `$1${NEWSDESK.slice(1)}`);

test('a reload that widens exposure is reported with its exposure diff; the canary confirms the new partner receives only what was granted', async () => {
  const lab = await fileLab();
  try {
    const before = lab.gw.policy().version;
    lab.write(withNewsdesk(lab.yaml));
    const { status, body } = await lab.reload();
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.result, 'applied');
    assert.equal(body.from, before);
    assert.notEqual(body.to, before);
    assert.equal(lab.gw.policy().version, body.to, 'swapped in');
    // The exposure diff names the new host, attribute and kind of change.
    assert.equal(body.exposure?.widens, true);
    assert.ok(
      body.exposure!.lines.some((l) => l.includes('m.dailynews.example') && l.includes('msisdn') && l.includes('newly-disclosed')),
      body.exposure!.lines.join('\n'),
    );
    const logged = lab.logs.find((l) => l.msg === 'policy reload: exposure diff');
    assert.ok(logged, 'exposure diff logged');
    assert.equal(logged.level, 'warn', 'a widening is logged as a warning');
    assert.ok(
      lab.logs.some((l) => l.msg === 'policy reloaded' && l.to === body.to && l.from === before),
      'reload event with both version hashes',
    );
    // The canary ran against the new pipeline and probed the new partner.
    assert.equal(body.canary?.ok, true, JSON.stringify(body.canary?.findings));
    assert.equal(body.canary?.policyVersion, body.to);
    assert.ok(body.canary!.probes.some((p) => p.host === 'm.dailynews.example' && p.partner === 'newsdesk'));
    assert.deepEqual(
      body.canary!.findings.filter((f) => f.host === 'm.dailynews.example'),
      [],
    );
    // And the real site gets exactly its grant.
    const e = (await viaProxy(lab.gw.proxyAddress, 'http://m.dailynews.example/')).json();
    assert.equal(e.headers['x-reader-msisdn'], '+447700900123');
    for (let i = 0; i < e.rawHeaders.length; i += 2) {
      if (e.rawHeaders[i]!.toLowerCase() === 'x-reader-msisdn') continue;
      assert.deepEqual(findSubscriberIdentifiers(e.rawHeaders[i + 1]!, { msisdn: '+447700900123' }), [], `${e.rawHeaders[i]} carries nothing`);
    }
    // History at the admin API.
    const hist = (await (await fetch(`${lab.gw.adminUrl}/policy/reloads`)).json()) as { reloads: ReloadResult[] };
    assert.equal(hist.reloads[0]?.result, 'applied');
    assert.equal(await lab.gw.metrics.value('hedge_policy_reloads_total', { result: 'applied' }), 1);
  } finally {
    await lab.close();
  }
});

test('a reload whose canary fails against the new pipeline is refused; the old policy keeps serving', async () => {
  // A fault that only shows with the new policy: the canary must catch it before any subscriber's request does.
  const faultyWithNewsdesk: Stage = {
    name: 'broken-with-new-policy',
    onError: 'no-enrichment',
    onRequest(flow) {
      if (flow.policy.partners.some((p) => p.id === 'newsdesk') && flow.subscriber) flow.headers.push('X-Debug-Line', flow.subscriber.msisdn.slice(1));
      return CONTINUE;
    },
  };
  const lab = await fileLab({
    transformPipeline: beforeGuard(faultyWithNewsdesk),
  });
  try {
    const before = lab.gw.policy().version;
    assert.equal(lab.gw.canary!.status().last?.ok, true, 'the start run passes with the old policy');
    lab.write(withNewsdesk(lab.yaml));
    const { status, body } = await lab.reload();
    assert.equal(status, 422);
    assert.equal(body.error?.code, 'HEDGE_ERR_POLICY_RELOAD_REFUSED');
    assert.equal(body.result, 'refused');
    assert.equal(body.stage, 'canary');
    assert.equal(body.canary?.ok, false);
    assert.ok(body.canary!.findings.some((f) => f.kind === 'guard-stripped' && f.header === 'x-debug-line'));
    assert.equal(lab.gw.policy().version, before, 'old policy still in force');
    assert.ok(lab.gw.alerts.recent().some((a) => a.kind === 'policy-reload-refused'));
    assert.equal(lab.gw.canary!.status().last?.ok, true, 'status still shows the policy in force');
    const e = (await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/')).json();
    assert.equal(e.headers['x-msisdn'], '+447700900123');
    assert.equal(e.headers['x-debug-line'], undefined);
  } finally {
    await lab.close();
  }
});

test('a reload with a broken file keeps the old policy serving, with no dropped requests under load (and a good one swaps in under load)', async () => {
  const lab = await fileLab();
  try {
    const before = lab.gw.policy().version;
    let running = true;
    const results: { status: number; msisdn: unknown }[] = [];
    const failures: string[] = [];
    const worker = async () => {
      while (running) {
        try {
          const r = await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
          results.push({ status: r.status, msisdn: r.json().headers['x-msisdn'] });
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    };
    const load = Array.from({ length: 6 }, () => worker());
    // Wait until traffic flows, then try three broken files.
    for (let i = 0; i < 200 && results.length < 20; i++) await new Promise((r) => setTimeout(r, 10));

    lab.write(lab.yaml + '\npartners: [ {\n');
    const syntax = await lab.reload();
    assert.equal(syntax.status, 422);
    assert.equal(syntax.body.stage, 'validate');
    assert.match(syntax.body.issues![0]!, /hedge\.yaml:\d+:\d+ error/, 'file and line named');

    lab.write(lab.yaml.replace('{ attribute: age-verified, header: X-Age-Verified }', '{ attribute: shoe-size, header: X-Age-Verified }'));
    const schema = await lab.reload();
    assert.equal(schema.status, 422);
    assert.ok(
      schema.body.issues!.some((i) => /partners\[\d\]\.send\[0\]\.attribute/.test(i)),
      schema.body.issues!.join('\n'),
    );

    lab.write(
      lab.yaml
        .replace('hosts: ["*.agegate.example"]', 'hosts: ["*"]')
        .replace('{ attribute: age-verified, header: X-Age-Verified }', '{ attribute: msisdn, form: raw, header: X-Age-Verified, cleartext: allowed }'),
    );
    const lint = await lab.reload();
    assert.equal(lint.status, 422, 'an identity grant to every host is refused by the lints');

    const mid = results.length;
    for (let i = 0; i < 300 && results.length < mid + 20; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(
      results.every((r) => r.status === 200 && r.msisdn === '+447700900123'),
      'every request served by the old policy',
    );
    assert.equal(lab.gw.policy().version, before);
    assert.equal(await lab.gw.metrics.value('hedge_policy_reloads_total', { result: 'refused' }), 3);

    // Then a good file, still under load: swapped in without a dropped request.
    lab.write(withNewsdesk(lab.yaml));
    const good = await lab.reload();
    assert.equal(good.status, 200);
    assert.equal(good.body.result, 'applied');
    const mid2 = results.length;
    for (let i = 0; i < 300 && results.length < mid2 + 20; i++) await new Promise((r) => setTimeout(r, 10));
    running = false;
    await Promise.all(load);
    assert.deepEqual(failures, [], 'no request failed');
    assert.ok(results.length >= 60, `requests were in flight throughout (${results.length})`);
    assert.ok(
      results.every((r) => r.status === 200 && r.msisdn === '+447700900123'),
      'self-care enriched before, during and after',
    );
  } finally {
    await lab.close();
  }
});

test('reloading an unchanged file changes nothing', async () => {
  const lab = await fileLab();
  try {
    const r = await lab.reload();
    assert.equal(r.status, 200);
    assert.equal(r.body.result, 'unchanged');
  } finally {
    await lab.close();
  }
});

test('reload.watch: saving the file reloads it', async () => {
  const lab = await fileLab({ extra: '\ncanary:\n  intervalSeconds: 0\nreload:\n  watch: true\n  debounceMs: 100\n' });
  try {
    const before = lab.gw.policy().version;
    lab.write(withNewsdesk(lab.yaml));
    for (let i = 0; i < 300 && lab.gw.policy().version === before; i++) await new Promise((r) => setTimeout(r, 20));
    assert.notEqual(lab.gw.policy().version, before, 'reloaded after the file changed');
    assert.equal(lab.gw.reloads().at(-1)?.trigger, 'watch');
  } finally {
    await lab.close();
  }
});
