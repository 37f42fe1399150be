import { endpoint } from '../shared/http/endpoint';
import { toSpaceDto } from '../shared/spaces/space-records';
import { patchSpaceBody, spaceDto, spaceIdParams } from '../shared/spaces/space-schemas';
import { updateSpace } from '../shared/spaces/spaces';

// PATCH /api/v1/spaces/{id}: changes only the fields given; If-Match honoured (412 when stale).
endpoint({
  name: 'spaces-update',
  route: 'v1/spaces/{id}',
  methods: ['PATCH'],
  auth: { scopes: ['spaces:write'] },
  params: spaceIdParams,
  body: patchSpaceBody,
  ifMatch: true,
  response: spaceDto,
  etag: true,
  errors: ['CONFLICT'],
  handler: async ({ principal, params, body, request }) => {
    const space = await updateSpace(principal.tenantId, params.id, body, 'merge', request.headers.get('if-match'));
    return { data: toSpaceDto(space), etag: space._etag };
  },
});
