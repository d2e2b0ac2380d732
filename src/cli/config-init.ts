// hedge config init [FILE]: a commented starting config that validates as
// written — the first file a new operator edits. Never overwrites a file
// unless --force; "-" prints it.
import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { parseConfig } from '../config/load.js';

export function starterConfig(o: { name: string; country: string }): string {
  return `# hedge configuration — written by \`hedge config init\`. Check it with
#   hedge policy validate THIS-FILE
# Every key: docs/config.md. Unknown keys are errors, so a typo never silently does nothing.

operator:
  name: ${JSON.stringify(o.name)}
  # Numbers without "+" are read as this country's (docs/config.md#phone-numbers).
  country: ${o.country}

proxy:
  # Where phones' HTTP traffic arrives. https:// sites are tunnelled (CONNECT) and never enriched.
  listen: 127.0.0.1:8080
  mode: forward

admin:
  # Admin API and Prometheus metrics. Keep it on a management address; set a token
  # (16+ characters) before it listens anywhere but loopback.
  listen: 127.0.0.1:9090

subscribers:
  # Who is behind a source address: memory (this process) or redis://host:6379 (shared).
  # In production RADIUS accounting from the packet gateway fills it (radius: below).
  store: memory
  static: []
  # A lab binding, in the Ofcom drama range (never a real subscriber's number):
  # static:
  #   - { ip: 127.0.0.1, msisdn: "+447700900123", ageVerified: true }

# RADIUS accounting from the packet gateway (docs/sessions.md):
# radius:
#   listen: 0.0.0.0:1813
#   clients:
#     - { name: pgw-1, address: 192.0.2.10, secret: "a shared secret of 16+ characters" }
#   numberFormat: international   # how Calling-Station-Id is written without "+"

# Signing keys for the X-Hedge-Signature every partner verifies: create them with
#   hedge keys generate --out hedge-keys.json
# and uncomment:
# keys:
#   file: hedge-keys.json

# Default deny: a site receives nothing unless a partner below grants it.
partners:
  - id: selfcare
    name: Self-care site
    purpose: self-care
    # GDPR basis: contract, consent, legitimate-interest or legal-obligation.
    legalBasis: contract
    hosts: [my.operator.example]
    # The raw number travels only over TLS: the gateway speaks HTTPS to this partner.
    tls: required
    send:
      - { attribute: msisdn, form: raw, header: X-MSISDN }
  - id: agegate
    name: Age verification partner
    purpose: age-verification
    legalBasis: consent
    hosts: ["*.agegate.example"]
    # "Adult?", not "who?": a yes/no claim.
    send:
      - { attribute: age-verified, header: X-Age-Verified }

# The disclosure audit (docs/audit.md): create the keys with \`hedge audit keygen\`, then:
# audit:
#   store: sqlite:hedge-audit.db
#   keyFile: hedge-audit.key
`;
}

export function registerConfigInit(config: Command): void {
  config
    .command('init')
    .description('write a commented starting config that validates')
    .argument('[file]', 'where to write it ("-" for stdout)', 'hedge.yaml')
    .option('--country <CC>', 'operator.country: ISO 3166-1 alpha-2', 'GB')
    .option('--name <name>', 'operator.name', 'Example Mobile')
    .option('--force', 'overwrite an existing file')
    .action((file: string, o: { country: string; name: string; force?: boolean }) => {
      const text = starterConfig({ name: o.name, country: o.country.toUpperCase() });
      // What is written must validate, without a warning: checked here, not hoped for.
      const check = parseConfig(text, file);
      if (check.warnings.length) throw new Error(`config init: the starting config has warnings: ${check.warnings.map((w) => w.message).join('; ')}`);
      if (file === '-') return void process.stdout.write(text);
      if (existsSync(file) && !o.force) {
        console.error(`${file} exists; not overwritten (--force to replace it)`);
        process.exit(1);
      }
      writeFileSync(file, text, { mode: 0o600 });
      console.log(`${file}: written. Next: hedge policy validate ${file}, then hedge start -c ${file}`);
    });
}
