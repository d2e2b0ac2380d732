// The one check on where the admin API listens, whatever set the address
// (config file, `--admin` flag, the demo, a worker): beyond loopback it
// answers anyone who can reach the port, so a bearer token is required there.
import { parseIp } from '../destination/ip.js';
import { builtinReason } from '../destination/ranges.js';

/** Loopback by name or by address (127.0.0.0/8, ::1, and their IPv4-mapped forms). */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const ip = parseIp(host);
  return ip !== undefined && builtinReason(ip) === 'loopback';
}

/** Why the admin API may not listen on `host` with this token, or undefined when it may. */
export function adminExposureProblem(host: string, token: string | undefined): string | undefined {
  if (token !== undefined || isLoopbackHost(host)) return undefined;
  return 'the admin API would listen beyond loopback without a token: set admin.token (a bearer token of 16+ characters) or listen on a loopback address';
}

/** Whether an admin.hostnames entry is usable: a DNS name ("_" allowed, as container names have it) or an IP literal, without port, scheme or wildcard. */
export function validAdminHostname(s: string): boolean {
  if (parseIp(s) !== undefined) return true;
  return s.length <= 253 && /^(?=.*[a-z_])[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i.test(s);
}
