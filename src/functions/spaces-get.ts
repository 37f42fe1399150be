import { endpoint } from '../shared/http/endpoint';
import { toSpaceDto } from '../shared/spaces/space-records';
import { spaceDto, spaceIdParams } from '../shared/spaces/space-schemas';
import { getSpace } from '../shared/spaces/spaces';

// GET /api/v1/spaces/{id}: another tenant's space is 404.
endpoint({
  name: 'spaces-get',
  route: 'v1/spaces/{id}',
  methods: ['GET'],
  auth: { scopes: ['spaces:read'] },
  params: spaceIdParams,
  response: spaceDto,
  etag: true,
  handler: async ({ principal, params }) => {
    const space = await getSpace(principal.tenantId, params.id);
    return { data: toSpaceDto(space), etag: space._etag };
  },
});
