// Bench rows for the front door (issue "The front door"): one hedge process
// with the SQLite audit on, over HTTPS on loopback.
//   "front door: full flow"      authorise (from the bound phone) + token
//                                (private_key_jwt, PKCE) + one POST /verify, by
//                                50 concurrent partners in this process; flows/s
//                                (target ≥ 1,000 on one process)
//   "front door: POST /verify"   wrk over HTTPS at 50 connections, each request
//                                with a fresh single-use token minted before the
//                                run: the throughput ceiling (target ≥ 5,000 req/s)
//   "… at 5,000 req/s"           the same requests due at a fixed 5,000 per second
//                                over 50 connections (bench/tools/fixed-rate.mjs),
//                                latency from when each was due: the p99 at the
//                                target rate (target ≤ 10 ms). wrk's own p99 is the
//                                queue its 50 connections build at saturation
//                                (Little's law: 50 / rate), not a latency at 5,000/s.
// Both rows: CPU µs per request (or per flow) of the hedge process; every answer
// is recorded (and committed) in the audit before it is sent.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync, mkdtempSync, rmSync, existsSync, openSync, writeSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign as signRaw } from 'node:crypto';
import { auditKeys } from './audit.mjs';
import { URLSearchParams, pathToFileURL } from 'node:url';

/**
 * Tokens minted per second of a wrk row: above the fastest rate seen (29,000 req/s
 * with the audit on tmpfs), so a row measures answers, not a spent supply.
 */
const TOKEN_SUPPLY_PER_S = 45_000;

