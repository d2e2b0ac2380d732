// hedge config schema: the JSON Schema (draft-07, a description and default for
// every key) of the config file, for YAML editors and CI.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { configJsonSchema } from '../config/json-schema.js';
import { registerConfigInit } from './config-init.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('config file tools');
  config
    .command('schema')
    .description('print the config JSON Schema (draft-07, for YAML editors; schema/hedge.schema.json is a copy)')
    .option('-o, --output <file>', 'write it to a file instead of stdout')
    .action((o: { output?: string }) => {
      const text = JSON.stringify(configJsonSchema(), null, 2) + '\n';
      if (o.output) writeFileSync(o.output, text);
      else process.stdout.write(text);
    });
  registerConfigInit(config);
}
