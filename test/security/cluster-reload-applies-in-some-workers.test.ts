// Threat: with `hedge start --workers N`, each worker read, validated and
// canaried the config on its own at a reload, so the reload could apply in
// some workers and not in others — a file (or a secret file it names) changed
// between two workers' reads, or one worker's canary failed: worker 1 served
// the new policy, worker 2 the old one, two policies at once, and
// POST /policy/reload reported only the answering worker's result. The
// operator's rule: a reload reaches every worker or none. The primary now
// reads the file once and runs a two-phase reload: every worker prepares
// (nothing swapped in), and only when all are ready does any commit.
//
// Deterministic split: worker 2 is stopped (SIGSTOP) while worker 1 prepares
// the reload, then the partner's secret file is broken and worker 2 resumes —
// worker 2's preparation fails where worker 1's succeeded.
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { adminCall, startDemoCluster } from '../helpers/demo-cluster.js';
import { viaProxy } from '../helpers/gateway.js';
import { portOf, type LogLine } from '../helpers/hedge-process.js';
import { useAuditBackend, waitFor } from '../helpers/audit.js';
import Database from 'better-sqlite3';

// A partner that receives the number in clear, signed with a secret read from a file at every reload.
const NEWS = `  - id: newsdesk
    name: Newsdesk
    purpose: analytics
    legalBasis: consent
    hosts: [news.example]
    signature: hmac-sha256
    signatureSecret: { file: news.secret }
    send:
      - { attribute: msisdn, form: raw, header: X-News-MSISDN, cleartext: allowed }
`;

test(
  '--workers 2: a reload one worker cannot prepare applies in no worker; one every worker prepares applies in all, answered for the cluster',
  { timeout: 240_000 },
  async (t) => {
    const c = await startDemoCluster();
    const { yaml, node, started } = c;
    const cfg = { file: c.file };
    const secretFile = join(dirname(cfg.file), 'news.secret');
    let stopped: number | undefined;
    after(async () => {
      if (stopped) process.kill(stopped, 'SIGCONT');
      await c.stop();
    });
    const [w1, w2] = [started()[0]!, started()[1]!];
    const primaryPid = w1.pid as number;
    const proxy = portOf(w1.proxy);
    const admin = portOf(w1.admin);
    const version = w1.policyVersion as string;
    const outcome = (l: LogLine) => l.msg === 'policy reloaded' || l.msg === 'policy reload refused; the previous policy keeps serving';

    // 1. Worker 1 prepares the change with a valid secret; worker 2, stopped meanwhile, reads a broken one.
    writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
    writeFileSync(cfg.file, yaml + NEWS);
    process.kill((stopped = w2.workerPid as number), 'SIGSTOP');
    process.kill(primaryPid, 'SIGHUP');
    await node.waitFor((l) => l.msg === 'policy reload: exposure diff' && l.node === w1.node, 60_000);
    writeFileSync(secretFile, 'not-a-secret', { mode: 0o600 });
    process.kill(w2.workerPid as number, 'SIGCONT');
    stopped = undefined;
    await node.waitFor((l) => outcome(l) && l.node === w2.node, 60_000);
    await node.waitFor((l) => outcome(l) && l.node === w1.node, 60_000);
    const ends = node.lines.filter(outcome).map((l) => `${String(l.node)}: ${l.msg} ${String(l.to ?? '')}`);
    t.diagnostic(`worker outcomes: ${ends.join(' | ')}`);

    for (let i = 0; i < 12; i++) {
      const r = await viaProxy({ port: proxy }, 'http://news.example/');
      assert.equal(r.status, 200);
      assert.equal(r.json().headers['x-news-msisdn'], undefined, `request ${i}: a worker serves the reload another worker refused`);
    }
    for (let i = 0; i < 6; i++) {
      const { body } = await adminCall(admin, 'GET', '/policy/reloads');
      const last = (body.reloads as Record<string, unknown>[])[0]!;
      assert.equal(last.result, 'refused', `answer ${i}: every worker reports the cluster's refusal (${JSON.stringify(last)})`);
      assert.equal(last.stage, 'validate');
      assert.deepEqual(last.workers, { count: 2, ready: 1, refused: 1, unanswered: 0 });
      assert.equal(last.from, version);
    }
    await node.waitFor((l) => l.msg === 'cluster policy reload refused; every worker keeps the previous policy', 10_000);

    // 2. The same change with the secret fixed: POST /policy/reload answers for the cluster, and every worker serves it.
    writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
    const answer = await adminCall(admin, 'POST', '/policy/reload');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.result, 'applied');
    assert.deepEqual(answer.body.workers, { count: 2, ready: 2, refused: 0, unanswered: 0 });
    const inForce = answer.body.to as string;
    assert.notEqual(inForce, version);
    await node.waitFor(() => node.lines.filter((l) => l.msg === 'policy reloaded').length >= 2, 10_000);
    for (let i = 0; i < 6; i++) {
      const { body } = await adminCall(admin, 'GET', '/readyz');
      assert.match(JSON.stringify(body), new RegExp(`version ${inForce}`), `answer ${i}: every worker serves the new policy hash`);
    }
    for (let i = 0; i < 12; i++) {
      const r = await viaProxy({ port: proxy }, 'http://news.example/');
      assert.equal(r.json().headers['x-news-msisdn'], '+447700900123', `request ${i}: every worker serves the reloaded policy`);
    }

    // 3. A refused reload answers 422 with the stage and how many workers refused.
    writeFileSync(cfg.file, yaml + NEWS + '  - id: broken\n');
    const refused = await adminCall(admin, 'POST', '/policy/reload');
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.result, 'refused');
    assert.equal(refused.body.stage, 'validate');
    assert.deepEqual(refused.body.workers, { count: 2, ready: 0, refused: 2, unanswered: 0 });
  },
);

