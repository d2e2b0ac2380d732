// The bench's origin, shared by every script that puts load through a proxy
// (run.mjs, profile.mjs): nginx answering a 1 KiB body from `return 200` when
// nginx is installed (the cheapest origin, so the proxy in front is what is
// measured), else a Node http server answering the same.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitPort } from './ports.mjs';

export const ORIGIN_BODY = 'x'.repeat(1024);

/** Path of an installed program, or undefined. */
export function which(bin) {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.stdout.trim() || undefined;
}

/**
 * Starts the origin on a free loopback port, its files under `dir`, through
 * `start(cmd, argv)` (the caller's process starter, which owns stopping it).
 * Resolves with { port, proc, kind } once it accepts connections.
 */
export async function startOrigin(dir, start) {
  const port = await freePort();
  const nginx = which('nginx');
  if (nginx) {
    const at = join(dir, 'origin');
    mkdirSync(at, { recursive: true });
    writeFileSync(
      join(at, 'nginx.conf'),
      `worker_processes 1; daemon off; pid ${at}/nginx.pid; error_log ${at}/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000;
  server { listen 127.0.0.1:${port} reuseport; location / { default_type text/plain; return 200 "${ORIGIN_BODY}"; } } }\n`,
    );
    const c = start(nginx, ['-p', at, '-c', join(at, 'nginx.conf')]);
    await waitPort(port);
    return { port, proc: c, kind: 'nginx static' };
  }
  const src = `const http=require('http');const b=Buffer.from(${JSON.stringify(ORIGIN_BODY)});http.createServer((q,s)=>{s.writeHead(200,{'content-type':'text/plain','content-length':b.length});s.end(b)}).listen(${port},'127.0.0.1')`;
  const c = start(process.execPath, ['-e', src]);
  await waitPort(port);
  return { port, proc: c, kind: 'node http' };
}
