#!/usr/bin/env node
// Bench helper (bench/rows/front-door.mjs): runs one hedge node from dist/ with
// the given config, mints TOKENS fresh single-use access tokens for
// number-verification:verify (in-process, before the measured run) into
// TOKEN_FILE, prints {"port": N} and serves until SIGTERM.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, configFile, tokenCount, tokenFile] = process.argv.slice(2);
const load = (f) => import(pathToFileURL(join(root, 'dist', f)).href);
const { loadConfigFile } = await load('config/load.js');
const { startGateway } = await load('node/gateway.js');
const { silentLogger } = await load('shared/log.js');
const gw = await startGateway(loadConfigFile(configFile), { log: silentLogger });
const fd = gw.frontDoor.frontDoor;
const n = Number(tokenCount);
const subscriber = (await gw.bindings.lookup('127.0.0.1')) ?? { msisdn: '+447700900123' };
const tokens = [];
for (let i = 0; i < n; i++)
  tokens.push(
    fd.mintAccessToken(
      {
        clientId: 'bench-bank',
        partnerId: 'bench-bank',
        scopes: new Set(['number-verification:verify']),
        purpose: 'dpv:FraudPreventionAndDetection',
        subscriber,
        clientAddress: '127.0.0.1',
        amr: ['nba'],
      },
      Date.now() + 300_000,
    ),
  );
writeFileSync(tokenFile, tokens.join('\n') + '\n');
process.stdout.write(JSON.stringify({ port: gw.frontDoor.address.port }) + '\n');
process.on('SIGTERM', () => void gw.stop(100).then(() => process.exit(0)));
