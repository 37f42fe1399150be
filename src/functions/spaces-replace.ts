import { endpoint } from '../shared/http/endpoint';
import { toSpaceDto } from '../shared/spaces/space-records';
import { replaceSpaceBody, spaceDto, spaceIdParams } from '../shared/spaces/space-schemas';
import { updateSpace } from '../shared/spaces/spaces';

// PUT /api/v1/spaces/{id}: replaces name, description and metadata; If-Match honoured (412 when stale).
endpoint({
  name: 'spaces-replace',
  route: 'v1/spaces/{id}',
  methods: ['PUT'],
  auth: { scopes: ['spaces:write'] },
  params: spaceIdParams,
  body: replaceSpaceBody,
  ifMatch: true,
  response: spaceDto,
  etag: true,
  errors: ['CONFLICT'],
  handler: async ({ principal, params, body, request }) => {
    const space = await updateSpace(principal.tenantId, params.id, body, 'replace', request.headers.get('if-match'));
    return { data: toSpaceDto(space), etag: space._etag };
  },
});
