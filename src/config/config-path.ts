// Files the config names (keys, certificates, CAs): paths relative to the
// config file's folder, and the check config validation makes that each can be read.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

/** A path from the config, relative to the config file's folder. */
export function configPath(configFile: string, p: string): string {
  return isAbsolute(p) ? p : resolve(dirname(configFile), p);
}

/** The resolved path when the file named in the config cannot be read, else undefined. */
export function unreadablePath(configFile: string, p: string): string | undefined {
  const resolved = configPath(configFile, p);
  try {
    accessSync(resolved, constants.R_OK);
    return undefined;
  } catch {
    return resolved;
  }
}

/**
 * How users other than the owner and the group can reach a file holding a secret or a private key
 * ("can be read by every user of this host (mode 0644)"), or undefined when they cannot (o+r, o+w unset).
 */
export function openToEveryone(resolved: string): string | undefined {
  let mode: number;
  try {
    mode = statSync(resolved).mode;
  } catch {
    return undefined; // a missing file is reported by the check that reads it
  }
  const how = [mode & 0o004 ? 'read' : '', mode & 0o002 ? 'replaced' : ''].filter(Boolean).join(' and ');
  return how ? `can be ${how} by every user of this host (mode ${(mode & 0o777).toString(8).padStart(4, '0')})` : undefined;
}
