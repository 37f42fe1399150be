// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'load-tests/**', 'coverage/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Shared code must stay typed; see test override below.
      '@typescript-eslint/no-explicit-any': 'error',
    },
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
);
