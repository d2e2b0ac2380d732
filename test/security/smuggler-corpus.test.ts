// Threat: request smuggling through Transfer-Encoding obfuscation. Checked
// against a published corpus: every mutation of defparam's smuggler.py
// (configs default.py, exhaustive.py, doubles.py — itself built on James
// Kettle's "HTTP Desync Attacks" research), rebuilt as data in
// test/helpers/smuggler-corpus.ts, each sent with the tool's four probes
// (TE.CL and CL.TE, attack and edge lengths). smuggler.py sends its strings
// UTF-8 encoded; the single-byte (latin1) form of the high-byte mutations is
// sent too, since that is what they are meant to test.
//
// Every case must be either refused (400 with a code, connection closed,
// nothing reached the origin) or forwarded safely: exactly one request at the
// origin, framed by the gateway (the body the gateway read, no
// Transfer-Encoding look-alike), and only for mutations that are not a
// Transfer-Encoding header at all (the text inside another header's value, or
// Content-Encoding). Never two requests from one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type http from 'node:http';
import { startLab, type Lab } from '../helpers/gateway.js';
import { smugglerGadgets, PROBES } from '../helpers/smuggler-corpus.js';
import { isFramingLookalike } from '../../src/proxy/framing.js';
import { ErrorCodes } from '../../src/shared/errors.js';

let lab: Lab;
const atOrigin = new Map<string, { raw: string[]; bodyBytes: number }[]>();
before(async () => {
  lab = await startLab();
  lab.origin.server.prependListener('request', (req: http.IncomingMessage) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      const cb = /cb=(\d+)/.exec(req.url ?? '')?.[1] ?? 'none';
      atOrigin.set(cb, [...(atOrigin.get(cb) ?? []), { raw: req.rawHeaders, bodyBytes: n }]);
    });
  });
});
after(() => lab.close());

/** Sends the bytes, half-closes, and reads until the gateway closes (bounded). */
function exchange(bytes: Buffer): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: lab.gw.proxyAddress.port });
    const chunks: Buffer[] = [];
    const t = setTimeout(() => {
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: false });
    }, 5000);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(t);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: true });
    });
    s.end(bytes);
  });
}

/** Mutations that are not a Transfer-Encoding header at all, so forwarding them is correct. */
const NOT_A_TE_HEADER = new Set(['contentEnc', 'xprespace-09', 'xprespace-20', 'xprespace-a0', 'xprespace-ff']);

test('smuggler.py corpus: every mutation is refused, or forwarded as exactly one request the gateway framed', async () => {
  const gadgets = smugglerGadgets();
  // One case per distinct byte string: ASCII-only lines are the same in both encodings.
  const cases = new Map<string, { label: string; name: string; bytes: (cb: number, p: (typeof PROBES)[number]) => Buffer }>();
  for (const g of gadgets)
    for (const enc of ['utf8', 'latin1'] as const) {
      const key = Buffer.from(g.line, enc).toString('hex');
      if (cases.has(key)) continue;
      cases.set(key, {
        label: `${g.family}/${g.name} (${enc})`,
        name: g.name,
        bytes: (cb, p) =>
          Buffer.from(
            `POST http://news.example/?cb=${cb} HTTP/1.1\r\n${g.line}\r\nHost: news.example\r\nUser-Agent: smuggler-corpus\r\nContent-type: application/x-www-form-urlencoded; charset=UTF-8\r\nContent-Length: ${p.contentLength}\r\n\r\n${p.body}`,
            enc,
          ),
      });
    }

  let cb = 0;
  let refused = 0;
  const forwarded = new Map<string, number>();
  const problems: string[] = [];
  const jobs: (() => Promise<void>)[] = [];
  for (const c of cases.values())
    for (const p of PROBES)
      jobs.push(async () => {
        const id = ++cb;
        const r = await exchange(c.bytes(id, p));
        const first = /^HTTP\/1\.1 (\d{3}) /.exec(r.text)?.[1];
        const seen = atOrigin.get(String(id)) ?? [];
        const where = `${c.label} ${p.name}`;
        if (first === '400') {
          refused++;
          const code = /\r\nx-hedge-error: (\S+)\r\n/i.exec(r.text)?.[1];
          if (code !== ErrorCodes.MALFORMED_REQUEST && code !== ErrorCodes.AMBIGUOUS_FRAMING) problems.push(`${where}: refused with code ${code}`);
          if (!r.closed) problems.push(`${where}: refused but the connection stayed open`);
          if (seen.length) problems.push(`${where}: refused but the origin saw it`);
          return;
        }
        forwarded.set(c.name, (forwarded.get(c.name) ?? 0) + 1);
        if (first !== '200') return void problems.push(`${where}: neither refused nor answered (${JSON.stringify(r.text.slice(0, 40))})`);
        if (!NOT_A_TE_HEADER.has(c.name)) problems.push(`${where}: a Transfer-Encoding mutation was forwarded`);
        if (seen.length !== 1) return void problems.push(`${where}: the origin saw ${seen.length} requests`);
        const req = seen[0]!;
        if (req.bodyBytes !== p.contentLength) problems.push(`${where}: origin got ${req.bodyBytes} body bytes, the gateway framed ${p.contentLength}`);
        for (let i = 0; i < req.raw.length; i += 2) {
          const name = req.raw[i]!;
          if (name.toLowerCase() === 'transfer-encoding' || isFramingLookalike(name)) problems.push(`${where}: origin got a ${name} header`);
        }
      });
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < jobs.length) await jobs[next++]!();
    }),
  );
  const total = jobs.length;
  const fwd = [...forwarded.values()].reduce((a, b) => a + b, 0);
  // The figures the closing note of issue 10 reports.
  console.log(
    `smuggler.py corpus: ${gadgets.length} mutations, ${cases.size} distinct byte strings, ${total} requests: ${refused} refused, ${fwd} forwarded (${[...forwarded.keys()].join(', ')})`,
  );
  assert.deepEqual(problems, []);
  assert.equal(refused + fwd, total);
  assert.ok(atOrigin.size === fwd, 'the origin saw exactly the forwarded requests, nothing else');
});

test('the gateway keeps serving after the corpus', async () => {
  const r = await exchange(Buffer.from('GET http://news.example/ HTTP/1.1\r\nHost: news.example\r\n\r\n'));
  assert.match(r.text, /^HTTP\/1\.1 200 /);
});
