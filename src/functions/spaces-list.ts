import { z } from 'zod';
import { endpoint } from '../shared/http/endpoint';
import { toSpaceDto } from '../shared/spaces/space-records';
import { listSpacesQuery, spaceDto } from '../shared/spaces/space-schemas';
import { listSpacesPage } from '../shared/spaces/spaces';

// GET /api/v1/spaces: the tenant's spaces, cursor-paginated; newest first unless sorted by name.
endpoint({
  name: 'spaces-list',
  route: 'v1/spaces',
  methods: ['GET'],
  auth: { scopes: ['spaces:read'] },
  query: listSpacesQuery,
  response: z.array(spaceDto),
  paginated: true,
  handler: async ({ principal, query }) => {
    const page = await listSpacesPage(principal.tenantId, {
      limit: query.limit,
      cursor: query.cursor,
      prefix: query.name_prefix,
      sort: query.sort,
      order: query.order ?? (query.sort === 'name' ? 'asc' : 'desc'),
    });
    return { data: page.items.map(toSpaceDto), pagination: { cursor: page.cursor, has_next: page.has_next } };
  },
});
