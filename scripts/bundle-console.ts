/** `npm run build` step: writes the browser build of @azure/web-pubsub-client for the console to dist/console/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWebPubSubClient } from '../src/shared/console/assets';

void (async () => {
  const dir = join(__dirname, '..', 'console');
  mkdirSync(dir, { recursive: true });
  const js = await bundleWebPubSubClient();
  writeFileSync(join(dir, 'web-pubsub-client.js'), js);
  process.stdout.write(`console: web-pubsub-client.js bundled (${Math.round(js.length / 1024)} KiB)\n`);
})();
