import { endpoint } from '../shared/http/endpoint';
import { CONSOLE_ASSETS, readConsoleAsset } from '../shared/console/assets';

// GET /api/console: the live console page (static; the API key is pasted into it, never served).
endpoint({
  name: 'console-page',
  route: 'console',
  methods: ['GET'],
  auth: 'public',
  rateLimited: false,
  response: null,
  raw: { contentType: 'text/html', description: 'The live console page.' },
  handler: async () => ({
    raw: { status: 200, body: await readConsoleAsset('index.html'), headers: { 'content-type': CONSOLE_ASSETS['index.html'], 'cache-control': 'no-cache' } },
  }),
});
