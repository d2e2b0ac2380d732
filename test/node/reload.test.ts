// Safe policy reload: the file is read, validated, compiled and swapped in
// only when all of that succeeds; anything else keeps the policy in force,
// says where it stopped and why (file:line for config problems) and raises an
// alert. Sections a reload cannot apply are named as needing a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PIPELINE_YAML } from '../helpers/pipeline.js';
import { reloaderFor } from '../helpers/reloader.js';

const NEWS = `  - id: newsdesk
    name: Newsdesk
    purpose: personalisation
    legalBasis: consent
    hosts: [news.example]
    send:
      - { attribute: age-verified, header: X-Age-Verified }
`;

test('a valid change is swapped in, with its exposure diff; the same file again changes nothing', async () => {
  const r = reloaderFor(PIPELINE_YAML);
  try {
    const before = r.current().policy.version;
    r.write(PIPELINE_YAML + NEWS);
    const applied = await r.reloader.reload('admin');
    assert.equal(applied.result, 'applied', JSON.stringify(applied));
    assert.equal(applied.from, before);
    assert.equal(r.swaps.length, 1);
    assert.equal(r.current().policy.version, applied.to);
    assert.ok(r.current().policy.hosts.lookup('news.example', 80), 'the new partner is matched by the new pipeline');
    assert.equal(applied.exposure?.widens, true);
    const again = await r.reloader.reload('watch');
    assert.equal(again.result, 'unchanged');
    assert.equal(r.swaps.length, 1);
    assert.match(await r.registry.metrics(), /hedge_policy_reloads_total\{result="applied",trigger="admin"\} 1/);
  } finally {
    r.cleanup();
  }
});

test('an invalid file is refused at validation with file:line:key; the old policy keeps serving and an alert is raised', async () => {
  const r = reloaderFor(PIPELINE_YAML);
  try {
    const before = r.current();
    r.write(PIPELINE_YAML.replace('    purpose: self-care\n', '    purpose: self-care\n    colour: blue\n'));
    const refused = await r.reloader.reload('sighup');
    assert.equal(refused.result, 'refused');
    assert.equal(refused.stage, 'validate');
    assert.equal(refused.issues?.length, 1);
    assert.match(refused.issues![0]!, /hedge\.yaml:6:\d+ error partners\[0\]\.colour: unknown key "colour"/);
    assert.equal(r.current(), before);
    assert.deepEqual(r.swaps, []);
    assert.deepEqual(
      r.alerts.recent().map((a) => [a.kind, a.fields.stage]),
      [['policy-reload-refused', 'validate']],
    );
  } finally {
    r.cleanup();
  }
});

test('a change to a section only read at start is named as needing a restart', async () => {
  const r = reloaderFor(PIPELINE_YAML);
  try {
    r.write(PIPELINE_YAML.replace('partners:\n', 'proxy:\n  listen: 127.0.0.1:18080\npartners:\n') + NEWS);
    const res = await r.reloader.reload('api');
    assert.equal(res.result, 'applied');
    assert.deepEqual(res.restartNeeded, ['proxy']);
  } finally {
    r.cleanup();
  }
});

test('a storm of reload requests is coalesced: those arriving while one runs share one more reload, which reads the file as it is after them', async () => {
  const r = reloaderFor(PIPELINE_YAML);
  try {
    r.write(PIPELINE_YAML + NEWS);
    const first = r.reloader.reload('sighup');
    // 50 SIGHUPs (or POST /policy/reload) while the first runs; the last of them after a second edit.
    const storm = Array.from({ length: 50 }, () => r.reloader.reload('sighup'));
    r.write(PIPELINE_YAML + NEWS.replace('news.example', 'news2.example'));
    const results = await Promise.all([first, ...storm]);
    assert.equal(results[0]!.result, 'applied');
    assert.equal(new Set(storm).size, 1, 'the waiting requests share one reload');
    assert.equal(results[1]!.result, 'applied', 'and it read the file as it was after them');
    assert.ok(r.current().policy.hosts.lookup('news2.example', 80));
    assert.equal(r.reloader.recent().length, 2, 'two reloads ran, not 51');
    assert.equal(r.swaps.length, 2);
  } finally {
    r.cleanup();
  }
});

test('a --workers result the primary counted and alerted (no worker served then) is kept and recorded by the worker, not counted or alerted again', async () => {
  const r = reloaderFor(PIPELINE_YAML);
  try {
    const at = new Date().toISOString();
    const refused = {
      result: 'refused' as const,
      trigger: 'sighup' as const,
      at,
      file: r.file,
      from: 'v1',
      to: 'v2',
      stage: 'cluster' as const,
      reason: 'no worker is serving',
      durationMs: 1,
    };
    r.reloader.settle(refused, { record: true, counted: true });
    assert.equal(r.alerts.recent().length, 1, 'listed in GET /alerts as the primary raised it');
    assert.doesNotMatch(await r.registry.metrics(), /hedge_alerts_total\{/, 'no second alert counted (nor sent)');
    assert.doesNotMatch(await r.registry.metrics(), /hedge_policy_reloads_total\{/, 'no second count');
    assert.equal(r.reloader.recent().at(-1)?.at, at, 'kept in GET /policy/reloads');
    r.reloader.settle({ ...refused, at: new Date(Date.now() + 1).toISOString() });
    assert.equal(r.alerts.recent().length, 2, 'a refusal the worker decides itself is alerted');
    assert.match(await r.registry.metrics(), /hedge_alerts_total\{kind="policy-reload-refused"\} 1/);
    assert.match(await r.registry.metrics(), /hedge_policy_reloads_total\{result="refused",trigger="sighup"\} 1/);
  } finally {
    r.cleanup();
  }
});
