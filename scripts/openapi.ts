/** `npm run openapi`: writes openapi.json at the project root from the route registry. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/shared/project-root';
import { OPENAPI_FILE, openApiDocumentText } from './openapi-document';

void (async () => {
  process.env.LOG_LEVEL ??= 'silent';
  const text = await openApiDocumentText();
  writeFileSync(join(projectRoot(), OPENAPI_FILE), text);
  process.stdout.write(`${OPENAPI_FILE}: ${Math.round(text.length / 1024)} KiB written\n`);
})();
