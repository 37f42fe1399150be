import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'local/**/*.test.ts'],
    // Installs the local host's @azure/functions-core stand-in before any function file loads.
    setupFiles: ['./test/setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
