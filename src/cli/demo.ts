// hedge demo: a self-contained demo network on loopback — the gateway, an echo
// origin standing in for every *.example site, the leak checker at
// check.example, and the demo config — with the curl lines that show what each
// site receives. Runs until Ctrl-C.
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../node/gateway.js';
import { startEchoOrigin } from '../demo/echo-origin.js';
import { parseListen, transparencySchema } from '../config/schema.js';
import { loadOrExit } from './load-or-exit.js';
import { withDemoAudit } from './demo-audit.js';
import { checkAdminOverride, stopOnSignals } from './start.js';
import { CheckerServer } from '../checker/server.js';
import { createLogger } from '../shared/log.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDemoFrontDoor, DEMO_PARTNER_SCRIPT, makeDemoPki } from './demo-front-door.js';

/** The demo host served by the leak checker instead of the echo origin. */
export const CHECKER_HOST = 'check.example';

export const DEMO_CONFIG = fileURLToPath(new URL('../../examples/demo.yaml', import.meta.url));

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the demo network on loopback (gateway + echo origin) until Ctrl-C')
    .option('--proxy <host:port>', 'proxy listen address', '127.0.0.1:8080')
    .option('--admin <host:port>', 'admin listen address', '127.0.0.1:9090')
    .option('--origin <host:port>', 'echo origin listen address', '127.0.0.1:8081')
    .option('--checker <host:port>', `leak checker listen address (served as ${CHECKER_HOST})`, '127.0.0.1:8082')
    .option('--transparency <host:port>', "the subscriber's own page (what was disclosed about them, consent)", '127.0.0.1:8084')
    .option('--front-door <host:port>', 'the front door (OIDC network-based authentication + CAMARA APIs over HTTPS, lab CA)', '127.0.0.1:8443')
    .option('--config <file>', 'config to run instead of examples/demo.yaml', DEMO_CONFIG)
    .action(async (o: { proxy: string; admin: string; origin: string; checker: string; transparency: string; config: string; frontDoor: string }) => {
      checkAdminOverride(o.admin, loadOrExit(o.config, 'not started').config.admin.token);
      const origin = parseListen(o.origin);
      if (!origin) throw new Error(`--origin: expected host:port, got "${o.origin}"`);
      const checkerAt = parseListen(o.checker);
      if (!checkerAt) throw new Error(`--checker: expected host:port, got "${o.checker}"`);
      const echo = await startEchoOrigin(origin.host, origin.port);
      const checker = await new CheckerServer({ http: checkerAt, log: createLogger({ base: { component: 'checker' } }) }).listen();
      // The front door: a lab CA and certificate in a private temporary folder, demo-bank as its client.
      const fdDir = mkdtempSync(join(tmpdir(), 'hedge-demo-front-door-'));
      const pki = parseListen(o.frontDoor) ? makeDemoPki(fdDir) : `--front-door: expected host:port, got "${o.frontDoor}"`;
      let base = loadOrExit(o.config);
      if (typeof pki !== 'string' && base.config.frontDoor === undefined) {
        const file = join(fdDir, 'demo.yaml');
        writeFileSync(file, addDemoFrontDoor(readFileSync(o.config, 'utf8'), pki, o.frontDoor));
        base = loadOrExit(file);
      }
      const demoAudit = withDemoAudit(base);
      const loaded = demoAudit?.loaded ?? base;
      const auditConfig = demoAudit?.configFile ?? o.config;
      const pinned = `${echo.address.address}:${echo.address.port}`;
      const checkerPinned = `${checker.httpAddress!.address}:${checker.httpAddress!.port}`;
      for (const k of Object.keys(loaded.config.proxy.resolve)) loaded.config.proxy.resolve[k] = k === CHECKER_HOST ? checkerPinned : pinned;
      loaded.config.transparency ??= transparencySchema.parse({ listen: o.transparency, host: 'privacy.example' });
      const gw = await startGateway(loaded, { proxyListen: o.proxy, adminListen: o.admin, transparencyListen: o.transparency, frontDoorListen: o.frontDoor });
      const proxy = `${gw.proxyAddress.address}:${gw.proxyAddress.port}`;
      // How to run this same hedge again (under tsx too), for the printed commands.
      const self = [process.execArgv.length ? process.execPath : 'node', ...process.execArgv, process.argv[1]].join(' ');
      const lines = [
        ['self-care partner: raw number in X-MSISDN', `curl -s -x ${proxy} http://my.operator.example/`],
        ['legacy WAP portal: digits in X-Up-Calling-Line-ID', `curl -s -x ${proxy} http://wap.operator.example/`],
        ['age-verification partner: only X-Age-Verified: yes', `curl -s -x ${proxy} http://www.agegate.example/`],
        ['billing partner: a stable per-partner pseudonym', `curl -s -x ${proxy} http://pay.billing.example/`],
        ['any other site: nothing about the subscriber', `curl -s -x ${proxy} http://news.example/`],
        ['a spoofed X-MSISDN from the client is removed', `curl -s -x ${proxy} -H 'X-MSISDN: +447700900999' http://news.example/`],
        [`the leak checker, a non-partner: verdict "clean" (or browse http://${CHECKER_HOST}/ with this proxy)`, `curl -s -x ${proxy} http://${CHECKER_HOST}/api/check`],
        ['the public keys partners verify the Ed25519 signatures with (JWKS)', `curl -s ${gw.adminUrl}/.well-known/jwks.json`],
        [
          "the subscriber's own page: what the operator told which partner about them; withdraw consent there",
          `curl -s ${gw.transparencyUrl}/ | sed -e 's/<[^>]*>//g' | grep -v '^\\s*$' | head -40`,
        ],
        ['the disclosure audit: whose identity went to which site (breach report)', `curl -s '${gw.adminUrl}/audit/report?format=table'`],
        ['the audit chain is intact (tamper-evident: hash chain + signed checkpoints)', `${self} audit verify -c ${auditConfig}`],
        ['what the policy does with one request, and why', `${self} policy explain -c ${o.config} http://wap.operator.example/ --subscriber +447700900123`],
        ...(gw.frontDoor && typeof pki !== 'string'
          ? [
              [
                'the front door: demo-bank runs the whole OIDC network-based authentication flow (authorise from the phone, code, token with private_key_jwt, ID token) and asks Number Verification and Age Verification',
                `node ${DEMO_PARTNER_SCRIPT} --issuer ${gw.frontDoor.url} --ca ${pki.caFile} --number +447700900123`,
              ],
              ['the front door discovery document and the ID-token signing keys', `curl -s --cacert ${pki.caFile} ${gw.frontDoor.url}/.well-known/openid-configuration`],
            ]
          : []),
        ['health, bindings and metrics', `curl -s ${gw.adminUrl}/health ; curl -s ${gw.adminUrl}/metrics | grep ^hedge_`],
      ];
      console.log(`
hedge demo network is running
  proxy   ${gw.proxyUrl}   (subscriber 127.0.0.1 is bound to the test number +447700900123)
  admin   ${gw.adminUrl}
  origin  http://${pinned}   (echoes the headers it receives, for every *.example host but ${CHECKER_HOST})
  checker ${checker.httpUrl}   (the leak-check site, as http://${CHECKER_HOST}/ through the proxy)
  privacy ${gw.transparencyUrl ?? 'off'}/   (the subscriber's own page: what was disclosed about them, and their consent; as http://privacy.example/ through the proxy)
  front   ${gw.frontDoor ? `${gw.frontDoor.url}   (OIDC + CAMARA Number Verification / Age Verification; lab CA ${typeof pki === 'string' ? '' : pki.caFile}; client demo-bank)` : `off${typeof pki === 'string' ? ` (${pki})` : ''}`}
  config  ${o.config}
  audit   ${gw.audit ? `${gw.audit.store.kind}, config with the audit section: ${auditConfig}` : 'off'}

Try:
${lines.map(([what, cmd]) => `  # ${what}\n  ${cmd}\n`).join('\n')}
Ctrl-C stops the demo.
`);
      stopOnSignals(gw, () =>
        Promise.all([echo.close(), checker.close()]).then(() => {
          demoAudit?.remove();
          rmSync(fdDir, { recursive: true, force: true });
        }),
      );
    });
}