test('--workers 2: a worker that does not answer in time, or exits mid-reload, refuses the reload in every worker', { timeout: 240_000 }, async () => {
  const c = await startDemoCluster({
    extraYaml: '\nreload:\n  timeoutMs: 1000\n',
    prepare: (file) => writeFileSync(join(dirname(file), 'news.secret'), randomBytes(32).toString('base64url'), { mode: 0o600 }),
  });
  const { yaml, node, started } = c;
  const cfg = { file: c.file };
  let stopped: number | undefined;
  after(async () => {
    if (stopped) process.kill(stopped, 'SIGCONT');
    await c.stop();
  });
  const [w1, w2] = [started()[0]!, started()[1]!];
  const primaryPid = w1.pid as number;
  const proxy = portOf(w1.proxy);
  const version = w1.policyVersion as string;
  const clusterRefusals = () => node.lines.filter((l) => l.msg === 'cluster policy reload refused; every worker keeps the previous policy');
  const noWorkerServesIt = async (what: string) => {
    for (let i = 0; i < 12; i++) {
      const r = await viaProxy({ port: proxy }, 'http://news.example/');
      assert.equal(r.json().headers['x-news-msisdn'], undefined, `${what}, request ${i}: a worker serves the refused reload`);
    }
  };

  // A worker stopped past reload.timeoutMs: refused everywhere; its late preparation is dropped, never committed.
  writeFileSync(cfg.file, yaml.replace('partners:\n', `partners:\n${NEWS}`));
  process.kill((stopped = w2.workerPid as number), 'SIGSTOP');
  process.kill(primaryPid, 'SIGHUP');
  await node.waitFor(() => clusterRefusals().length >= 1, 30_000);
  assert.match(String(clusterRefusals()[0]!.reason), /worker\(s\) \d+ did not answer within 1000 ms/);
  process.kill(w2.workerPid as number, 'SIGCONT');
  stopped = undefined;
  await node.waitFor((l) => l.msg === 'policy reload refused; the previous policy keeps serving' && l.node === w2.node, 30_000);
  await noWorkerServesIt('late worker');

  // A worker that exits while the others prepare: refused everywhere; its replacement starts with the policy in force.
  process.kill((stopped = w2.workerPid as number), 'SIGSTOP');
  process.kill(primaryPid, 'SIGHUP');
  await node.waitFor(() => node.lines.filter((l) => l.msg === 'policy reload: exposure diff' && l.node === w1.node).length >= 2, 30_000);
  process.kill(w2.workerPid as number, 'SIGKILL');
  stopped = undefined;
  await node.waitFor(() => clusterRefusals().length >= 2, 30_000);
  assert.match(String(clusterRefusals()[1]!.reason), /worker\(s\) \d+ (exited during the reload|did not answer within 1000 ms)/);
  await node.waitFor(() => started().length >= 3, 90_000);
  assert.equal(started()[2]!.policyVersion, version, 'the replacement starts with the policy in force');
  await noWorkerServesIt('exited worker');
});

