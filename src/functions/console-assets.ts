import { z } from 'zod';
import { notFound } from '../shared/core/errors';
import { endpoint } from '../shared/http/endpoint';
import { CONSOLE_ASSETS, readConsoleAsset, type ConsoleAsset } from '../shared/console/assets';

const assetParams = z.object({ asset: z.string().max(64) });
const served = new Set<string>(['console.js', 'console.css', 'web-pubsub-client.js']);

// GET /api/console/{asset}: the console's script, style and the bundled Web PubSub client.
endpoint({
  name: 'console-assets',
  route: 'console/{asset}',
  methods: ['GET'],
  auth: 'public',
  rateLimited: false,
  response: null,
  raw: { contentType: 'application/octet-stream', description: 'A static asset of the console (JavaScript, CSS) with its own Content-Type.' },
  params: assetParams,
  handler: async ({ params }) => {
    if (!served.has(params.asset)) throw notFound('Console file');
    const name = params.asset as ConsoleAsset;
    return { raw: { status: 200, body: await readConsoleAsset(name), headers: { 'content-type': CONSOLE_ASSETS[name], 'cache-control': 'no-cache' } } };
  },
});
