// The TLS material of a Redis binding store reached over TLS (rediss://,
// rediss-cluster://, rediss-sentinel://): the CA that signed the servers'
// certificates (default: Node's trust store), a client certificate and key
// for servers that ask for one (tls-auth-clients), and the name to check on
// the servers' certificates when they are addressed by IP (Cluster nodes
// announce addresses). Read once at start; config validation has already
// said which file it cannot read.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Config } from '../config/schema.js';
import { configPath } from '../config/config-path.js';

export type RedisTls = Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'servername'>;

export function redisTlsMaterial(tls: Config['subscribers']['redis']['tls'], configFile: string): RedisTls | undefined {
  if (!tls) return undefined;
  const read = (p: string | undefined) => (p === undefined ? undefined : readFileSync(configPath(configFile, p)));
  return { ca: read(tls.ca), cert: read(tls.cert), key: read(tls.key), servername: tls.serverName };
}
