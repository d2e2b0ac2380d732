// `npm run profile`'s parts (bench/profile.mjs): the hook profiles only the
// window between two SIGWINCH and writes a V8 profile; the report divides a
// profile's time by the requests, by part and by function, subtracts one
// profile from another, and draws the call tree as an SVG flame graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error -- a plain .mjs bench tool, without types
import { loadProfile, perRequest, difference, flameGraphSvg, partOf } from '../../bench/tools/cpu-profile-report.mjs';
import { profiledChild } from '../helpers/profiled-child.js';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0, scriptId: '0' });

/** root → (idle), (garbage collector), handleRequest [hedge] → emit [node:events]; 10 µs between samples. */
function synthetic(times: { idle: number; gc: number; hedge: number; events: number }) {
  const nodes = [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
    { id: 2, callFrame: frame('(idle)'), children: [] },
    { id: 3, callFrame: frame('(garbage collector)'), children: [] },
    { id: 4, callFrame: frame('handleRequest', 'file:///srv/hedge/dist/proxy/ingress.js'), children: [5] },
    { id: 5, callFrame: frame('emit', 'node:events'), children: [] },
  ];
  const samples: number[] = [];
  for (const [id, n] of [
    [2, times.idle],
    [3, times.gc],
    [4, times.hedge],
    [5, times.events],
  ] as const)
    for (let i = 0; i < n; i++) samples.push(id);
  const total = samples.length;
  return { nodes, startTime: 0, endTime: total * 10, samples, timeDeltas: samples.map(() => 10) };
}

test('parts: hedge folders, Node modules, npm packages, native code, GC', () => {
  assert.equal(partOf(frame('x', 'file:///srv/hedge/dist/pipeline/stages/sign.js')), 'hedge: pipeline');
  assert.equal(partOf(frame('x', 'file:///srv/hedge/node_modules/undici/lib/dispatcher/client.js')), 'npm: undici');
  assert.equal(partOf(frame('x', 'file:///srv/hedge/node_modules/@scope/pkg/index.js')), 'npm: @scope/pkg');
  assert.equal(partOf(frame('x', 'node:internal/streams/writable')), 'node: internal/streams');
  assert.equal(partOf(frame('x', 'node:_http_server')), 'node: _http_server');
  assert.equal(partOf(frame('writev')), 'native code (C++ bindings; socket writes are system calls)');
  assert.equal(partOf(frame('RegExp: ^a+$')), 'regular expressions');
  assert.equal(partOf(frame('(garbage collector)')), '(garbage collector)');
});

test('µs per request by part and function, and one profile less another', () => {
  const a = perRequest(synthetic({ idle: 10, gc: 20, hedge: 30, events: 40 }), 10);
  assert.equal(a.totalUs, 100); // 100 samples × 10 µs / 10 requests
  assert.equal(a.busyUs, 90);
  assert.deepEqual(
    a.parts.map((p: { name: string; us: number }) => [p.name, p.us]),
    [
      ['node: events', 40],
      ['hedge: proxy', 30],
      ['(garbage collector)', 20],
      ['(idle)', 10],
    ],
  );
  const b = perRequest(synthetic({ idle: 10, gc: 10, hedge: 0, events: 40 }), 10);
  const d = difference(a, b);
  assert.deepEqual(
    d.parts.filter((r: { diff: number }) => r.diff !== 0).map((r: { name: string; diff: number }) => [r.name, r.diff]),
    [
      ['hedge: proxy', 30],
      ['(garbage collector)', 10],
    ],
  );
});

test('the flame graph: one box per frame with its figures, idle left out', () => {
  const svg = flameGraphSvg(synthetic({ idle: 50, gc: 10, hedge: 30, events: 60 }), { title: 'test <run>', requests: 10 });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.includes('test &lt;run&gt;'));
  assert.equal((svg.match(/<rect x=/g) ?? []).length, 3); // GC, handleRequest, emit
  assert.ok(!svg.includes('(idle)'));
  // handleRequest holds its own 30 samples and emit's 60: 900 µs over 10 requests.
  assert.match(svg, /handleRequest dist\/proxy\/ingress.js:1 — 90.00 µs\/request, 90.0 %/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
});

test('the hook profiles the window between two SIGWINCH, and only when asked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-profile-test-'));
  const out = join(dir, 'p.cpuprofile');
  // "spinning" tells the test the hook is in place and spin runs: a child
  // slow to start on a loaded machine lost the first signal (SIGWINCH is
  // ignored until the hook listens) or was still loading when profiled.
  // spin holds the thread ~5 ms of every ~6, so that even on a saturated
  // machine the profiler's sampling thread finds it busy.
  const busy =
    'function spin(){const end=Date.now()+5;let x=0;do{for(let i=0;i<1e4;i++)x+=i%7}while(Date.now()<end);return x}spin();process.stderr.write("spinning\\n");setInterval(spin,1)';
  const child = profiledChild(busy, { HEDGE_PROFILE_OUT: out });
  try {
    await child.said('spinning');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!existsSync(out), 'nothing is written before the first signal');
    await child.profileFor(400);
    const profile = loadProfile(out);
    const window = (profile.endTime - profile.startTime) / 1000;
    assert.ok(window >= 300 && window < 10_000, `a window of ${window} ms`);
    // spin keeps the thread ~5/6 busy, so a profile of this window is mostly
    // busy. Which frame holds the time is V8's choice: spin's, or that of the
    // timer loop spin was inlined into (seen in CI) or the profiler could not
    // walk past (seen beside busy processes even without inlining).
    const r = perRequest(profile, 1);
    const names = r.functions.map((f: { name: string }) => f.name);
    assert.ok(r.busyUs > 0.5 * r.totalUs, `busy ${r.busyUs.toFixed(0)} of ${r.totalUs.toFixed(0)} µs (${profile.samples.length} samples): ${names.slice(0, 5).join(', ')}`);
  } finally {
    child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
