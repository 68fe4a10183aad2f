import js from '@eslint/js';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import tseslint from 'typescript-eslint';

/**
 * A hash of every file a file's types can come from: all but the test files (nothing imports a `*.test.ts`), and the
 * TypeScript settings and locked dependencies. `npm run lint`'s cache (`eslint --cache`) keeps a file's result only
 * while its own content and the config are unchanged; type-aware rules also read the types of what the file imports,
 * so the config carries this hash (settings.typesHash): a change to any file but a test file lints every file again,
 * and a change to a test file lints that file.
 */
function typesHash() {
  const root = import.meta.dirname;
  const hash = createHash('sha256');
  const add = (file) => hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      else if (!entry.name.endsWith('.test.ts')) add(file);
    }
  };
  for (const dir of ['functions', 'shared', 'local', 'scripts', 'settings', 'test']) visit(path.join(root, dir));
  for (const file of ['tsconfig.json', 'package-lock.json']) add(path.join(root, file));
  return hash.digest('hex');
}

export default tseslint.config(
  { ignores: ['node_modules/', '.aws-sam/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  // Type-aware rules: floating promises, unsafe `any` flows, needless assertions (typescript-eslint's
  // recommendedTypeChecked), with types from tsconfig.json through the project service.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    settings: { typesHash: typesHash() },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // In tests: jest's `expect(mock.method)` passes methods unbound by design, its asymmetric matchers
  // (`expect.any(String)`, `expect.objectContaining(…)`) are typed `any`, and stand-ins of async APIs are async
  // functions that need not await.
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['**/*.js', '**/*.cjs', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } } },
);
