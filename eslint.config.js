// ESLint flat config: typescript-eslint with type information, and the layer rules of
// DESIGN.md as import boundaries (import-x resolves each import to its file, so a rule names
// folders, not the spelling of a relative path).
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Every top-level part of src/ but `keep`: what a layer that may import only `keep` must not reach. */
const PARTS = [
  'auth',
  'bus',
  'cli',
  'client',
  'composition',
  'core',
  'http',
  'protocol',
  'services',
  'shared',
  'store',
  'web',
  'config.ts',
  'server.ts',
  'wiring.ts',
  'main.ts',
  'cluster.ts',
  'ipc-request.ts',
];
const allBut = (...keep) => PARTS.filter((p) => !keep.includes(p)).map((p) => `./src/${p}`);

const CORE = 'core/ knows no adapter: only protocol/, shared/ and the types of store/ and auth/.';

/** The layers (DESIGN.md "Import rules worth keeping"), as import-x zones: `target` may not import `from`. */
const zones = [
  { target: './src/protocol', from: allBut('protocol'), message: 'protocol/ imports nothing: it is the wire contract shared with the browser.' },
  { target: './src/shared', from: allBut('shared'), message: 'shared/ is the kernel (Logger, AppError, Election): it imports nothing.' },
  { target: './src/client', from: allBut('client', 'protocol'), message: 'client/ imports only protocol/: it runs in the browser and in Node.' },
  { target: './src/web', from: allBut('web', 'client', 'protocol'), message: 'web/ (the page) imports only client/ and protocol/.' },
  { target: './src/core', from: allBut('core', 'protocol', 'shared', 'store', 'auth'), message: CORE },
  { target: './src/core', from: ['./src/store/!(types.ts)', './src/auth/!(principal.ts)'], message: CORE },
  {
    target: ['./src/services', './src/store', './src/bus', './src/auth'],
    from: [
      './src/core',
      './src/http',
      './src/cli',
      './src/web',
      './src/composition',
      './src/server.ts',
      './src/wiring.ts',
      './src/main.ts',
      './src/cluster.ts',
    ],
    message: 'services/, store/, bus/ and auth/ sit below the hub and the edge: they never import them.',
  },
  {
    target: './src/!(core)/**',
    from: './src/core/!(index.ts)',
    message: 'outside core/, import the core through its public entry, core/index.ts.',
  },
  {
    target: ['./src/!(server.ts|wiring.ts|cluster.ts)', './src/!(store|bus)/**'],
    from: ['./src/store/!(types.ts)', './src/bus/!(types.ts)'],
    message: 'only the composition root (server.ts, wiring.ts, cluster.ts) picks a concrete store or bus.',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver': undefined,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // Interfaces return promises; an implementation with nothing to await is still async by contract.
      '@typescript-eslint/require-await': 'off',
      // Methods are passed as callbacks on purpose where the class's prototype holds the behaviour (ws-session.ts).
      '@typescript-eslint/unbound-method': 'off',
      // String(value) of an unknown is how this codebase prints what it has already checked is no object.
      '@typescript-eslint/no-base-to-string': 'off',
      // The CLI and its tests match control characters on purpose (terminal escapes).
      'no-control-regex': 'off',
      // It disagrees with tsc where an assertion narrows for an overload (app.ts's logger, pg's parsers).
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // Small files and functions (issue "Core structure"): blank lines and comments do not count.
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      'import-x/no-restricted-paths': ['error', { zones }],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'ws', message: "only http/ (and the CLI's Node socket) knows the WebSocket library.", allowTypeImports: false },
            { name: 'fastify', message: 'only http/ knows the web framework.', allowTypeImports: true },
          ],
          patterns: [{ group: ['@fastify/*'], message: 'only http/ knows the web framework.' }],
        },
      ],
    },
  },
  { files: ['src/http/**/*.ts', 'src/cli/node-socket.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    // Tests, benchmarks and scripts may reach anything; they are held to the type rules only.
    files: ['test/**/*.ts', 'test/**/*.mjs', 'bench/**/*.mjs', 'scripts/**/*.mjs', 'examples/**/*.mjs', '*.js', '*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'import-x/no-restricted-paths': 'off',
      // Tests read frames with JSON.parse and poke at them; the assertions are the type check there.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
);
