// Threat: the config file itself holds a running gateway. A reload parses the
// file on the event loop that serves traffic; the loader read files of any size
// and checked duplicate keys by comparing every key of a map with every other
// (the yaml library's `uniqueKeys`): a map of 20 000 names (650 KB) blocked the
// process for about 20 s, a bigger file for minutes. Now a file is read up to
// 1 MiB and no further, and duplicates are found with one set per map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PIPELINE_YAML } from '../helpers/pipeline.js';
import { reloaderFor } from '../helpers/reloader.js';

/** A proxy.resolve map of `n` names: a plausible (if large) section, one key per line. */
function resolveMap(n: number): string {
  let s = 'proxy:\n  resolve:\n';
  for (let i = 0; i < n; i++) s += `    host-${i}.partner.example: 127.0.0.1:8081\n`;
  return s;
}

test('a reload of a file with a 20 000-key map finishes in seconds, not the minutes a pairwise duplicate check takes', { timeout: 60_000 }, async () => {
  const r = reloaderFor(PIPELINE_YAML);
  try {
    const text = PIPELINE_YAML + resolveMap(20_000);
    assert.ok(Buffer.byteLength(text) < 1024 * 1024, 'under the size bound: only the duplicate check is measured');
    r.write(text);
    const t0 = performance.now();
    const res = await r.reloader.reload('sighup');
    const ms = performance.now() - t0;
    assert.notEqual(res.result, 'refused', JSON.stringify(res.issues ?? res.reason));
    assert.ok(ms < 5000, `the reload held the event loop for ${Math.round(ms)} ms`);
  } finally {
    r.cleanup();
  }
});

test('a file larger than 1 MiB is refused before it is parsed; the policy in force keeps serving', async () => {
  const r = reloaderFor(PIPELINE_YAML);
  try {
    const before = r.current();
    // Valid YAML (comments), so only the bound refuses it.
    r.write(PIPELINE_YAML + '#'.repeat(100).concat('\n').repeat(12_000));
    const t0 = performance.now();
    const res = await r.reloader.reload('watch');
    assert.equal(res.result, 'refused');
    assert.equal(res.stage, 'read');
    assert.match(res.reason ?? '', /larger than 1048576 bytes/);
    assert.ok(res.reason?.includes(res.file), 'the reason names the file');
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(r.current(), before);
  } finally {
    r.cleanup();
  }
});
