#!/usr/bin/env node
// An open-loop load generator for the overload bench: sends requests at a
// fixed rate whatever the server does (unlike wrk, whose connections wait for
// each answer and so slow down with the server — coordinated omission).
// Latency is measured from the moment each request was *scheduled*. Each
// connection carries one request at a time; when all are busy a new one is
// opened, up to --max-connections, beyond which the request counts as
// "not sent" (the generator itself was saturated).
// Usage: node open-loop.mjs PORT RATE SECONDS TARGET_URL [MAX_CONNECTIONS] [SOURCE_ADDRESS]
//   (SOURCE_ADDRESS: every connection from it, e.g. a subscriber's bound address;
//   default: spread over 127.0.1.1–250)
//   → prints one JSON line: {offered, sent, ok, shed, errors, notSent, p50Ms, p99Ms, okP99Ms, okP50Ms, okP90Ms, shedP99Ms, sendLagP99Ms, opened}
//   (and latOk, every admitted latency, when OPEN_LOOP_RAW is set: several generators' results are merged from it)
import net from 'node:net';
import { readResponses, closesConnection } from './responses.mjs';

const [port, rate, seconds, target, maxConns] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4]), process.argv[5], Number(process.argv[6] ?? 2000)];
const source = process.argv[7];
const host = new URL(target).host;
const request = Buffer.from(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
const idle = [];
let open = 0;
const latOk = [];
const latAll = [];
let ok = 0;
let shed = 0;
let errors = 0;
let notSent = 0;
let sent = 0;
let opened = 0;
const sendLag = [];
const latShed = [];

function connection() {
  const s = net.connect({ host: '127.0.0.1', port, localAddress: source ?? `127.0.1.${1 + (open % 250)}` });
  open++;
  opened++;
  s.setNoDelay(true);
  s.dueAt = undefined;
  readResponses(s, (status, head) => {
    const t = s.dueAt;
    s.dueAt = undefined;
    const warmed = s.warmed;
    s.warmed = undefined;
    warmed?.();
    if (t !== undefined) {
      const ms = performance.now() - t;
      latAll.push(ms);
      if (status === 200) {
        ok++;
        latOk.push(ms);
      } else if (status === 503) {
        shed++;
        latShed.push(ms);
      } else errors++;
    }
    if (closesConnection(head)) {
      s.destroy();
      return false;
    }
    idle.push(s);
  });
  const gone = () => {
    if (s.dueAt !== undefined) errors++;
    s.dueAt = undefined;
    open--;
    const i = idle.indexOf(s);
    if (i >= 0) idle.splice(i, 1);
  };
  s.on('error', () => {});
  s.on('close', gone);
  return s;
}

function send(scheduled) {
  let s = idle.pop();
  while (s && s.destroyed) s = idle.pop();
  if (!s) {
    if (open >= maxConns) return void notSent++;
    s = connection();
  }
  s.dueAt = scheduled;
  sent++;
  sendLag.push(performance.now() - scheduled);
  s.write(request);
}

// OPEN_LOOP_WARM=N: N connections are opened, and each has carried one
// request, before the clock starts. A connect the client saw complete may not
// be accepted yet (an overflowing accept queue drops the handshake's last ACK
// and the server retries it seconds later); the measure is of the gateway's
// answers, not of a burst of thousands of connects in its first second.
const warm = Math.min(maxConns, Number(process.env.OPEN_LOOP_WARM ?? 0));
await new Promise((resolve) => {
  let pending = warm;
  if (pending === 0) return resolve();
  const settled = () => --pending === 0 && resolve();
  for (let i = 0; i < warm; i++) {
    const s = connection();
    s.warmed = settled;
    s.once('close', () => s.warmed?.());
    s.write(request);
  }
});
const start = performance.now();
const total = Math.round(rate * seconds);
let issued = 0;
const tick = () => {
  const now = performance.now();
  const due = Math.min(total, Math.floor(((now - start) / 1000) * rate));
  // Each request is stamped with the time it was due, not the time the timer fired.
  for (; issued < due; issued++) send(start + (issued / rate) * 1000);
  // A 1 ms timer, not a spin: the generator's CPU goes to its sockets (latency is counted from the due time anyway).
  if (issued < total) setTimeout(tick, 1);
  else setTimeout(finish, 3000);
};
setImmediate(tick);

function pct(a, p) {
  if (a.length === 0) return null;
  a.sort((x, y) => x - y);
  return Number(a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))].toFixed(2));
}

function finish() {
  const unanswered = latAll.length < sent ? sent - latAll.length : 0;
  process.stdout.write(
    JSON.stringify({
      offered: total,
      sent,
      ok,
      shed,
      errors: errors + unanswered,
      notSent,
      p50Ms: pct(latAll, 50),
      p99Ms: pct(latAll, 99),
      okP99Ms: pct(latOk, 99),
      ...(process.env.OPEN_LOOP_RAW ? { latOk: latOk.map((x) => Math.round(x * 100) / 100) } : {}),
      okP50Ms: pct(latOk, 50),
      okP90Ms: pct(latOk, 90),
      shedP99Ms: pct(latShed, 99),
      sendLagP99Ms: pct(sendLag, 99),
      opened,
      seconds,
    }) + '\n',
    // Exit once written: a pipe takes a long line in several writes.
    () => process.exit(0),
  );
}
