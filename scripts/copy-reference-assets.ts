/** `npm run build` step: copies Scalar's standalone build (a devDependency) to dist/reference/ for GET /api/docs. */
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_SCRIPT, scalarStandalonePath } from '../src/shared/reference/assets';

const dir = join(__dirname, '..', 'reference');
mkdirSync(dir, { recursive: true });
copyFileSync(scalarStandalonePath(), join(dir, REFERENCE_SCRIPT));
process.stdout.write(`reference: ${REFERENCE_SCRIPT} copied (${Math.round(statSync(join(dir, REFERENCE_SCRIPT)).size / 1024)} KiB)\n`);
