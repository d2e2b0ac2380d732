// Starts the RADIUS accounting listener for a process that owns it: a single
// gateway node, or the primary of a `--workers` cluster.
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { RadiusConfig } from '../../config/schema.js';
import type { BindingStore } from '../store.js';
import type { Logger } from '../../shared/log.js';
import { RadiusListener } from './listener.js';
import { RadiusMetrics } from './metrics.js';

export interface RunningRadius {
  address: AddressInfo;
  close(): Promise<void>;
}

export async function startRadius(o: {
  config: RadiusConfig;
  country: string;
  store: BindingStore;
  registry: Registry;
  log: Logger;
  listen?: string | undefined;
}): Promise<RunningRadius> {
  const listener = new RadiusListener({ config: o.config, country: o.country, store: o.store, metrics: new RadiusMetrics(o.registry), log: o.log });
  const address = await listener.listen(o.listen);
  return { address, close: () => listener.close() };
}
