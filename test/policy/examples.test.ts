// Every example config validates, passes the policy lints and compiles: the
// configs a reader copies must be right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';

for (const f of readdirSync('examples').filter((x) => x.endsWith('.yaml'))) {
  test(`examples/${f} validates, passes the lints and compiles`, () => {
    const loaded = loadConfigFile(join('examples', f));
    assert.deepEqual(
      loaded.lints.filter((l) => l.severity === 'error'),
      [],
    );
    const p = compilePolicy(loaded.config, loaded.file, loaded.lineOf, loaded.config.keys ? { material: false } : {});
    assert.ok(p.partners.length > 0);
  });
}