export async function rows(ctx) {
  if (!ctx.want('front door')) return;
  const wrk = spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim();
  const dir = join(ctx.work, 'front-door');
  mkdirSync(dir, { recursive: true });
  const { makeLabPkiFiles, labPkiFailure } = await import(pathToFileURL(join(ctx.root, 'dist', 'shared', 'lab-pki.js')).href);
  let pki;
  try {
    pki = makeLabPkiFiles(dir, { names: ['127.0.0.1'], caName: 'hedge bench lab CA', days: 2 });
  } catch (err) {
    return ctx.skip('front door rows', `no lab certificate: ${labPkiFailure(err)}`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'bench-1', alg: 'ES256' };
  const keys = await auditKeys(ctx.root, dir);
  const port = await ctx.freePort();
  const [proxyPort, adminPort] = [await ctx.freePort(), await ctx.freePort()];
  const yamlFor = (auditDb) => `operator: { name: Bench, country: GB }
proxy: { listen: 127.0.0.1:${proxyPort} }
admin: { listen: 127.0.0.1:${adminPort} }
canary: { enabled: false }
subscribers:
  static:
    - { ip: 127.0.0.1, msisdn: "+447700900123", birthDate: "1990-04-01" }
partners:
  - id: bench-bank
    name: Bench Bank
    purpose: fraud prevention
    legalBasis: legitimate-interest
    hosts: [bank.example]
    frontDoor:
      clientId: bench-bank
      jwks: ${JSON.stringify({ keys: [jwk] })}
      redirectUris: ["https://bank.example/callback"]
      scopes: [number-verification:verify]
      purpose: dpv:FraudPreventionAndDetection
      # EdDSA, as in the rows published in docs/front-door.md (RS256, the default, costs more per flow: see there)
      idTokenSignedResponseAlg: EdDSA
frontDoor:
  listen: 127.0.0.1:${port}
  cert: ${pki.certFile}
  key: ${pki.keyFile}
  limits: { maxPending: ${TOKEN_SUPPLY_PER_S * (ctx.duration + 2) + 100_000}, maxPendingPerClient: ${TOKEN_SUPPLY_PER_S * (ctx.duration + 2) + 100_000}, maxPendingCodesPerAddress: 10000 }
audit:
  store: ${JSON.stringify(`sqlite:${auditDb}`)}
  keyFile: ${JSON.stringify(keys.keyFile)}
  signingKeyFile: ${JSON.stringify(keys.signingKeyFile)}
  node: bench-front-door
`;
  const cfg = join(dir, 'hedge.yaml');
  writeFileSync(cfg, yamlFor(join(dir, 'audit.db')));
  // Each answer waits for its audit commit's fsync: the disk's fsync time bounds the latency, so the rows report it.
  const fsyncMs = fsyncLatency(dir);
  const seconds = ctx.duration;
  const tokenFile = join(dir, 'tokens.txt');
  const server = await startServer(ctx, cfg, wrk ? TOKEN_SUPPLY_PER_S * (seconds + 2) : 0, tokenFile);
  const issuer = `https://127.0.0.1:${server.port}`;
  try {
    // Full flows: this process plays 50 partners (and their phones).
    const { Agent, request } = await import('undici');
    const agent = new Agent({ connections: 64, pipelining: 1, connect: { rejectUnauthorized: false } });
    const flowOnce = async () => {
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const auth = await request(
        `${issuer}/authorize?response_type=code&client_id=bench-bank&redirect_uri=${encodeURIComponent('https://bank.example/callback')}&scope=openid%20number-verification%3Averify%20dpv%3AFraudPreventionAndDetection&code_challenge=${challenge}&code_challenge_method=S256&state=s`,
        { dispatcher: agent },
      );
      await auth.body.dump();
      const code = new URL(auth.headers.location).searchParams.get('code');
      if (!code) throw new Error('no code');
      const tok = await request(`${issuer}/token`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: 'https://bank.example/callback',
          code_verifier: verifier,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion(privateKey, issuer), // aud: the issuer alone (the token endpoint URL is refused)
        }).toString(),
      });
      const t = await tok.body.json();
      if (!t.access_token) throw new Error(`token: ${JSON.stringify(t)}`);
      const v = await request(`${issuer}/number-verification/v2/verify`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: `Bearer ${t.access_token}`, 'content-type': 'application/json' },
        body: '{"phoneNumber":"+447700900123"}',
      });
      const body = await v.body.json();
      if (body.devicePhoneNumberVerified !== true) throw new Error('verify failed');
    };
    const runFlows = async (secs) => {
      const end = Date.now() + secs * 1000;
      let flows = 0;
      let errors = 0;
      const lat = [];
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (Date.now() < end) {
            const t0 = performance.now();
            try {
              await flowOnce();
              flows++;
              lat.push(performance.now() - t0);
            } catch {
              errors++;
            }
          }
        }),
      );
      lat.sort((a, b) => a - b);
      return { flows, errors, p50: lat[Math.floor(lat.length * 0.5)] ?? NaN, p99: lat[Math.floor(lat.length * 0.99)] ?? NaN };
    };
    await runFlows(Math.min(2, seconds));
    const cpu0 = ctx.cpuOf(server.proc.pid);
    const f = await runFlows(seconds);
    const cpu = ctx.cpuOf(server.proc.pid) - cpu0;
    const fps = f.flows / seconds;
    ctx.addRow({
      name: 'front door: full flow (authorise + token + verify)',
      rps: Math.round(fps),
      p50Ms: round(f.p50, 2),
      p99Ms: round(f.p99, 2),
      cpuUsPerRequest: f.flows ? round((cpu / f.flows) * 1e6, 1) : null,
      rssMb: null,
      errors: f.errors,
      note: `flows/s on one process, audit on (SQLite), 50 concurrent partners (target ≥ 1,000 flows/s); CPU per flow; the load generator shares the machine`,
    });
    process.stderr.write(`  front door full flow: ${Math.round(fps)} flows/s, p99 ${round(f.p99, 2)} ms, ${f.errors} errors\n`);
    await agent.close();

    if (!wrk) ctx.skip('front door: POST /verify', 'wrk not installed (apt-get install wrk)');
    else
      verifyRow(ctx, wrk, dir, tokenFile, issuer, server, {
        name: 'front door: POST /verify (fresh token each)',
        note: `HTTPS keep-alive, ${ctx.connections} connections, closed loop at saturation (its p99 is the queue the connections build), audit on (SQLite, synchronous=FULL), each answer committed before it is sent; this disk's fsync p50 ${fsyncMs.p50} ms, p99 ${fsyncMs.p99} ms (target ≥ 5,000 req/s)`,
      });
  } finally {
    await stopServer(server);
  }
  // The latency at the target rate, on a fresh server (its own tokens and audit database).
  {
    writeFileSync(cfg, yamlFor(join(dir, 'audit-fixed-rate.db')));
    const fixedTokens = join(dir, 'tokens-fixed-rate.txt');
    const s = await startServer(ctx, cfg, FIXED_RATE * (seconds + FIXED_RATE_WARMUP_S), fixedTokens);
    try {
      await fixedRateRow(ctx, `https://127.0.0.1:${s.port}`, fixedTokens, s, {
        name: `front door: POST /verify at ${FIXED_RATE.toLocaleString('en')} req/s`,
        note: `fixed rate over ${ctx.connections} HTTPS keep-alive connections (bench/tools/fixed-rate.mjs), latency from when each request was due, audit on (SQLite, synchronous=FULL, fsync p50 ${fsyncMs.p50} ms) (target p99 ≤ 10 ms)`,
      });
    } finally {
      await stopServer(s);
    }
  }
  // The same row with the audit database in memory-backed storage (tmpfs): what the gateway does without the disk's wait.
  if (wrk && existsSync('/dev/shm')) {
    const shm = mkdtempSync('/dev/shm/hedge-bench-');
    try {
      const cfgShm = join(dir, 'hedge-tmpfs.yaml');
      writeFileSync(cfgShm, yamlFor(join(shm, 'audit.db')));
      const s2 = await startServer(ctx, cfgShm, TOKEN_SUPPLY_PER_S * (seconds + 2), tokenFile);
      try {
        verifyRow(ctx, wrk, dir, tokenFile, `https://127.0.0.1:${s2.port}`, s2, {
          name: 'front door: POST /verify, audit on tmpfs',
          note: `as the row above, the audit database on /dev/shm (fsync p50 ${fsyncLatency(shm).p50} ms): the gateway's own latency without the disk's`,
        });
      } finally {
        await stopServer(s2);
      }
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  }
}

