// Schema problems in words a person understands. zod's defaults ("Invalid
// input: expected string, received undefined") describe the validator, not the
// file; messages the schema sets itself (custom refinements) are kept as they are.
import type { z } from 'zod';
import { closest } from './suggest.js';

const KIND: Record<string, string> = { string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false', array: 'a list', object: 'a map of keys' };

function describe(v: unknown): string {
  if (v === null) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map of keys';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'true or false';
  return typeof v;
}

export function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

export function issueText(issue: z.core.$ZodIssue, data: unknown): string {
  const path = issue.path;
  const key = path[path.length - 1];
  switch (issue.code) {
    case 'invalid_type': {
      const actual = valueAt(data, path);
      const wanted = KIND[issue.expected] ?? issue.expected;
      if (actual === undefined) return typeof key === 'string' ? `missing required key \`${key}\` (${wanted})` : `missing value (${wanted})`;
      // A fraction where a whole number is wanted is said (10.5); no other value is echoed: where text is
      // wanted a number may be a subscriber's (msisdn: 447700900123 unquoted).
      return `expected ${wanted}, found ${issue.expected === 'int' && typeof actual === 'number' ? String(actual) : describe(actual)}`;
    }
    case 'invalid_value': {
      const expected =
        issue.message.startsWith('Invalid option') || issue.message.startsWith('Invalid input')
          ? `expected ${issue.values.length === 1 ? String(issue.values[0]) : `one of ${issue.values.map(String).join(', ')}`}`
          : issue.message;
      return expected + foundValue(valueAt(data, path), issue.values.map(String));
    }
    case 'too_small':
      if (!issue.message.startsWith('Too small')) return issue.message;
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `needs at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return `needs at least ${issue.minimum} item(s)`;
      return `must be at least ${issue.minimum}${issue.inclusive ? '' : ' (exclusive)'}`;
    case 'too_big':
      if (!issue.message.startsWith('Too big')) return issue.message;
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `takes at most ${issue.maximum} item(s)`;
      return `must be at most ${issue.maximum}`;
    case 'invalid_format':
      return issue.message.startsWith('Invalid') ? `not in the expected format${issue.format === 'regex' ? '' : ` (${issue.format})`}` : issue.message;
    default:
      return issue.message;
  }
}

/**
 * ' (found "consnet"; did you mean "consent"?)' for a word outside a fixed set of values. Only a word is
 * echoed — a letter, then letters, digits, ".", "_" or "-", as the names on such lists are (a mode, a form, a
 * legal basis) — never a value that could be a number, an address or a secret put in the wrong key
 * ("+447700900123", "10.1.2.3"): `hedge start` writes these messages to its log.
 */
const ECHOED_WORD = /^[A-Za-z][A-Za-z0-9._-]{0,39}$/;

function foundValue(actual: unknown, allowed: readonly string[]): string {
  if (typeof actual !== 'string' || !ECHOED_WORD.test(actual)) return '';
  const meant = closest(actual, allowed);
  return ` (found "${actual}"${meant ? `; did you mean "${meant}"?` : ''})`;
}
