// The primary's binding hub under --workers: a worker saying hello gets a
// snapshot; a change counts as done only once every worker acknowledged it
// (so a RADIUS answer or an admin 201 means every worker can use it); a worker
// that exits is not waited for, one that does not acknowledge in time is
// restarted. The test plays the workers' side of src/cluster/protocol.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:cluster';
import { BindingHub } from '../../src/cluster/binding-hub.js';
import type { PrimaryToWorker } from '../../src/cluster/protocol.js';
import { silentLogger } from '../../src/shared/log.js';
import { waitFor } from '../helpers/wait.js';

/** A worker as the hub sees it: an id, an IPC channel, a process it may kill. */
function worker(id: number) {
  const inbox: PrimaryToWorker[] = [];
  const killed: string[] = [];
  const w = { id, isConnected: () => true, send: (m: PrimaryToWorker) => inbox.push(m), process: { kill: (sig: string) => killed.push(sig) } };
  return { w: w as unknown as Worker, inbox, killed };
}

const rec = (ip: string, msisdn: string) => ({ ip, subscriber: { msisdn } });
const applies = (inbox: PrimaryToWorker[]) => inbox.filter((m): m is Extract<PrimaryToWorker, { t: 'hedge:bind-apply' }> => m.t === 'hedge:bind-apply');

test('hello → snapshot of what the primary holds', async () => {
  const hub = new BindingHub(silentLogger);
  await hub.set(rec('10.0.0.1', '+447700900001')); // no worker yet: done at once
  const a = worker(1);
  hub.onMessage(a.w, { t: 'hedge:bind-hello' });
  assert.deepEqual(a.inbox, [{ t: 'hedge:bind-snapshot', records: [rec('10.0.0.1', '+447700900001')] }]);
  hub.close();
});

test('a change is done only when every worker has acknowledged it; changes in one tick travel as one batch', async () => {
  const hub = new BindingHub(silentLogger);
  const a = worker(1);
  const b = worker(2);
  hub.onMessage(a.w, { t: 'hedge:bind-hello' });
  hub.onMessage(b.w, { t: 'hedge:bind-hello' });
  let done = 0;
  const p1 = hub.set(rec('10.0.0.2', '+447700900002')).then(() => done++);
  const p2 = hub.remove('10.0.0.2').then(() => done++);
  const [batch] = await waitFor('the batch at both workers', () => applies(a.inbox).length === 1 && applies(b.inbox).length === 1 && applies(a.inbox));
  assert.deepEqual(batch!.effects, [{ set: rec('10.0.0.2', '+447700900002') }, { del: '10.0.0.2' }]);
  hub.onMessage(a.w, { t: 'hedge:bind-ack', seq: batch!.seq });
  await new Promise((r) => setImmediate(r));
  assert.equal(done, 0, 'one acknowledgement is not enough');
  hub.onMessage(b.w, { t: 'hedge:bind-ack', seq: batch!.seq });
  await Promise.all([p1, p2]);
  assert.equal(done, 2);
  hub.close();
});

test('a worker that exits is not waited for; one that does not acknowledge in time is restarted', async () => {
  const hub = new BindingHub(silentLogger, 100);
  const a = worker(1);
  const b = worker(2);
  hub.onMessage(a.w, { t: 'hedge:bind-hello' });
  hub.onMessage(b.w, { t: 'hedge:bind-hello' });
  const set = hub.set(rec('10.0.0.3', '+447700900003'));
  const [batch] = await waitFor('the batch', () => applies(a.inbox).length === 1 && applies(a.inbox));
  hub.onMessage(a.w, { t: 'hedge:bind-ack', seq: batch!.seq });
  hub.detach(2);
  await set;
  assert.deepEqual(b.killed, []);

  const c = worker(3);
  hub.onMessage(c.w, { t: 'hedge:bind-hello' });
  const stuck = hub.set(rec('10.0.0.4', '+447700900004')); // neither a nor c acknowledges
  await waitFor('the silent workers restarted', () => a.killed.length > 0 && c.killed.length > 0);
  await stuck; // resolved by the timeout
  assert.deepEqual(a.killed, ['SIGKILL']);
  assert.deepEqual(c.killed, ['SIGKILL']);
  assert.equal(hub.lookup('10.0.0.4')?.msisdn, '+447700900004', 'the primary holds it whatever the workers do');
  hub.close();
});

test('a worker asking for an operation the store does not have gets an error, nothing else happens', async () => {
  const hub = new BindingHub(silentLogger);
  const a = worker(1);
  hub.onMessage(a.w, { t: 'hedge:bind-hello' });
  hub.onMessage(a.w, { t: 'hedge:bind-op', id: 7, op: 'close' as never, args: [] });
  assert.deepEqual(a.inbox.at(-1), { t: 'hedge:bind-result', id: 7, error: { message: 'unknown store operation' } });
  assert.equal(hub.size(), 0);
  hub.close();
});