/** The rate at which the front door's latency target (p99 ≤ 10 ms) is measured. */
const FIXED_RATE = 5000;
/** Seconds at that rate before the measured ones (a fresh server: its code is not optimised yet, its first second runs behind). */
const FIXED_RATE_WARMUP_S = 2;

/** The fixed-rate generator over HTTPS: request i spends token i; the hedge process's CPU per request alongside. */
async function fixedRateRow(ctx, issuer, tokenFile, server, { name, note }) {
  const seconds = ctx.duration;
  const cpu0 = ctx.cpuOf(server.proc.pid);
  const r = spawnSync(
    process.execPath,
    [
      join(ctx.root, 'bench', 'tools', 'fixed-rate.mjs'),
      '--url',
      `${issuer}/number-verification/v2/verify`,
      '--rate',
      String(FIXED_RATE),
      '--seconds',
      String(seconds),
      '--connections',
      String(ctx.connections),
      '--method',
      'POST',
      '--header',
      'content-type: application/json',
      '--body',
      '{"phoneNumber":"+447700900123"}',
      '--token-file',
      tokenFile,
      '--warmup',
      String(FIXED_RATE_WARMUP_S),
    ],
    { encoding: 'utf8', timeout: (seconds + 30) * 1000 },
  );
  const cpu = ctx.cpuOf(server.proc.pid) - cpu0;
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`fixed-rate generator: no result (${r.stderr.trim().slice(-400)})`);
  const f = JSON.parse(line);
  ctx.addRow({
    name,
    rps: f.achievedRps,
    p50Ms: f.p50Ms,
    p99Ms: f.p99Ms,
    cpuUsPerRequest: f.ok ? round((cpu / f.ok) * 1e6, 1) : null,
    rssMb: null,
    errors: f.non2xx + f.errors + f.warmupFailed,
    note: `${note}; after ${f.warmupSeconds} s at the same rate unrecorded; ${f.waitedForConnection} of ${f.due} requests waited for a free connection, max ${f.maxMs} ms`,
  });
  process.stderr.write(`  ${name}: ${f.achievedRps} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms, ${f.non2xx + f.errors} errors\n`);
}