describe('--workers 2 with an audit', () => {
  const backend = useAuditBackend('sqlite');

  test('one policy-reload event per reload of the cluster; a widening reload the audit cannot commit applies in no worker', { timeout: 240_000 }, async (t) => {
    if (backend.skip) return t.skip(backend.skip);
    const be = backend.be!;
    const loc = be.fresh();
    const c = await startDemoCluster({
      extraYaml: be.yaml(loc, { commitTimeoutMs: 400, retryAfterMs: 200, busyTimeoutMs: 20 }),
      prepare: (file) => writeFileSync(join(dirname(file), 'news.secret'), randomBytes(32).toString('base64url'), { mode: 0o600 }),
    });
    const { yaml, node, started } = c;
    const cfg = { file: c.file };
    const db = () => new Database(loc.spec.slice('sqlite:'.length), { readonly: true });
    const reloadEvents = () => {
      const d = db();
      try {
        return d.prepare("SELECT node, detail FROM audit_records WHERE type = 'policy-reload' ORDER BY time").all() as { node: string; detail: string }[];
      } finally {
        d.close();
      }
    };
    after(async () => {
      await c.stop();
    });
    const admin = portOf(started()[0]!.admin);
    const proxy = portOf(started()[0]!.proxy);
    const widened = yaml.replace('partners:\n', `partners:\n${NEWS}`);

    // The audit cannot commit: the widening reload is refused in every worker (stage audit), none serves it.
    const lock = await be.lock(loc);
    try {
      writeFileSync(cfg.file, widened);
      const refused = await adminCall(admin, 'POST', '/policy/reload');
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      assert.equal(refused.body.stage, 'audit');
      for (let i = 0; i < 8; i++) {
        const r = await viaProxy({ port: proxy }, 'http://news.example/');
        assert.equal(r.json().headers['x-news-msisdn'], undefined, `request ${i}: a worker serves a widening change its audit event does not hold`);
      }
    } finally {
      await lock.release();
    }

    // Once the audit commits again: applied in both workers.
    let applied: Record<string, unknown> = {};
    await waitFor('the widening reload to be recorded and applied', async () => {
      applied = (await adminCall(admin, 'POST', '/policy/reload')).body;
      return applied.result === 'applied';
    });
    await node.waitFor(() => node.lines.filter((l) => l.msg === 'policy reloaded').length >= 2, 30_000);
    await new Promise((r) => setTimeout(r, 1000)); // events still being written land before the count

    // One more reload (a narrowing one: a partner removed): one policy-reload event for the cluster, not one per worker.
    const before = reloadEvents().length;
    writeFileSync(cfg.file, widened.replace(/ {2}- id: legacy-wap\n(?: {4}.*\n| {6}.*\n)+/, ''));
    const narrowed = await adminCall(admin, 'POST', '/policy/reload');
    assert.equal(narrowed.body.result, 'applied', JSON.stringify(narrowed.body));
    await node.waitFor(() => node.lines.filter((l) => l.msg === 'policy reloaded').length >= 4, 30_000);
    await new Promise((r) => setTimeout(r, 1000)); // a second event (another worker's) would be written by now
    const events = reloadEvents().slice(before);
    t.diagnostic(`policy-reload events of the last reload: ${events.map((e) => `${e.node} ${(JSON.parse(e.detail) as { result: string }).result}`).join(', ')}`);
    assert.equal(events.length, 1, 'one event for the reload of the cluster');
    assert.deepEqual(narrowed.body.workers, { count: 2, ready: 2, refused: 0, unanswered: 0 });
  });
});

