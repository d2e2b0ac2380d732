// The fold of the audit's consent records (src/audit/consent-ledger.ts) gives
// what the memory consent store would hold had it taken the same choices live:
// checked against the store itself, event by event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsentLedger, type LedgerEvent } from '../../src/audit/consent-ledger.js';
import { MemoryConsentStore } from '../../src/identity/consent.js';

const N = '+447700900123';
let seq = 0;
const at = (time: number) => ({ node: 'a', seq: ++seq, time });
const choice = (time: number, partner: string, withdrawn: boolean): LedgerEvent => {
  const r = at(time);
  return { kind: 'choice', subjectRef: 'ref', subjectSealed: 's', partner, withdrawn, legalBasis: 'consent', from: r, holding: r };
};
const reassigned = (time: number, when: number): LedgerEvent => {
  const r = at(time);
  return { kind: 'reassigned', subjectRef: 'ref', subjectSealed: 's', at: when, from: r, holding: r };
};

function both(events: LedgerEvent[]): { ledger: ConsentLedger; store: MemoryConsentStore } {
  const ledger = new ConsentLedger();
  const store = new MemoryConsentStore();
  for (const e of events) {
    ledger.apply(e);
    if (e.kind === 'choice') {
      if (e.withdrawn) store.restoreWithdrawal(N, e.partner, e.from.time);
      else void store.set(N, e.partner, true);
    } else store.restoreReassignment(N, e.at);
  }
  return { ledger, store };
}

test('withdrawals, consent given again, reassignments (one ahead of the clock) and a new holder: the same as the live store', async () => {
  const { ledger, store } = both([
    choice(1000, 'agegate', true), // the previous holder
    choice(1100, 'billing', true),
    choice(1200, 'billing', false), // given again
    choice(1300, 'selfcare', true),
    reassigned(2000, 1500), // recorded at 2000 for 1500: drops the three above
    choice(2100, 'legacy-wap', true), // the new holder
    reassigned(2200, 2250), // a little ahead: made before it, recorded after it: stays (as live)
    choice(2210, 'agegate', true),
  ]);
  const s = ledger.subjects.get('ref')!;
  assert.deepEqual([...s.withdrawals.keys()].sort(), [...store.read(N).withdrawn].sort());
  assert.deepEqual([...s.withdrawals.keys()].sort(), ['agegate']);
  assert.deepEqual(s.holder, store.read(N).holder);
  assert.deepEqual(s.holder, { latest: 2250, before: 1500 });
  assert.deepEqual([...s.reassignments.keys()].sort(), [1500, 2250]);
});

test('consent given again on a clean slate keeps nothing; a withdrawal given back leaves no subject', () => {
  const { ledger } = both([choice(1, 'agegate', false), choice(2, 'billing', true), choice(3, 'billing', false)]);
  assert.equal(ledger.subjects.size, 0);
  assert.equal(ledger.events, 3);
});