/** wrk over HTTPS: each request spends one of the tokens minted before the run. */
function verifyRow(ctx, wrk, dir, tokenFile, issuer, server, { name, note }) {
  const seconds = ctx.duration;
  const lua = join(dir, 'verify.lua');
  writeFileSync(
    lua,
    `local tokens = {}
for line in io.lines("${tokenFile}") do tokens[#tokens + 1] = line end
local threads = {}
local n = 0
function setup(thread) n = n + 1; thread:set("id", n); table.insert(threads, thread) end
function init(args) idx = id; step = ${2} end
function request()
  local t = tokens[idx]
  idx = idx + step
  if t == nil then t = "exhausted" end
  return wrk.format("POST", "/number-verification/v2/verify", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. t }, '{"phoneNumber":"+447700900123"}')
end
`,
  );
  const cpu1 = ctx.cpuOf(server.proc.pid);
  const r = spawnSync(wrk, ['-t2', `-c${ctx.connections}`, `-d${seconds}s`, '--latency', '-s', lua, issuer], { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  const cpu = ctx.cpuOf(server.proc.pid) - cpu1;
  const out = r.stdout;
  const num = (re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 }[m[2]] ?? 1) : NaN;
  };
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  // Throughput counts answered verifications only: a refused request (a spent or missing token) is not one.
  const elapsed = Number(/requests in ([\d.]+)s/.exec(out)?.[1] ?? seconds);
  const rps = (requests - non2xx) / elapsed;
  ctx.addRow({
    name,
    rps: Math.round(rps),
    p50Ms: round(num(/\s50%\s+([\d.]+)(us|ms|s)/), 3),
    p99Ms: round(num(/\s99%\s+([\d.]+)(us|ms|s)/), 3),
    cpuUsPerRequest: requests ? round((cpu / requests) * 1e6, 1) : null,
    rssMb: null,
    errors: non2xx,
    note,
  });
  process.stderr.write(`  ${name}: ${Math.round(rps)} req/s, p99 ${num(/\s99%\s+([\d.]+)(us|ms|s)/)} ms, ${non2xx} non-2xx\n`);
}

function stopServer(server) {
  server.proc.kill('SIGTERM');
  return new Promise((r) => (server.proc.exitCode !== null ? r() : server.proc.once('exit', r)));
}

/** Latency of a 4 KiB write + fsync in this folder (50 rounds), ms. */
function fsyncLatency(folder) {
  const file = join(folder, 'fsync-probe');
  const fd = openSync(file, 'w');
  const lat = [];
  try {
    const block = Buffer.alloc(4096, 1);
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      writeSync(fd, block, 0, block.length, 0);
      fsyncSync(fd);
      lat.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  lat.sort((a, b) => a - b);
  return { p50: round(lat[25], 2), p99: round(lat[49], 2) };
}

function assertion(privateKey, aud) {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'ES256', kid: 'bench-1' })}.${b64({ iss: 'bench-bank', sub: 'bench-bank', aud, jti: randomUUID(), iat: now, exp: now + 60 })}`;
  const sig = signRaw('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

function startServer(ctx, cfg, tokens, tokenFile) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(ctx.root, 'bench', 'front-door-server.mjs'), ctx.root, cfg, String(tokens), tokenFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const t = setTimeout(() => reject(new Error(`front door did not start: ${err}`)), 60_000);
    proc.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    proc.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(t);
        resolve({ proc, port: JSON.parse(line).port });
      }
    });
    proc.once('exit', (code) => reject(new Error(`front door exited ${code}: ${err}`)));
  });
}

function round(n, d) {
  return Number.isFinite(n) ? Number(n.toFixed(d)) : null;
}
