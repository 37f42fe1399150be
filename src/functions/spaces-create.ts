import { endpoint } from '../shared/http/endpoint';
import { toSpaceDto } from '../shared/spaces/space-records';
import { createSpaceBody, spaceDto } from '../shared/spaces/space-schemas';
import { createSpace } from '../shared/spaces/spaces';

// POST /api/v1/spaces: names are unique per tenant (case-insensitive): a taken name is 409.
endpoint({
  name: 'spaces-create',
  route: 'v1/spaces',
  methods: ['POST'],
  auth: { scopes: ['spaces:write'] },
  body: createSpaceBody,
  response: spaceDto,
  status: [201],
  etag: true,
  errors: ['CONFLICT'],
  handler: async ({ principal, body }) => {
    const space = await createSpace(principal.tenantId, body);
    return { status: 201, data: toSpaceDto(space), etag: space._etag, headers: { Location: `/api/v1/spaces/${space.id}` } };
  },
});
