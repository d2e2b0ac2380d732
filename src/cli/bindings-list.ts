// hedge bindings list: the bindings a running gateway holds (numbers masked),
// read through its admin API.
import type { Command } from 'commander';
import { addAdminOptions, adminGet, adminTarget } from './admin-client.js';

interface ListAnswer {
  count: number;
  bindings: { ip: string; msisdn: string; source?: string; expiresAt?: string }[];
}

export function registerBindings(program: Command): Command {
  const bindings = program.command('bindings').description('inspect the subscriber bindings of a running gateway');
  addAdminOptions(bindings.command('list').description('list bindings (numbers masked)'))
    .option('--json', 'print the admin API answer as JSON')
    .action(async (o: { admin?: string; config?: string; token?: string; json?: boolean }) => {
      const a = await adminGet<ListAnswer>(adminTarget(o), '/bindings');
      if (!Array.isArray(a.bindings)) {
        console.error('the answer has no bindings list: not a hedge admin API?');
        process.exit(1);
      }
      if (o.json) return console.log(JSON.stringify(a, null, 2));
      const rows = a.bindings.map((b) => [b.ip, b.msisdn, b.source ?? '', b.expiresAt ?? 'never']);
      const head = ['IP', 'MSISDN', 'SOURCE', 'EXPIRES'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [head, ...rows])
        console.log(
          r
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd(),
        );
      console.log(`${a.count} binding(s)`);
    });
  return bindings;
}
