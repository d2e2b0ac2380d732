// What /proc says about the processes a bench measures: a process tree's pids
// (nginx and squid fork workers), and the CPU time they have used. Shared by
// run.mjs (every row's CPU per request) and profile.mjs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second, the unit of /proc/<pid>/stat's CPU times. */
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** All pids of a process tree. */
export function treePids(pid) {
  const out = [pid];
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  for (const line of r.stdout.split('\n')) if (line.trim()) out.push(...treePids(Number(line.trim())));
  return out;
}

/** CPU time (user + system, all threads) the processes have used, in clock ticks; an exited one counts nothing. */
export function cpuTicks(pids) {
  let t = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      t += Number(f[11]) + Number(f[12]); // utime + stime
    } catch {
      /* exited */
    }
  }
  return t;
}
