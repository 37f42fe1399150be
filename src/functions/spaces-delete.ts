import { endpoint } from '../shared/http/endpoint';
import { spaceIdParams } from '../shared/spaces/space-schemas';
import { deleteSpace } from '../shared/documents/space-cleanup';

// DELETE /api/v1/spaces/{id}: the space goes at once; its documents, blobs and chunks in the background.
endpoint({
  name: 'spaces-delete',
  route: 'v1/spaces/{id}',
  methods: ['DELETE'],
  auth: { scopes: ['spaces:write'] },
  params: spaceIdParams,
  ifMatch: true,
  response: null,
  handler: async ({ principal, params, request }) => {
    await deleteSpace(principal.tenantId, params.id, request.headers.get('if-match'));
    return { status: 204 };
  },
});
