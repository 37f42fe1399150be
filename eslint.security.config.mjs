// @ts-check
// Security lint rules (eslint-plugin-security) for the deployed code, src/: `npm run security`
// runs this with --max-warnings 0. local/, scripts/ and test/ are development-only and never
// deployed. Each rule or file turned off below was reviewed; the reason is beside it.
import security from 'eslint-plugin-security';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'load-tests/**', 'coverage/**', 'local/**', 'scripts/**', 'test/**', 'console/**'] },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    // typescript-eslint is loaded only so inline disables naming its rules resolve here.
    plugins: { security, '@typescript-eslint': tseslint.plugin },
    // The main config's inline disables (no-control-regex ...) are not this config's business.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      ...security.configs.recommended.rules,
      // Flags every obj[key]: ~90 hits, all on keys typed by TypeScript unions or validated by zod
      // first. Prototype pollution is covered by strict schemas (unknown fields rejected).
      'security/detect-object-injection': 'off',
    },
  },
  {
    // Reviewed: the paths are the project root joined with a fixed asset name (a TypeScript union).
    // run-in-worker.ts: the worker script beside the module, or its bundle under node_modules/.cache
    // named by its own hash; no part of either path comes from a request.
    // reference/assets.ts: the project root joined with fixed names (the reference page's one script).
    files: ['src/shared/console/assets.ts', 'src/shared/project-root.ts', 'src/shared/extraction/run-in-worker.ts', 'src/shared/reference/assets.ts'],
    rules: { 'security/detect-non-literal-fs-filename': 'off' },
  },
  {
    // Reviewed: anchored patterns whose repeated groups start with a literal '.' or ':' (linear time),
    // applied to headers already bounded in length.
    // cited-answer.ts: every repetition of the citation patterns starts with a literal ',', ';' or '['
    // (linear), and the marker text is at most MAX_MARKER characters.
    files: ['src/shared/core/event-filter.ts', 'src/shared/http/authenticate.ts', 'src/shared/core/cited-answer.ts'],
    rules: { 'security/detect-unsafe-regex': 'off' },
  },
  {
    // Reviewed: the flagged lines compare route kinds and test presence; the admin key itself is
    // compared with constantTimeEqual (crypto.timingSafeEqual).
    // persisted.ts compares a client-sent sha256 of a client-sent query: nothing secret to time.
    files: ['src/shared/http/authenticate.ts', 'src/shared/graphql/persisted.ts'],
    rules: { 'security/detect-possible-timing-attacks': 'off' },
  },
);
