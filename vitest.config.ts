import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // One graphql instance: vite would resolve our `import 'graphql'` to index.mjs while
    // graphql-yoga's native import loads index.js, and graphql refuses types "from another realm".
    // (The built CommonJS app has one instance anyway.)
    alias: [{ find: /^graphql$/, replacement: join(__dirname, 'node_modules/graphql/index.js') }],
  },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'local/**/*.test.ts'],
    // Installs the local host's @azure/functions-core stand-in before any function file loads.
    setupFiles: ['./test/setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
