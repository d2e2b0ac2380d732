// The audit witness: every signed checkpoint the store committed is also
// appended, as one JSON line, to a file meant to live where the store's
// writers cannot reach (another mount, a log shipper's input, WORM storage).
// A checkpoint in the store proves nothing about the records deleted together
// with it: cutting a chain back to an earlier checkpoint looks like a crash
// there, or like a clean stop. A copy of the head kept elsewhere does:
// `hedge audit verify --witness FILE` reports the chain `truncated` when the
// store lacks a witnessed checkpoint or holds another record at its seq
// (witness-check.ts).
//
// A line holds exactly what the store's checkpoint holds — node, seq, hash,
// time, kind, key id, signature, detail (sequence numbers and hashes, never a
// subscriber value) — so it is checked with the same signature as the store's.
//
// Writing it must never hold up or fail a commit: `witness()` only queues the
// line and returns; one append at a time drains the queue in the background
// (opening the file by name each time, so a shipper may rotate it). When the
// append fails the lines stay queued (at most MAX_QUEUED; the oldest are
// dropped first — a later checkpoint covers the chain an earlier one signed),
// the failure is counted, logged (the error code, never a value) and raised
// once per outage; the next checkpoint tries again.
//
// With `--workers N` every worker appends to the same file. An append opens
// it with O_APPEND, and one write() to a local file lands whole, after what
// the others wrote — but Node writes more than 512 KiB in several write()
// calls, between which a sibling's line can land, mid-line. So a backlog is
// appended in pieces of whole lines of at most MAX_WRITE bytes, each one
// write(). (Not on NFS, where O_APPEND is not atomic across clients.)
//
// An append can also land in part: a full disk or a file-size limit stops a
// write() after some of its bytes, and a crash can cut one. The writer
// counts the bytes that landed, so the lines written whole are never written
// again (a second copy of a head reads as a chain that went back), and the
// line cut short is written again whole. What was cut short stays in the
// file; the next append after a failure, or the first after a start, begins
// with an end of line when the file does not end with one, so the remains
// are a line of their own and no later line is glued to them. The check
// knows such remains (witness-check.ts): a line that is the beginning of a
// later line.
import { open } from 'node:fs/promises';
import type { Checkpoint } from './record.js';

/** Lines kept while the file cannot be written. */
export const MAX_QUEUED = 1024;
/** Bytes one append writes at most (whole lines; a line longer than this goes alone). */
export const MAX_WRITE = 64 * 1024;

export interface CheckpointWitness {
  /** Queues a committed checkpoint for the witness; returns at once, never throws. */
  witness(cp: Checkpoint): void;
  /** Waits up to `graceMs` for queued lines to be written (at shutdown). */
  close(graceMs?: number): Promise<void>;
}

export interface WitnessFileOptions {
  file: string;
  /** Lines written, appends failed, lines dropped from a full queue. */
  count?: ((result: 'written' | 'failed' | 'dropped', n: number) => void) | undefined;
  /** Once when appends start failing (error code only). */
  onFailing?: ((code: string) => void) | undefined;
  /** Once when an append succeeds again after failing. */
  onRecovered?: (() => void) | undefined;
}

/** The witness line of a checkpoint: its stored fields, in a fixed order. */
export function witnessLine(cp: Checkpoint): string {
  const { node, seq, hash, time, kind, keyId, signature, detail } = cp;
  return JSON.stringify({ node, seq, hash, time, kind, keyId, signature, detail }) + '\n';
}

export class WitnessFile implements CheckpointWitness {
  private queue: string[] = [];
  private draining: Promise<void> | undefined;
  private failing = false;
  /** Whether the file may end in the remains of an append cut short (at start, and after a failed append). */
  private tailUnknown = true;

  constructor(private readonly o: WitnessFileOptions) {}

  /**
   * Makes the file if it is not there yet, at start: until its first
   * checkpoint a new gateway's witness is then empty ("nothing witnessed
   * yet"), not missing, so `GET /audit/report` and `hedge audit verify
   * --witness` can read it. A file that cannot be made counts as a failed
   * append (and raises the alert); the next checkpoint tries again.
   */
  async ensureExists(): Promise<void> {
    try {
      await (await open(this.o.file, 'a', 0o640)).close();
    } catch (err) {
      this.o.count?.('failed', 1);
      if (!this.failing) {
        this.failing = true;
        this.o.onFailing?.((err as NodeJS.ErrnoException).code ?? 'error');
      }
    }
  }

