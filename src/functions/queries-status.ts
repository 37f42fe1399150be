import { endpoint } from '../shared/http/endpoint';
import { toQueryStatusDto } from '../shared/queries/query-records';
import { queryIdParams, queryStatusDto } from '../shared/queries/query-schemas';
import { getQuery } from '../shared/queries/queries';

// GET /api/v1/queries/{id}/status: the short form for polling.
endpoint({
  name: 'queries-status',
  route: 'v1/queries/{id}/status',
  methods: ['GET'],
  auth: { scopes: ['queries:execute'] },
  params: queryIdParams,
  response: queryStatusDto,
  handler: async ({ principal, params }) => ({ data: toQueryStatusDto(await getQuery(principal.tenantId, params.id)) }),
});
