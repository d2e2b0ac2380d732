// Files the config names (keys, certificates, CAs): paths relative to the
// config file's folder, and the check config validation makes that each can be read.
import { accessSync, constants } from 'node:fs';
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
