// Talking to a running gateway's admin API from the CLI: where it is (--admin,
// HEDGE_ADMIN_URL, or admin.listen of --config) and its bearer token (--token
// or HEDGE_ADMIN_TOKEN, so it need not appear in the process list).
import type { Command } from 'commander';
import { loadOrExit } from './load-or-exit.js';

export interface AdminTarget {
  url: string;
  token: string | undefined;
}

export function addAdminOptions(cmd: Command): Command {
  return cmd
    .option('--admin <url>', 'admin API base URL (default: HEDGE_ADMIN_URL, admin.listen of --config, or http://127.0.0.1:9090)')
    .option('-c, --config <file>', 'read admin.listen and admin.token from this config')
    .option('--token <token>', 'admin bearer token (default: HEDGE_ADMIN_TOKEN)');
}

export function adminTarget(o: { admin?: string; config?: string; token?: string }): AdminTarget {
  let url = o.admin ?? process.env.HEDGE_ADMIN_URL;
  let token = o.token ?? process.env.HEDGE_ADMIN_TOKEN;
  if (o.config) {
    const { config } = loadOrExit(o.config);
    url ??= `http://${config.admin.listen.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
    token ??= config.admin.token;
  }
  url ??= 'http://127.0.0.1:9090';
  if (!/^https?:\/\//.test(url)) url = `http://${url}`;
  return { url: url.replace(/\/+$/, ''), token };
}

/** GET a JSON document; on an error answer prints the code and exits 1. */
export async function adminGet<T>(t: AdminTarget, path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(t.url + path, { headers: t.token ? { authorization: `Bearer ${t.token}` } : {} });
  } catch (err) {
    console.error(`cannot reach the admin API at ${t.url}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`);
    process.exit(1);
  }
  const body = (await res.json().catch(() => ({}))) as T & { error?: { code: string; message: string } };
  if (!res.ok) {
    console.error(body.error ? `${body.error.code}: ${body.error.message}` : `admin API answered ${res.status}`);
    process.exit(1);
  }
  return body;
}