test('--workers 2 with reload.watch: an edit starts one reload of the cluster (in the primary), not one per worker', { timeout: 180_000 }, async () => {
  const c = await startDemoCluster({
    extraYaml: '\nreload:\n  watch: true\n  debounceMs: 100\n',
    prepare: (file) => writeFileSync(join(dirname(file), 'news.secret'), randomBytes(32).toString('base64url'), { mode: 0o600 }),
  });
  const { yaml, node, started } = c;
  const cfg = { file: c.file };
  after(async () => {
    await c.stop();
  });
  const proxy = portOf(started()[0]!.proxy);
  assert.equal(node.lines.filter((l) => l.msg === 'watching the config file for changes').length, 1, 'one watcher, in the primary');

  writeFileSync(cfg.file, yaml.replace('partners:\n', `partners:\n${NEWS}`));
  await node.waitFor((l) => l.msg === 'cluster policy reload applied in every worker' && l.trigger === 'watch', 30_000);
  await node.waitFor(() => node.lines.filter((l) => l.msg === 'policy reloaded').length >= 2, 30_000);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(node.lines.filter((l) => l.msg === 'policy reloaded').length, 2, 'one reload, committed in each of the 2 workers');
  for (let i = 0; i < 8; i++) {
    const r = await viaProxy({ port: proxy }, 'http://news.example/');
    assert.equal(r.json().headers['x-news-msisdn'], '+447700900123', `request ${i}: every worker serves the reloaded policy`);
  }
});

test('--workers 2: a worker replaced while a reload prepares starts from the policy that reload leaves in force', { timeout: 240_000 }, async () => {
  const c = await startDemoCluster({
    extraYaml: '\nreload:\n  timeoutMs: 60000\n',
    prepare: (file) => writeFileSync(join(dirname(file), 'news.secret'), randomBytes(32).toString('base64url'), { mode: 0o600 }),
  });
  const { yaml, node, started } = c;
  let stopped: number | undefined;
  after(async () => {
    if (stopped) process.kill(stopped, 'SIGCONT');
    await c.stop();
  });
  const [w1, w2] = [started()[0]!, started()[1]!];
  const proxy = portOf(w1.proxy);
  writeFileSync(c.file, yaml.replace('partners:\n', `partners:\n${NEWS}`));

  // Worker 2 dies; its replacement is due 500 ms later, while the reload that starts now waits for worker 1 (stopped).
  process.kill((stopped = w1.workerPid as number), 'SIGSTOP');
  process.kill(w2.workerPid as number, 'SIGKILL');
  await node.waitFor((l) => l.msg === 'cluster worker exited; starting a replacement', 30_000);
  process.kill(w1.pid as number, 'SIGHUP');
  // Inside the prepare phase, well past the replacement's 500 ms: long enough for a replacement forked now to read
  // its config and serve (it must not be forked before the reload ends; then it never starts meanwhile).
  await node.waitFor(() => started().length >= 3, 20_000).catch(() => undefined);
  assert.equal(started().length, 2, 'a replacement started while the reload prepared, from the policy the reload was replacing');
  process.kill(w1.workerPid as number, 'SIGCONT');
  stopped = undefined;

  const applied = await node.waitFor((l) => l.msg === 'cluster policy reload applied in every worker', 60_000);
  await node.waitFor(() => started().length >= 3, 90_000);
  assert.equal(started()[2]!.policyVersion, applied.to, 'the replacement serves the policy the reload put in force');
  for (let i = 0; i < 12; i++) {
    const r = await viaProxy({ port: proxy }, 'http://news.example/');
    assert.equal(r.json().headers['x-news-msisdn'], '+447700900123', `request ${i}: every worker serves the reloaded policy`);
  }
});
