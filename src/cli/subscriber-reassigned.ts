// hedge subscriber reassigned NUMBER [--at TIME]: tell a running gateway that a
// number changed hands (the operator's BSS knows when). From that time on the
// subscriber page shows the new holder only their own records and the previous
// holder's consent choices stop applying, and partners receive a new pseudonym
// (and front-door `sub`) for the number; the audit keeps everything. The
// number goes in the request body, never in a URL path (docs/transparency.md).
import type { Command } from 'commander';
import { addAdminOptions, adminPost, adminTarget } from './admin-client.js';

interface Answer {
  msisdn: string;
  reassignedAt: string;
  holderSince: string;
}

export function registerSubscriber(program: Command): void {
  const subscriber = program.command('subscriber').description("a subscriber's number in a running gateway");
  addAdminOptions(
    subscriber
      .command('reassigned')
      .description(
        'record that a number changed hands: the page shows the new holder only records from then on, earlier consent choices stop applying, and partners get a new pseudonym for it',
      )
      .argument('<number>', 'the number that was given to a new holder (E.164, or national for operator.country)'),
  )
    .option('--at <time>', 'when it changed hands: ISO 8601 (2026-11-02T09:00Z; no zone means UTC), "now", or "24h" ago', 'now')
    .option('--json', 'print the admin API answer as JSON')
    .action(async (number: string, o: { admin?: string; config?: string; token?: string; at: string; json?: boolean }) => {
      const a = await adminPost<Answer>(adminTarget(o), '/subscribers/reassigned', { msisdn: number, at: o.at });
      if (o.json) return console.log(JSON.stringify(a, null, 2));
      console.log(`${a.msisdn} changed hands at ${a.reassignedAt}; its holder's page starts at ${a.holderSince}`);
    });
}
