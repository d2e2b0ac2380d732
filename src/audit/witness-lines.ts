// Reading the audit witness line by line while gateways may be appending to
// it. An append is one write() of whole lines, but a reader can still see it
// half done: a read that overlaps the write on a local file system (the page
// cache copies the bytes in pieces), a log shipper's copy taken mid-write, a
// network mount. What it sees then is a last line without its end of line.
// That is a write in progress, not tampering, so it is not judged at once:
// the file is read again from that line after a short wait (doubling, within
// a bound), and only a line still unterminated after the bound is handed on
// as such, for the check to reject. A malformed line that has its end of line
// is complete — whatever follows it — and is handed on as it is. A last line
// that lacks only its end of line but is already a whole witness line (a copy
// that lost its final newline) is handed on at once: its signature decides.
import { createReadStream } from 'node:fs';
import { ErrorCodes, HedgeError } from '../shared/errors.js';

/** How long a report waits, in all, for a half-written last line to be finished. */
export const TAIL_WAIT_MS = 1000;
const FIRST_WAIT_MS = 20;
const NL = 0x0a;

export interface WitnessLine {
  /** 1-based line number in the file. */
  n: number;
  text: string;
  /** True for a last line without its end of line that was still so after the wait. */
  unterminated: boolean;
}

export interface WitnessLineOptions {
  /** Whether an unterminated last line is already a whole line (then it is not waited for). */
  whole(text: string): boolean;
  /** Total wait for a half-written last line; TAIL_WAIT_MS by default. */
  tailWaitMs?: number | undefined;
}

/** The file's lines in order; throws AUDIT_WITNESS when the file cannot be opened. */
export async function* witnessLines(file: string, o: WitnessLineOptions): AsyncGenerator<WitnessLine> {
  const budget = o.tailWaitMs ?? TAIL_WAIT_MS;
  let offset = 0; // bytes before the first line not yet handed on
  let n = 0;
  let waited = 0;
  let delay = FIRST_WAIT_MS;
  let previousTail: Buffer | undefined;
  while (true) {
    const start = offset;
    const input = createReadStream(file, { start });
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', reject);
    }).catch((err: NodeJS.ErrnoException) => {
      throw new HedgeError(ErrorCodes.AUDIT_WITNESS, `${file}: cannot read the audit witness: ${err.code ?? 'error'}`);
    });
    let pending = Buffer.alloc(0);
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let buf = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      let nl: number;
      while ((nl = buf.indexOf(NL)) !== -1) {
        const line = buf.subarray(0, nl);
        offset += nl + 1;
        buf = buf.subarray(nl + 1);
        n++;
        const text = line.toString('utf8');
        yield { n, text: text.endsWith('\r') ? text.slice(0, -1) : text, unterminated: false };
      }
      pending = Buffer.from(buf);
    }
    if (offset !== start) previousTail = undefined; // the line waited for was finished: any tail now is a new one
    // The file no longer holds what it held at this offset (rotated or cut meanwhile): waiting will not finish the line.
    const replaced = previousTail !== undefined && !pending.subarray(0, previousTail.length).equals(previousTail);
    if (pending.length === 0 && !replaced) return;
    const tail = replaced ? previousTail! : pending;
    const text = tail.toString('utf8');
    if (o.whole(text) || waited >= budget || replaced) {
      yield { n: n + 1, text, unterminated: !o.whole(text) };
      return;
    }
    previousTail = pending;
    const step = Math.min(delay, budget - waited);
    await new Promise((r) => setTimeout(r, step));
    waited += step;
    delay *= 2;
  }
}
