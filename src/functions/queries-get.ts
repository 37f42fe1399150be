import { endpoint } from '../shared/http/endpoint';
import { queryLinks, toQueryDto } from '../shared/queries/query-records';
import { queryIdParams, queryWithLinksDto } from '../shared/queries/query-schemas';
import { getQuery } from '../shared/queries/queries';

// GET /api/v1/queries/{id}: the query and, once finished, its answer; another tenant's is 404.
endpoint({
  name: 'queries-get',
  route: 'v1/queries/{id}',
  methods: ['GET'],
  auth: { scopes: ['queries:execute'] },
  params: queryIdParams,
  response: queryWithLinksDto,
  handler: async ({ principal, params }) => {
    const q = await getQuery(principal.tenantId, params.id);
    return { data: { ...toQueryDto(q), links: queryLinks(q.id) } };
  },
});
