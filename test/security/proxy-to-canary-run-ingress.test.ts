// Threat: a phone uses the proxy to reach the listener each canary run opens
// for itself — a second ingress on loopback, alive for the run, that enriches
// for the canary's source. It was not registered as one of the gateway's own
// listeners: with loopback allowed and CONNECT open to any port, a tunnel
// opened during a run reached it. It is registered while it listens (and
// unregistered after: the port may later be another program's).
//
// The test finds the run's ingress the way an attacker would have to — a
// loopback port of the gateway's process that listens only during a run — by
// reading this process's listening sockets from a stage that runs inside the
// canary's own request, and tunnels to each through the proxy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { startLab, rawExchange, type Lab } from '../helpers/gateway.js';
import { beforeGuard } from '../helpers/pipeline.js';
import { CONTINUE, type Stage } from '../../src/pipeline/stage.js';

const CANARY_SOURCE = '127.0.0.254';

/** The TCP ports this process listens on (IPv4 and IPv6), from /proc: socket inodes of our descriptors, matched to LISTEN rows. */
function listeningPorts(): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9]!)) ports.add(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

let lab: Lab;
let known = new Set<number>();
/** What a tunnel to each port that listened only during the run answered. */
const tunnels: { port: number; answer: string }[] = [];
let probed: Promise<void> | undefined;

// Runs inside the canary's request (its ingress is listening then); other requests pass untouched.
const probeDuringRun: Stage = {
  name: 'probe-during-canary-run',
  onError: 'no-enrichment',
  async onRequest(flow) {
    if (flow.clientAddress !== CANARY_SOURCE || probed) return CONTINUE;
    probed = (async () => {
      for (const port of listeningPorts()) {
        if (known.has(port)) continue;
        const r = await rawExchange(lab.gw.proxyAddress.port, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
        tunnels.push({ port, answer: r.text.split('\r\n')[0] ?? '' });
      }
    })();
    await probed;
    return CONTINUE;
  },
};

before(async () => {
  lab = await startLab({
    connectPorts: [], // any port: the CONNECT port list is not what refuses these tunnels
    transformPipeline: beforeGuard(probeDuringRun),
    edit: (y) => y.replace('  resolve:', '  destinations:\n    allow: [127.0.0.0/8, "::1/128"]\n  resolve:'),
  });
  // The start-up run has happened: the origin is known; a new run opens a new ingress.
  known = listeningPorts();
  probed = undefined;
  tunnels.length = 0;
});
after(async () => lab?.close());

test("a CONNECT to the canary run's own ingress, opened during the run, is refused as an own listener", async () => {
  const r = await rawExchange(lab.gw.adminAddress.port, 'POST /canary/run HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 15_000);
  assert.match(r.text, /^HTTP\/1\.1 200 /);
  assert.ok(probed, 'the probe ran inside the canary run');
  assert.ok(tunnels.length >= 1, 'a loopback port listened only during the run (the run’s ingress)');
  for (const t of tunnels) assert.match(t.answer, /^HTTP\/1\.1 403 /, `port ${t.port} (open only during the run) was reached through the proxy: ${t.answer}`);
  // After the run its port is released: nothing the gateway no longer listens on stays refused as its own.
  const after = listeningPorts();
  for (const t of tunnels) assert.equal(after.has(t.port), false, `port ${t.port} closed after the run`);
});
