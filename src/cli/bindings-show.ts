// hedge bindings show IP|PREFIX: one binding in full (an operator tool: the
// admin API answers it only to a holder of the admin token). An IPv6 address
// shows the binding of the prefix that holds it.
import type { Command } from 'commander';
import { addAdminOptions, adminGet, adminTarget } from './admin-client.js';
import { parseBindingKey } from '../shared/binding-key.js';

export function registerBindingsShow(bindings: Command): void {
  addAdminOptions(
    bindings.command('show').description('show the binding of one address').argument('<ip>', 'subscriber source address, or an IPv6 prefix such as 2001:db8:1:2::/64'),
  ).action(async (ip: string, o: { admin?: string; config?: string; token?: string }) => {
    const k = parseBindingKey(ip, { strict: true });
    if (typeof k === 'string') {
      console.error(k);
      process.exit(1);
    }
    const b = await adminGet<Record<string, unknown>>(adminTarget(o), `/bindings/${encodeURIComponent(ip)}`);
    console.log(JSON.stringify(b, null, 2));
  });
}
