// Reading a V8 CPU profile (.cpuprofile, from profile-hook.mjs or
// `node --cpu-prof`) as a proxy's cost per request: where the main thread's
// time went, by part (hedge's folders, Node's modules, npm packages, native
// code, garbage collection) and by function, divided by the requests served
// in the profiled window; the difference between two profiles function by
// function; and the call tree as a flame graph (SVG, root at the top, widths
// by time). Used by bench/profile.mjs.
import { readFileSync } from 'node:fs';

/** The profile in a file. */
export function loadProfile(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** A frame's location, short: path below the project or node_modules, 1-based line. */
function where(cf) {
  let url = cf.url;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) url = url.slice(nm + '/node_modules/'.length);
  else url = url.replace(/^file:\/\/.*?\/(dist|packages|bench|src)\//, '$1/');
  return url ? `${url}:${cf.lineNumber + 1}` : '';
}

/** How a function is named in the reports: its name and short location. */
export function frameLabel(cf) {
  const at = where(cf);
  return `${cf.functionName || '(anonymous)'}${at ? ` ${at}` : ''}`;
}

/** Which part of the process a frame belongs to. */
export function partOf(cf) {
  const url = cf.url;
  const name = cf.functionName;
  if (!url) {
    if (name === '(garbage collector)' || name === '(idle)' || name === '(program)' || name === '(root)') return name;
    if (name.startsWith('RegExp:')) return 'regular expressions';
    return 'native code (C++ bindings; socket writes are system calls)';
  }
  if (url.startsWith('wasm://')) return 'WebAssembly (undici’s llhttp)';
  if (url.startsWith('node:')) {
    const path = url.slice(5).split('/');
    return `node: ${path[0] === 'internal' && path.length > 1 ? `internal/${path[1].replace(/\.js$/, '')}` : path[0]}`;
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return `npm: ${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const m = /\/(dist|src)\/([^/]+)\//.exec(url) ?? /\/(dist|src)\/([^/]+)\.js$/.exec(url);
  if (m && !url.includes('/packages/')) return `hedge: ${m[2]}`;
  if (url.includes('/packages/partner/')) return 'hedge-partner (the kit)';
  if (url.includes('/bench/')) return 'bench';
  return 'other';
}

/** Self time (µs) of every node id, from the samples. */
function selfTimes(profile) {
  const self = new Map();
  const { samples, timeDeltas } = profile;
  // A sample's time is the interval until the next one (as DevTools counts it); the last gets the mean.
  const mean = (profile.endTime - profile.startTime) / Math.max(1, samples.length);
  for (let i = 0; i < samples.length; i++) {
    const dt = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : mean;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + Math.max(0, dt));
  }
  return self;
}

/**
 * µs per request by part and by function (self time), sorted, and the totals:
 * `busy` is the main thread's time that was not idle.
 */
export function perRequest(profile, requests) {
  const self = selfTimes(profile);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parts = new Map();
  const functions = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const cf = byId.get(id).callFrame;
    total += us;
    if (cf.functionName === '(idle)') idle += us;
    const part = partOf(cf);
    parts.set(part, (parts.get(part) ?? 0) + us);
    const key = frameLabel(cf);
    const f = functions.get(key) ?? { us: 0, part };
    f.us += us;
    functions.set(key, f);
  }
  const per = (us) => us / Math.max(1, requests);
  return {
    requests,
    totalUs: per(total),
    busyUs: per(total - idle),
    parts: [...parts].map(([name, us]) => ({ name, us: per(us) })).sort((a, b) => b.us - a.us),
    functions: [...functions].map(([name, f]) => ({ name, part: f.part, us: per(f.us) })).sort((a, b) => b.us - a.us),
  };
}

/**
 * Function by function (and part by part): a's figure per request, b's, and
 * a − b, largest difference first. `field`: 'us' for CPU profiles, 'bytes'
 * for allocation profiles (allocation-report.mjs).
 */
export function difference(a, b, field = 'us') {
  const pair = (xs, ys) => {
    const m = new Map();
    for (const x of xs) m.set(x.name, { name: x.name, a: x[field], b: 0 });
    for (const y of ys) {
      const e = m.get(y.name) ?? { name: y.name, a: 0, b: 0 };
      e.b = y[field];
      m.set(y.name, e);
    }
    return [...m.values()].map((e) => ({ ...e, diff: e.a - e.b })).sort((p, q) => q.diff - p.diff);
  };
  return { parts: pair(a.parts, b.parts), functions: pair(a.functions, b.functions) };
}

const PALETTE = [
  [/^hedge/, [76, 175, 80]],
  [/^node:/, [66, 133, 244]],
  [/^npm:|^WebAssembly/, [255, 152, 0]],
  [/^\(garbage/, [229, 57, 53]],
  [/^regular/, [171, 71, 188]],
  [/^native/, [120, 120, 120]],
];

function colour(part, name) {
  const base = PALETTE.find(([re]) => re.test(part))?.[1] ?? [160, 160, 160];
  // A little variation per function so neighbours stay apart.
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  const d = (h % 40) - 20;
  return `rgb(${base.map((c) => Math.max(0, Math.min(255, c + d))).join(',')})`;
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The call tree as a flame graph (icicle: callers above callees), idle time
 * left out, each box titled with its function, µs per request and share.
 */
export function flameGraphSvg(profile, { title, requests, width = 1400 }) {
  const self = selfTimes(profile);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = new Map();
  const sum = (n) => {
    let t = self.get(n.id) ?? 0;
    for (const c of n.children ?? []) t += sum(byId.get(c));
    total.set(n.id, t);
    return t;
  };
  const root = profile.nodes[0];
  sum(root);
  const kids = (n) => (n.children ?? []).map((c) => byId.get(c)).filter((c) => c.callFrame.functionName !== '(idle)' && total.get(c.id) > 0);
  const busy = kids(root).reduce((t, c) => t + total.get(c.id), 0);
  const rowH = 16;
  const top = 34;
  const boxes = [];
  let depth = 0;
  const layout = (n, x, d) => {
    const w = (total.get(n.id) / busy) * width;
    if (w < 0.3) return;
    depth = Math.max(depth, d);
    boxes.push({ n, x, w, d });
    let cx = x;
    for (const c of kids(n).sort((p, q) => (p.callFrame.functionName < q.callFrame.functionName ? -1 : 1))) {
      layout(c, cx, d + 1);
      cx += (total.get(c.id) / busy) * width;
    }
  };
  let x = 0;
  for (const c of kids(root)) {
    layout(c, x, 0);
    x += (total.get(c.id) / busy) * width;
  }
  const height = top + (depth + 1) * rowH + 10;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="4" y="14" font-size="13">${esc(title)}</text>`,
    `<text x="4" y="28" fill="#555">${(busy / requests).toFixed(1)} µs of main-thread CPU per request (idle left out); green hedge, blue Node, orange npm/WebAssembly, grey native, purple RegExp, red GC. Hover a box for its figures.</text>`,
  ];
  for (const { n, x: bx, w, d } of boxes) {
    const cf = n.callFrame;
    const name = frameLabel(cf);
    const t = total.get(n.id);
    const y = top + d * rowH;
    out.push(
      `<g><title>${esc(name)} — ${(t / requests).toFixed(2)} µs/request, ${((t / busy) * 100).toFixed(1)} % (self ${((self.get(n.id) ?? 0) / requests).toFixed(2)} µs)</title>` +
        `<rect x="${bx.toFixed(2)}" y="${y}" width="${Math.max(0.3, w - 0.3).toFixed(2)}" height="${rowH - 1}" fill="${colour(partOf(cf), name)}"/>` +
        (w > 30 ? `<text x="${(bx + 2).toFixed(2)}" y="${y + 11}">${esc(name.slice(0, Math.floor((w - 4) / 6.6)))}</text>` : '') +
        `</g>`,
    );
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
