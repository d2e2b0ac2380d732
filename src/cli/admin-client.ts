// Talking to a running gateway's admin API from the CLI: where it is (--admin,
// HEDGE_ADMIN_URL, or admin.listen of --config) and its bearer token (--token
// or HEDGE_ADMIN_TOKEN, so it need not appear in the process list). There is no
// default address: a guess could read another gateway's bindings without a word.
// Every command says which admin API it read, on stderr.
import type { Command } from 'commander';
import { loadOrExit } from './load-or-exit.js';

export interface AdminTarget {
  url: string;
  token: string | undefined;
  /** Where the URL came from, for the "admin API: …" line. */
  from: string;
}

export function addAdminOptions(cmd: Command): Command {
  return cmd
    .option('--admin <url>', 'admin API base URL (default: HEDGE_ADMIN_URL, else admin.listen of --config)')
    .option('-c, --config <file>', 'read admin.listen and admin.token from this config')
    .option('--token <token>', 'admin bearer token (default: HEDGE_ADMIN_TOKEN)');
}

export function adminTarget(o: { admin?: string; config?: string; token?: string }): AdminTarget {
  let url = o.admin;
  let from = '--admin';
  let token = o.token ?? process.env.HEDGE_ADMIN_TOKEN;
  if (url === undefined && process.env.HEDGE_ADMIN_URL) [url, from] = [process.env.HEDGE_ADMIN_URL, 'HEDGE_ADMIN_URL'];
  if (o.config) {
    const { config } = loadOrExit(o.config);
    if (url === undefined) [url, from] = [`http://${config.admin.listen.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:')}`, `admin.listen of ${o.config}`];
    token ??= config.admin.token;
  }
  if (url === undefined) {
    console.error('no admin API to read: give --admin URL, -c CONFIG (its admin.listen), or set HEDGE_ADMIN_URL');
    process.exit(2);
  }
  if (!/^https?:\/\//.test(url)) url = `http://${url}`;
  return { url: url.replace(/\/+$/, ''), token, from };
}

/** GET a JSON document; says which admin API it reads; on an error answer prints the code and exits 1. */
export function adminGet<T>(t: AdminTarget, path: string): Promise<T> {
  return adminRequest<T>(t, 'GET', path);
}

/** POST a JSON body (identifiers belong here, never in the path: paths end up in access logs); same answers as adminGet. */
export function adminPost<T>(t: AdminTarget, path: string, body: unknown): Promise<T> {
  return adminRequest<T>(t, 'POST', path, body);
}

async function adminRequest<T>(t: AdminTarget, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  console.error(`admin API: ${t.url} (${t.from})`);
  const headers: Record<string, string> = t.token ? { authorization: `Bearer ${t.token}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(t.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    console.error(`cannot reach the admin API at ${t.url}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`);
    process.exit(1);
  }
  const answer = (await res.json().catch(() => undefined)) as (T & { error?: { code: string; message: string } }) | undefined;
  if (answer === undefined) {
    console.error(`${t.url} answered ${res.status} without JSON: not a hedge admin API?`);
    process.exit(1);
  }
  if (!res.ok) {
    console.error(answer.error ? `${answer.error.code}: ${answer.error.message}` : `admin API answered ${res.status}`);
    process.exit(1);
  }
  return answer;
}
