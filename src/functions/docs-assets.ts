import { z } from 'zod';
import { notFound } from '../shared/core/errors';
import { endpoint } from '../shared/http/endpoint';
import { readReferenceScript, REFERENCE_SCRIPT, REFERENCE_SCRIPT_TYPE } from '../shared/reference/assets';

const assetParams = z.object({ asset: z.string().max(64) });

// GET /api/docs/{asset}: the reference page's script (Scalar's standalone build), served by the app.
endpoint({
  name: 'docs-assets',
  route: 'docs/{asset}',
  methods: ['GET'],
  auth: 'public',
  rateLimited: false,
  summary: 'A static asset of the reference page (its JavaScript)',
  response: null,
  raw: { contentType: 'text/javascript', description: 'The script of the reference page.' },
  params: assetParams,
  handler: async ({ params }) => {
    if (params.asset !== REFERENCE_SCRIPT) throw notFound('Reference file');
    return {
      raw: { status: 200, body: await readReferenceScript(), headers: { 'content-type': REFERENCE_SCRIPT_TYPE, 'cache-control': 'public, max-age=3600' } },
    };
  },
});