  witness(cp: Checkpoint): void {
    this.queue.push(witnessLine(cp));
    if (this.queue.length > MAX_QUEUED) {
      const over = this.queue.length - MAX_QUEUED;
      this.queue.splice(0, over);
      this.o.count?.('dropped', over);
    }
    this.drain();
  }

  private drain(): void {
    if (this.draining || this.queue.length === 0) return;
    this.draining = this.writeQueued()
      .catch(() => {}) // a throwing callback (count, onFailing) must not become an unhandled rejection
      .finally(() => {
        this.draining = undefined;
        // A failed append waits for the next checkpoint: no retry loop against a full disk.
        if (!this.failing) this.drain();
      });
  }

  private async writeQueued(): Promise<void> {
    let lines = this.queue;
    this.queue = [];
    try {
      while (lines.length > 0) {
        const n = wholeLinesWithin(lines, MAX_WRITE);
        const landed = await this.append(lines.slice(0, n));
        // Only lines that landed whole leave the queue, also when the append failed part way.
        const whole = wholeLinesIn(lines, landed.bytes);
        if (whole > 0) this.o.count?.('written', whole);
        lines = lines.slice(whole);
        if (landed.error) throw landed.error;
      }
      if (this.failing) {
        this.failing = false;
        this.o.onRecovered?.();
      }
    } catch (err) {
      // Back in front of what arrived meanwhile, in order, within the bound.
      this.queue = lines.concat(this.queue);
      if (this.queue.length > MAX_QUEUED) {
        const over = this.queue.length - MAX_QUEUED;
        this.queue.splice(0, over);
        this.o.count?.('dropped', over);
      }
      this.o.count?.('failed', 1);
      if (!this.failing) {
        this.failing = true;
        this.o.onFailing?.((err as NodeJS.ErrnoException).code ?? 'error');
      }
    }
  }

  /**
   * Appends the lines: one write() on a local file, more only when one lands
   * in part. The bytes of the lines that landed, and the error that stopped
   * the rest (the bytes before it are in the file). When the file's end is
   * unknown and is not an end of line, an end of line goes first.
   */
  private async append(lines: readonly string[]): Promise<{ bytes: number; error?: unknown }> {
    let fh;
    let readable = true;
    try {
      fh = await open(this.o.file, 'a+', 0o640).catch(async (err: NodeJS.ErrnoException) => {
        // A witness the gateway may append to but not read (a shipper's drop file): its end stays unknown.
        if (err.code !== 'EACCES' && err.code !== 'EPERM') throw err;
        readable = false;
        return open(this.o.file, 'a', 0o640);
      });
    } catch (error) {
      return { bytes: 0, error };
    }
    let lead = 0;
    let at = 0;
    try {
      if (this.tailUnknown && readable) {
        const { size } = await fh.stat();
        const last = Buffer.alloc(1);
        if (size > 0 && (await fh.read(last, 0, 1, size - 1)).bytesRead === 1 && last[0] !== 0x0a) lead = 1;
      }
      const buf = Buffer.from((lead ? '\n' : '') + lines.join(''));
      while (at < buf.length) {
        const { bytesWritten } = await fh.write(buf, at, buf.length - at);
        if (bytesWritten === 0) throw new Error('the witness file took no bytes');
        at += bytesWritten;
      }
      this.tailUnknown = false;
      return { bytes: at - lead };
    } catch (error) {
      this.tailUnknown = true;
      return { bytes: Math.max(0, at - lead), error };
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /** Lines waiting to be written. */
  get pending(): number {
    return this.queue.length;
  }

  async close(graceMs = 2000): Promise<void> {
    if (this.failing && !this.draining && this.queue.length > 0) {
      // One last try at shutdown: the shutdown checkpoint is the head the next start must find.
      this.draining = this.writeQueued()
        .catch(() => {})
        .finally(() => (this.draining = undefined));
    }
    if (!this.draining) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.draining, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }
}

/** How many of the first lines `bytes` bytes hold whole. */
function wholeLinesIn(lines: readonly string[], bytes: number): number {
  let at = 0;
  for (let i = 0; i < lines.length; i++) {
    at += Buffer.byteLength(lines[i]!);
    if (at > bytes) return i;
  }
  return lines.length;
}

/** How many of the first lines fit in `max` bytes (at least one). */
function wholeLinesWithin(lines: readonly string[], max: number): number {
  let bytes = 0;
  for (let i = 0; i < lines.length; i++) {
    bytes += Buffer.byteLength(lines[i]!);
    if (bytes > max) return Math.max(1, i);
  }
  return lines.length;
}
