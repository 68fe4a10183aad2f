import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.aws-sam/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  // Type-aware rules: floating promises, unsafe `any` flows, needless assertions (typescript-eslint's
  // recommendedTypeChecked), with types from tsconfig.json through the project service.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
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
