/**
 * The OpenAPI document as committed in openapi.json: every function file loaded (their endpoint()
 * calls fill the route registry), the package version, sorted keys, two-space JSON plus a newline.
 * `npm run openapi` writes it; test/unit/openapi-file.test.ts fails when the committed file differs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFunctionFiles, loadFunctionFiles } from '../local/host';
import { buildOpenApi } from '../src/shared/http/openapi';
import { registeredRoutes } from '../src/shared/http/registry';
import { projectRoot } from '../src/shared/project-root';

export const OPENAPI_FILE = 'openapi.json';

export async function openApiDocumentText(): Promise<string> {
  const root = projectRoot();
  if (registeredRoutes().length === 0) {
    const fromTs = __filename.endsWith('.ts');
    await loadFunctionFiles(listFunctionFiles(fromTs ? join(root, 'src', 'functions') : join(root, 'dist', 'src', 'functions')));
  }
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return `${JSON.stringify(buildOpenApi(registeredRoutes(), version), null, 2)}\n`;
}
