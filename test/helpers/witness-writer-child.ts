// A process that appends witness lines with the real WitnessFile, driven over
// stdin, for tests that run it under a file-size limit (prlimit --fsize): a
// write past the limit lands in part, and the next one fails with EFBIG, as
// a full disk would. Commands, one per line: "w <i>" witnesses checkpoint i
// of the JSON file named second on the command line; "close" waits for the
// queue and exits. Reports on stdout: "failing <code>", "recovered",
// "written <n>", "closed".
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { WitnessFile } from '../../src/audit/witness.js';
import type { Checkpoint } from '../../src/audit/record.js';

// Handled, so that a write past the limit fails with EFBIG instead of ending the process.
process.on('SIGXFSZ', () => {});
const [file, checkpointsFile] = process.argv.slice(2);
const checkpoints = JSON.parse(readFileSync(checkpointsFile!, 'utf8')) as Checkpoint[];
const witness = new WitnessFile({
  file: file!,
  count: (result, n) => result === 'written' && console.log(`written ${n}`),
  onFailing: (code) => console.log(`failing ${code}`),
  onRecovered: () => console.log('recovered'),
});
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.split(' ');
  if (cmd === 'w') witness.witness(checkpoints[Number(arg)]!);
  if (cmd === 'close') {
    await witness.close(5000);
    console.log('closed');
    process.exit(0);
  }
}
