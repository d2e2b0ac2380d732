// hedge config schema: the JSON Schema of the config file, for editors and CI.
import type { Command } from 'commander';
import { configJsonSchema } from '../config/schema.js';
import { registerConfigInit } from './config-init.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('config file tools');
  config
    .command('schema')
    .description('print the config JSON Schema')
    .action(() => {
      console.log(JSON.stringify(configJsonSchema(), null, 2));
    });
  registerConfigInit(config);
}
