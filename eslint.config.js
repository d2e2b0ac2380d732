// Lint config: typescript-eslint's recommended rules, plus the few that guard
// this project's own promises (no console logging of request data in src/,
// only the egress guard seals a flow, and the layers of src/ below).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layers of src/ (docs/architecture.md, "Layers"). A folder may import
// only folders of a LOWER rank: wiring on top, domain folders in the middle,
// the shared toolbox at the bottom; two folders of one rank never import each
// other, so no import cycle between folders can form. A new capability is a
// new folder: give it a rank above everything it uses (and below node/ when
// node/ wires it in). A folder missing from this table may import any ranked
// folder except node/ and cli/. Code lives in a folder: the one file at the
// root of src/ is index.ts, the package's public API, which sits above the
// table like cli/ (its own block below lets it import any folder).
export const LAYERS = {
  cli: 10, //        commands: parse arguments, call the layers below
  node: 9, //        composition: one gateway node (startGateway), reload, cluster processes
  canary: 8,
  transparency: 8,
  frontdoor: 8,
  admin: 8,
  proxy: 7,
  audit: 7,
  pipeline: 6,
  scan: 6,
  policy: 5,
  checker: 5,
  cluster: 5,
  keys: 4,
  identity: 4,
  leaks: 4,
  config: 3,
  detect: 3,
  subscriber: 2,
  alerts: 2,
  demo: 2,
  destination: 2,
  shared: 1, //      the toolbox: errors, log, access log, metrics, HTTP and address helpers
};

// The benchmark's guard-off row (bench/rows/egress-guard.mjs) also seals, to
// measure the guard's cost; it loads dist/ at run time, out of this rule's sight.
const SEAL = { group: ['**/guard-seal.js'], importNames: ['sealGuarded'], message: 'only the egress guard stage may seal a flow' };

/** One no-restricted-imports block per ranked folder (the rule's options do not merge across blocks, so each carries SEAL too). */
function layerRules() {
  const folders = Object.keys(LAYERS);
  const blocked = (names, why) => names.map((n) => ({ group: [`**/${n}/*`, `**/${n}/**`], message: why(n) }));
  const blocks = folders.map((f) => {
    const above = folders.filter((g) => g !== f && LAYERS[g] >= LAYERS[f]);
    return {
      files: [`src/${f}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              SEAL,
              ...blocked(
                above,
                (g) => `layers: src/${f}/ (rank ${LAYERS[f]}) may not import src/${g}/ (rank ${LAYERS[g]}); see LAYERS in eslint.config.js and docs/architecture.md`,
              ),
            ],
          },
        ],
      },
    };
  });
  // Folders not in the table: at least never the wiring or the commands.
  blocks.unshift({
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [SEAL, ...blocked(['node', 'cli'], (g) => `layers: only the composition layer may import src/${g}/`)] }] },
  });
  return blocks;
}

export default tseslint.config(
  { ignores: ['dist/**', '**/dist/**', 'node_modules/**', 'test-artifacts/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        performance: 'readonly',
      },
    },
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
    rules: { 'no-restricted-imports': ['error', { patterns: [SEAL] }] },
  },
  ...layerRules(),
  {
    // The package entry (package.json "."): the public API, on top like cli/ —
    // it may import any folder (only the seal stays banned).
    files: ['src/index.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [SEAL] }] },
  },
  {
    // The guard itself: the pipeline's layer rule without the seal ban.
    files: ['src/pipeline/stages/egress-guard.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: layerRules()
            .find((b) => b.files[0] === 'src/pipeline/**/*.ts')
            .rules['no-restricted-imports'][1].patterns.filter((p) => p !== SEAL),
        },
      ],
    },
  },
);
