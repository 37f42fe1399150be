// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'load-tests/**', 'coverage/**'] },
  eslint.configs.recommended,
  // Type-aware rules (floating promises, unsafe any flows, needless assertions) for every
  // TypeScript file the tsconfig covers; plain JS below opts out.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Shared code must stay typed; see test override below.
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Plain JS (console/*.js, scripts/*.mjs, this file) has no type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Plain Node scripts (scripts/audit.mjs).
    files: ['**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
  {
    files: ['test/**/*.ts', 'scripts/bench-*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Test replies are untyped JSON by design (Reply.body in test/helpers/api-call.ts); the
    // contract check validates them against the OpenAPI spec, so the no-unsafe-* family would
    // only demand casts. require-await: async callbacks without await match SDK/handler shapes.
    // Promise rules (no-floating-promises, no-misused-promises, await-thenable) stay on.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
