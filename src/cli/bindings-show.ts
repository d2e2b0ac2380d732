// hedge bindings show IP: one binding in full (an operator tool: the admin API
// answers it only to a holder of the admin token).
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { addAdminOptions, adminGet, adminTarget } from './admin-client.js';

export function registerBindingsShow(bindings: Command): void {
  addAdminOptions(bindings.command('show').description('show the binding of one address').argument('<ip>', 'subscriber source address')).action(
    async (ip: string, o: { admin?: string; config?: string; token?: string }) => {
      if (isIP(ip) === 0) {
        console.error(`"${ip}" is not an IP address`);
        process.exit(1);
      }
      const b = await adminGet<Record<string, unknown>>(adminTarget(o), `/bindings/${encodeURIComponent(ip)}`);
      console.log(JSON.stringify(b, null, 2));
    },
  );
}
