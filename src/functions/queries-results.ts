import { endpoint } from '../shared/http/endpoint';
import { toQueryDto } from '../shared/queries/query-records';
import { queryIdParams, queryDto } from '../shared/queries/query-schemas';
import { getQuery } from '../shared/queries/queries';

// GET /api/v1/queries/{id}/results: the answer and citations (status pending until they exist).
endpoint({
  name: 'queries-results',
  route: 'v1/queries/{id}/results',
  methods: ['GET'],
  auth: { scopes: ['queries:execute'] },
  params: queryIdParams,
  response: queryDto,
  handler: async ({ principal, params }) => ({ data: toQueryDto(await getQuery(principal.tenantId, params.id)) }),
});
