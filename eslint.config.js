// Lint config: typescript-eslint's recommended rules, plus the few that guard
// this project's own promises (no console logging of request data in src/).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', '**/dist/**', 'node_modules/**', 'test-artifacts/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', fetch: 'readonly', AbortController: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // Only the egress guard may seal a flow as checked (src/pipeline/guard-seal.ts).
    files: ['**/*.ts'],
    ignores: ['src/pipeline/stages/egress-guard.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/guard-seal.js'], importNames: ['sealGuarded'], message: 'only the egress guard stage may seal a flow' }] }],
    },
  },
);
