// A --workers cluster with no worker serving (every replacement refuses a key
// file rotated without a reload) refuses a reload that widens disclosure: its
// audit event and canary need a serving worker (reload-without-workers.ts).
// The refusal's alert (the webhook) and its count in
// hedge_policy_reloads_total were the work of a worker, so they came only once
// a worker served again — which, in this state, takes the operator's next
// reload: nobody was told when it happened. The primary now counts it in its
// own registry and sends the webhook itself at once; the scrape, once a worker
// serves, shows it counted exactly once (no second count by the worker that
// writes its audit event later). With workers serving, a refused reload was
// counted and alerted by each of them (N counts and N webhooks per reload):
// the primary counts every cluster reload once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { NEWSDESK_PARTNER, startDemoClusterWithKeyFile } from '../helpers/demo-cluster.js';
import { portOf } from '../helpers/hedge-process.js';
import { generateKeyFile, writeKeyFile } from '../../src/keys/keyfile.js';

const LONGER = 'replacement workers keep failing; waiting longer before the next one';

/** A loopback webhook receiver: every JSON body it got, with when it got it. */
async function webhookReceiver() {
  const got: { at: number; body: Record<string, unknown> }[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      got.push({ at: Date.now(), body: JSON.parse(text) as Record<string, unknown> });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = () => new Promise<void>((r) => server.close(() => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close };
}

/** The value of one series in a Prometheus text scrape (0 when absent). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

test('--workers 2, no worker serving: a widening reload refused reaches the webhook at once, and is counted once when a worker serves', { timeout: 300_000 }, async (t) => {
  const hook = await webhookReceiver();
  after(() => hook.close());
  const c = await startDemoClusterWithKeyFile({
    extraYaml: `alerts:\n  webhook: { url: "${hook.url}", retries: 0, minIntervalSeconds: 0, timeoutMs: 2000 }\n`,
  });
  const { node, started, keyFile, file, yaml } = c;
  after(() => c.stop());
  const primaryPid = started()[0]!.pid as number;
  const refusals = () => hook.got.filter((g) => g.body.kind === 'policy-reload-refused');

  // A key file rotated without a reload: every replacement refuses it (HEDGE_ERR_WORKER_POLICY_CHANGED), none serves.
  writeKeyFile(keyFile, generateKeyFile(Date.now() + 1000, { idTokenRsa: false }), true);
  for (const l of started()) process.kill(l.workerPid as number, 'SIGKILL');
  // Both slots fail again and again; at 16 s waits the next replacement is far off.
  const waits16 = (slot: number) => node.lines.some((l) => l.msg === LONGER && l.slot === slot && Number(l.delayMs) >= 16_000);
  await node.waitFor(() => waits16(1) && waits16(2), 200_000);
  assert.equal(refusals().length, 0);

  // A change that widens disclosure (a new partner gets the number), reloaded while no worker serves: refused.
  writeFileSync(file, yaml.replace('partners:\n', 'partners:\n' + NEWSDESK_PARTNER));
  const t0 = Date.now();
  process.kill(primaryPid, 'SIGHUP');
  const outcome = await node.waitFor((l) => /^cluster policy reload/.test(l.msg) && Date.parse(String(l.time)) >= t0 - 1000, 30_000);
  assert.equal(outcome.msg, 'cluster policy reload refused; every worker keeps the previous policy');
  assert.match(String(outcome.reason), /widens disclosure/);

  // The webhook hears it from the primary at once — not when a worker serves again.
  const deadline = Date.now() + 10_000;
  while (refusals().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const forkedSince = (ms: number) => node.lines.filter((l) => l.msg === 'replacement worker forked' && Date.parse(String(l.time)) >= ms).length;
  assert.equal(refusals().length, 1, `the refusal reached the webhook within 10 s of SIGHUP (${JSON.stringify(hook.got.map((g) => g.body.kind))})`);
  const event = refusals()[0]!;
  t.diagnostic(`webhook ${event.at - t0} ms after SIGHUP`);
  assert.ok(event.at - t0 < 5000, `promptly (${event.at - t0} ms)`);
  assert.equal(forkedSince(t0), 0, 'before any replacement was even forked');
  assert.equal(started().length, 2, 'no worker served meanwhile');
  assert.match(String(event.body.node), /-primary$/, 'sent by the primary');
  const fields = event.body.fields as Record<string, unknown>;
  assert.equal(fields.stage, 'cluster');
  assert.equal(fields.trigger, 'sighup');

  // The operator puts the policy in force back and reloads: the rotated key is applied, the replacements serve.
  writeFileSync(file, yaml);
  process.kill(primaryPid, 'SIGHUP');
  await node.waitFor(() => started().length >= 4, 120_000);
  // The worker that serves first writes the refusal's audit event (deferred), and counts and alerts nothing.
  await node.waitFor((l) => l.msg === 'policy reload refused; the previous policy keeps serving' && l.result === 'refused' && l.stage === 'cluster', 30_000);

  // Every scrape (whichever worker answers) counts the refusal once: the primary's registry merged with the workers'.
  const admin = portOf(started()[2]!.admin);
  for (let i = 0; i < 3; i++) {
    const text = await (await fetch(`http://127.0.0.1:${admin}/metrics`, { headers: { connection: 'close' } })).text();
    assert.equal(sample(text, 'hedge_policy_reloads_total{result="refused",trigger="sighup"}'), 1, 'the refusal counted once');
    assert.equal(sample(text, 'hedge_policy_reloads_total{result="applied",trigger="sighup"}'), 1, 'the recovery counted once');
    assert.equal(sample(text, 'hedge_alerts_total{kind="policy-reload-refused"}'), 1, 'alerted once');
    assert.equal(text.split('\n').filter((l) => l === '# TYPE hedge_alerts_total counter').length, 1, 'one family per metric, not the primary and the workers side by side');
  }
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(refusals().length, 1, 'no second webhook event from the worker that recorded it');

  // Both workers serve: a reload refused now (the file does not parse) is one count and one webhook, not one per worker.
  const t1 = Date.now();
  writeFileSync(file, yaml + '\npartners: [\n');
  process.kill(primaryPid, 'SIGHUP');
  await node.waitFor((l) => l.msg === 'cluster policy reload refused; every worker keeps the previous policy' && Date.parse(String(l.time)) >= t1 - 1000, 30_000);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(refusals().length, 2, 'one webhook event for the refusal of the cluster');
  for (let i = 0; i < 3; i++) {
    const text = await (await fetch(`http://127.0.0.1:${admin}/metrics`, { headers: { connection: 'close' } })).text();
    assert.equal(sample(text, 'hedge_policy_reloads_total{result="refused",trigger="sighup"}'), 2, 'the second refusal counted once, by the primary');
    assert.equal(sample(text, 'hedge_alerts_total{kind="policy-reload-refused"}'), 2, 'and alerted once');
  }
  writeFileSync(file, yaml);
});
