// Checks that need more than the schema: they look across keys or use the
// number library. Same output as schema errors: file, line, key.
import type { Config } from './schema.js';
import { parseListen } from './schema.js';
import { dotted, type KeyPath } from './key-path.js';
import type { ConfigIssue } from '../shared/errors.js';
import { normalizeSubscriber } from '../subscriber/normalize.js';
import { HedgeError } from '../shared/errors.js';
import { radiusIssues, redisTlsIssues, redisUrlProblem } from './semantic-identity.js';
import { bindingKey } from '../shared/binding-key.js';
import { canaryIssues } from './semantic-canary.js';
import { auditIssues } from './semantic-audit.js';
import { inPrefix, parseIp, parsePrefix } from '../destination/ip.js';
import { adminExposureProblem } from './admin-exposure.js';
import { configPath, openToEveryone } from './config-path.js';

export const SUPPORTED_STORES = ['memory', 'redis://', 'rediss://', 'redis-cluster://', 'rediss-cluster://', 'redis-sentinel://', 'rediss-sentinel://'];

export function semanticIssues(config: Config, file: string, lineOf: (p: KeyPath) => number): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: KeyPath, message: string, severity: 'error' | 'warning' = 'error') =>
    issues.push({ file, line: lineOf(path), column: 1, key: dotted(path), message, severity });

  const admin = parseListen(config.admin.listen);
  const exposed = admin && adminExposureProblem(admin.host, config.admin.token);
  if (exposed) add(['admin', 'listen'], exposed);

  const loopback = [parseIp('127.0.0.1')!, parseIp('::1')!];
  config.proxy.destinations.allow.forEach((text, i) => {
    const p = parsePrefix(text);
    if (p && loopback.some((a) => inPrefix(a, p)))
      add(
        ['proxy', 'destinations', 'allow', i],
        `"${text}" covers loopback: the proxy can then reach services on the gateway host itself (its own listeners stay refused)`,
        'warning',
      );
  });

  const store = config.subscribers.store;
  if (!SUPPORTED_STORES.some((s) => store === s || store.startsWith(s.endsWith('/') ? s : s + ':')))
    add(
      ['subscribers', 'store'],
      `unsupported binding store "${store.split('://')[0]}"; supported: memory, redis://host:port/db, redis-cluster://host:port,host:port, redis-sentinel://host:port,…/master-name (rediss://, rediss-cluster://, rediss-sentinel:// over TLS)`,
    ); // never echo a URL: it may hold a password
  else if (store.startsWith('redis')) {
    const problem = redisUrlProblem(store);
    if (problem) add(['subscribers', 'store'], problem);
  }
  for (const i of redisTlsIssues(config, file)) add(i.path, i.message, i.severity);
  if (config.radius) for (const i of radiusIssues(config.radius)) add(['radius', ...i.path], i.message, i.severity);

  const ids = new Map<string, number>();
  config.partners.forEach((p, i) => {
    const prev = ids.get(p.id);
    if (prev !== undefined) add(['partners', i, 'id'], `partner id "${p.id}" is already used by partners[${prev}]`);
    else ids.set(p.id, i);
  });

  const clientIds = new Map<string, number>();
  config.partners.forEach((p, i) => {
    if (!p.frontDoor) return;
    const prev = clientIds.get(p.frontDoor.clientId);
    if (prev !== undefined) add(['partners', i, 'frontDoor', 'clientId'], `client id "${p.frontDoor.clientId}" is already used by partners[${prev}]`);
    else clientIds.set(p.frontDoor.clientId, i);
  });

  const ips = new Set<string>();
  config.subscribers.static.forEach((b, i) => {
    const key = bindingKey(b.ip) ?? b.ip;
    if (ips.has(key)) add(['subscribers', 'static', i, 'ip'], 'this address is bound twice');
    ips.add(key);
    try {
      normalizeSubscriber(b, config.operator.country);
    } catch (err) {
      if (!(err instanceof HedgeError)) throw err;
      // normalizeSubscriber's message starts with the field it is about ("msisdn: …", "imsi must be …"): the key path
      // names it, so the message goes without it.
      const field = /^(\w+)/.exec(err.message)?.[1] ?? 'msisdn';
      add(['subscribers', 'static', i, field], err.message.startsWith(`${field}: `) ? err.message.slice(field.length + 2) : err.message);
    }
    for (const [j, id] of (b.optOut ?? []).entries()) if (!ids.has(id)) add(['subscribers', 'static', i, 'optOut', j], `unknown partner id "${id}"`);
  });
  // Private keys (signing, pseudonym derivation, audit sealing) in files any local user can read: said, not refused.
  const keyFiles: [KeyPath, string | undefined][] = [
    [['keys', 'file'], config.keys?.file],
    [['audit', 'keyFile'], config.audit?.keyFile],
    [['audit', 'signingKeyFile'], config.audit?.signingKeyFile],
  ];
  for (const [path, name] of keyFiles) {
    const resolved = name === undefined ? undefined : configPath(file, name);
    const open = resolved && openToEveryone(resolved);
    if (open) add(path, `the key file ${resolved} ${open}: \`chmod o-rwx ${resolved}\``, 'warning');
  }
  for (const i of canaryIssues(config)) add(i.path, i.message, i.severity);
  issues.push(...auditIssues(config, file, lineOf));
  if (config.transparency && !config.audit) add(['transparency'], 'the transparency page reads what was disclosed from the audit: add an audit: section');
  config.partners.forEach((p, i) => {
    if (p.legalBasis === undefined && p.send.length > 0)
      add(
        ['partners', i, 'id'],
        `partner "${p.id}" declares no legalBasis: treated as "consent" (subscribers can withdraw it on the transparency page); say which applies`,
        'warning',
      );
  });
  return issues;
}
