/**
 * The API reference page (GET /api/docs): Scalar's standalone build reading /api/openapi.json,
 * every byte served by the app (no CDN, works offline). Scalar's own network features are off:
 * no web fonts from fonts.scalar.com, no telemetry, no agent, no proxy (try-it requests go
 * straight to this host). `npm run build` copies the standalone script to dist/reference/ (the
 * package is a devDependency); where that copy is absent (tests, a dev run) it is read from
 * node_modules.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../project-root';

export const REFERENCE_SCRIPT = 'scalar-api-reference.js';
export const REFERENCE_SCRIPT_TYPE = 'text/javascript; charset=utf-8';
export const REFERENCE_PAGE_TYPE = 'text/html; charset=utf-8';

/** Where the standalone build lives in the package (its `browser` build, one file). */
export const scalarStandalonePath = (): string => join(projectRoot(), 'node_modules', '@scalar', 'api-reference', 'dist', 'browser', 'standalone.js');

const configuration = {
  url: '/api/openapi.json',
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  showDeveloperTools: 'never',
  documentDownloadType: 'json',
  hideModels: false,
  defaultOpenFirstTag: true,
};

export const REFERENCE_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>EVA API reference</title>
    <style>body { margin: 0; font-family: system-ui, sans-serif; }</style>
  </head>
  <body>
    <noscript>The reference needs JavaScript; the description itself is at <a href="/api/openapi.json">/api/openapi.json</a>.</noscript>
    <div id="app"></div>
    <script src="/api/docs/${REFERENCE_SCRIPT}"></script>
    <script>Scalar.createApiReference('#app', ${JSON.stringify(configuration)});</script>
  </body>
</html>
`;

let script: Promise<string> | undefined;

export function readReferenceScript(): Promise<string> {
  if (!script) {
    const built = join(projectRoot(), 'dist', 'reference', REFERENCE_SCRIPT);
    script = readFile(existsSync(built) ? built : scalarStandalonePath(), 'utf8');
    // A failure is not cached: the next request tries again.
    script.catch(() => (script = undefined));
  }
  return script;
}
