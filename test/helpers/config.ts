// Config-error assertions shared by the config tests.
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, type ConfigIssue } from '../../src/shared/errors.js';

/** The issues a config is refused with (fails the test when it is accepted). */
export function issuesOf(text: string): ConfigIssue[] {
  try {
    parseConfig(text, 'bad.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues;
  }
  assert.fail('config was accepted');
}

/** 1-based line of the first line containing `needle`. */
export const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
