import { createHash } from 'node:crypto';
import { getConfig } from '../shared/config';
import { endpoint } from '../shared/http/endpoint';
import { buildOpenApi } from '../shared/http/openapi';
import { registeredRoutes } from '../shared/http/registry';

/** Built on the first request (every function file has registered by then), then reused. */
let cached: { body: string; etag: string } | undefined;

// GET /api/openapi.json: the OpenAPI 3.1 description of every registered route; public, cached with an ETag.
endpoint({
  name: 'openapi-json',
  route: 'openapi.json',
  methods: ['GET'],
  auth: 'public',
  summary: 'The OpenAPI 3.1 description of this API',
  response: null,
  raw: { contentType: 'application/json', description: 'The OpenAPI 3.1 document.' },
  status: [200, 304],
  handler: ({ request }) => {
    if (!cached) {
      const body = JSON.stringify(buildOpenApi(registeredRoutes(), getConfig().EVA_API_VERSION), null, 2);
      cached = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    }
    const headers = { ETag: cached.etag, 'Cache-Control': 'public, max-age=300' };
    if (request.headers.get('if-none-match') === cached.etag) return { raw: { status: 304, headers } };
    return { raw: { status: 200, headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' }, body: cached.body } };
  },
});
