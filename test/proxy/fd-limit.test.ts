// The connection cap against the open-file limit: "auto" stays below what the
// process may open; an explicit cap the limit cannot hold is named, with the
// setting to change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFileLimit, openFileLimit } from '../../src/proxy/fd-limit.js';

test('auto leaves a reserve below the limit; unlimited means no cap', () => {
  assert.deepEqual(checkFileLimit('auto', 20000), { soft: 20000, maxConnections: 18976, needed: 20000 });
  assert.equal(checkFileLimit('auto', 1024).maxConnections, 256);
  assert.equal(checkFileLimit('auto', Number.POSITIVE_INFINITY).maxConnections, 0);
});

test('an explicit cap the limit cannot hold is kept and explained', () => {
  const r = checkFileLimit(50000, 20000);
  assert.equal(r.maxConnections, 50000);
  assert.match(
    r.problem!,
    /the open-file limit is 20000 but proxy\.limits\.maxConnections 50000 needs about 51024 descriptors: raise it \(systemd: LimitNOFILE=51024; shell: ulimit -n 51024\)/,
  );
  assert.equal(checkFileLimit(10000, 20000).problem, undefined);
  assert.equal(checkFileLimit(0, 100).problem, undefined, '0: no cap, nothing to check');
});

test('this process reads its own limit', () => {
  const soft = openFileLimit();
  if (process.platform === 'linux') assert.ok(soft === Number.POSITIVE_INFINITY || (soft !== undefined && soft > 0));
});
