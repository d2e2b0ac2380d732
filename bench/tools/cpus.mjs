// The CPUs a bench script may pin processes to, shared by run.mjs and profile.mjs.
import { readFileSync } from 'node:fs';

/** The CPUs this process may run on (Cpus_allowed_list: "0-1", "2,4-5", …), in order; [] when unknown. */
export function allowedCpus() {
  const list = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  const out = [];
  for (const part of list.split(',').filter(Boolean)) {
    const [lo, hi = lo] = part.split('-').map(Number);
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out.filter(Number.isInteger);
}
