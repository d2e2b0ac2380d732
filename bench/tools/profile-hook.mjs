// Preloaded into a process under profile (`node --import profile-hook.mjs …`,
// by bench/profile.mjs): one of V8's sampling profilers over a window the
// caller chooses, not the whole life of the process (`--cpu-prof` would mix
// start-up, warm-up and shutdown into the figures). The first SIGWINCH starts
// it, the second stops it and writes the profile to $HEDGE_PROFILE_OUT, then
// prints "profile written" on stderr. SIGWINCH because the gateway gives every
// other signal a meaning (HUP reload, USR2 log level, TERM/INT drain) and a
// process without a terminal never receives it otherwise.
//
// $HEDGE_PROFILE_KIND picks the profiler:
//   cpu (default)  the CPU profiler, a sample every $HEDGE_PROFILE_INTERVAL µs
//                  (default 100); writes a .cpuprofile.
//   allocations    the sampling heap profiler, a sample every
//                  $HEDGE_PROFILE_INTERVAL bytes allocated (default 512),
//                  keeping the samples of objects collected since: what was
//                  allocated in the window, not what is still alive at its
//                  end; writes a .heapprofile (V8 scales each function's
//                  samples to an estimate of all it allocated).
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const out = process.env.HEDGE_PROFILE_OUT;
const kind = process.env.HEDGE_PROFILE_KIND || 'cpu';
if (kind !== 'cpu' && kind !== 'allocations') throw new Error(`HEDGE_PROFILE_KIND must be cpu or allocations, not "${kind}"`);
const interval = Number(process.env.HEDGE_PROFILE_INTERVAL || (kind === 'cpu' ? 100 : 512));

const PROFILERS = {
  cpu: {
    start: (session, done) => session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval }, () => session.post('Profiler.start', done))),
    stop: (session, done) => session.post('Profiler.stop', (err, r) => done(err, r?.profile)),
  },
  allocations: {
    start: (session, done) =>
      session.post('HeapProfiler.enable', () =>
        session.post('HeapProfiler.startSampling', { samplingInterval: interval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, done),
      ),
    stop: (session, done) => session.post('HeapProfiler.getSamplingProfile', (err, r) => session.post('HeapProfiler.stopSampling', () => done(err, r?.profile))),
  },
};

if (out) {
  const profiler = PROFILERS[kind];
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGWINCH', () => {
    if (!running) {
      running = true;
      profiler.start(session, () => process.stderr.write('profile started\n'));
      return;
    }
    running = false;
    profiler.stop(session, (err, profile) => {
      if (err) process.stderr.write(`profile failed: ${err.message}\n`);
      else {
        writeFileSync(out, JSON.stringify(profile));
        process.stderr.write('profile written\n');
      }
    });
  });
}
