import { z } from 'zod';
import { endpoint } from '../shared/http/endpoint';
import { toQueryDto } from '../shared/queries/query-records';
import { listQueriesQuery, queryDto } from '../shared/queries/query-schemas';
import { listQueries } from '../shared/queries/queries';
import { spaceIdParams } from '../shared/spaces/space-schemas';

// GET /api/v1/spaces/{id}/queries: the space's question history, newest first, cursor-paginated.
endpoint({
  name: 'queries-list',
  route: 'v1/spaces/{id}/queries',
  methods: ['GET'],
  auth: { scopes: ['queries:execute'] },
  params: spaceIdParams,
  query: listQueriesQuery,
  response: z.array(queryDto),
  paginated: true,
  handler: async ({ principal, params, query }) => {
    const page = await listQueries(principal.tenantId, params.id, query.limit, query.cursor);
    return { data: page.items.map(toQueryDto), pagination: { cursor: page.cursor, has_next: page.has_next } };
  },
});
