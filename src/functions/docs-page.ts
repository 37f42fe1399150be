import { endpoint } from '../shared/http/endpoint';
import { REFERENCE_PAGE, REFERENCE_PAGE_TYPE } from '../shared/reference/assets';

// GET /api/docs: the interactive API reference (Scalar), reading /api/openapi.json; no CDN.
endpoint({
  name: 'docs-page',
  route: 'docs',
  methods: ['GET'],
  auth: 'public',
  rateLimited: false,
  summary: 'The API reference page (HTML)',
  response: null,
  raw: { contentType: 'text/html', description: 'The reference page; it loads /api/docs/scalar-api-reference.js and /api/openapi.json.' },
  handler: () => ({ raw: { status: 200, body: REFERENCE_PAGE, headers: { 'content-type': REFERENCE_PAGE_TYPE, 'cache-control': 'no-cache' } } }),
});
