// hedge policy explain URL [--subscriber E164] -c CONFIG: what the policy
// would do with a request to URL — partner, headers and forms (values
// masked), why (rule, file, line), transport, and what is stripped.
// hedge policy explain --client ID -c CONFIG: what a front-door client may
// learn, scope by scope, in the same terms.
import type { Command } from 'commander';
import { compilePolicy } from '../policy/compile.js';
import { explainRequest, formatExplanation } from '../policy/explain.js';
import { explainFrontDoorClient, formatClientExplanation } from '../policy/explain-front-door.js';
import { normalizeSubscriber } from '../subscriber/normalize.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import { ConfigError } from '../shared/errors.js';
import { loadOrExit } from './load-or-exit.js';

export function registerPolicyExplain(policy: Command): void {
  policy
    .command('explain')
    .description('explain what the policy does with a request to URL, or what a front-door client (--client) may learn')
    .argument('[url]', 'http://host/path as a phone would request it')
    .option('--client <id>', 'a front-door client id: the scopes it may use and what each discloses')
    .requiredOption('-c, --config <file>', 'config file (YAML)')
    .option('--subscriber <e164>', 'compute (masked) values for this number; a static binding with it supplies IMSI/IMEI/age')
    .option('-H, --header <name>', 'a header the client sends (repeatable): shows whether it is stripped', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--json', 'print JSON')
    .action((url: string | undefined, o: { config: string; subscriber?: string; header: string[]; json?: boolean; client?: string }) => {
      if ((url === undefined) === (o.client === undefined)) {
        console.error('give a URL or --client ID (one of them)');
        process.exit(2);
      }
      const loaded = loadOrExit(o.config);
      let compiled;
      try {
        compiled = compilePolicy(loaded.config, o.config, loaded.lineOf);
      } catch (err) {
        // Key files are not needed to explain; values of keyed forms are then described, not computed.
        if (!(err instanceof ConfigError)) throw err;
        compiled = compilePolicy(loaded.config, o.config, loaded.lineOf, { material: false });
      }
      let subscriber: Subscriber | undefined;
      if (o.subscriber) {
        const country = loaded.config.operator.country;
        const wanted = normalizeSubscriber({ msisdn: o.subscriber }, country);
        const bound = loaded.config.subscribers.static.find((b) => normalizeSubscriber(b, country).msisdn === wanted.msisdn);
        subscriber = bound ? normalizeSubscriber(bound, country) : wanted;
      }
      if (o.client !== undefined) {
        let ce;
        try {
          ce = explainFrontDoorClient(compiled, o.client, { subscriber });
        } catch (err) {
          console.error((err as Error).message);
          process.exit(2);
        }
        if (o.json) console.log(JSON.stringify(ce, null, 2));
        else for (const line of formatClientExplanation(ce)) console.log(line);
        return;
      }
      const e = explainRequest(compiled, url!, { subscriber, clientHeaders: o.header.length ? o.header.map((h) => h.split(':')[0]!.trim()) : undefined });
      if (o.json) console.log(JSON.stringify(e, null, 2));
      else for (const line of formatExplanation(e)) console.log(line);
    });
}
