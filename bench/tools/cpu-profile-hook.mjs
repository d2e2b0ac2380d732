// Preloaded into a process under profile (`node --import cpu-profile-hook.mjs …`,
// by bench/profile.mjs): V8's sampling CPU profiler over a window the caller
// chooses, not the whole life of the process (`--cpu-prof` would mix start-up,
// warm-up and shutdown into the figures). The first SIGWINCH starts it, the
// second stops it and writes the profile to $HEDGE_PROFILE_OUT, then prints
// "profile written" on stderr. SIGWINCH because the gateway gives every other
// signal a meaning (HUP reload, USR2 log level, TERM/INT drain) and a process
// without a terminal never receives it otherwise.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const out = process.env.HEDGE_PROFILE_OUT;
const intervalUs = Number(process.env.HEDGE_PROFILE_INTERVAL_US || 100);
if (out) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGWINCH', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: intervalUs }, () => session.post('Profiler.start', () => process.stderr.write('profile started\n'))),
      );
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, r) => {
      if (err) process.stderr.write(`profile failed: ${err.message}\n`);
      else {
        writeFileSync(out, JSON.stringify(r.profile));
        process.stderr.write('profile written\n');
      }
    });
  });
}
