import { z } from 'zod';
import { endpoint } from '../shared/http/endpoint';
import { listApiKeys } from '../shared/identity/api-keys';
import { apiKeyView } from '../shared/identity/records';
import { apiKeyDto, listQuery } from '../shared/identity/schemas';

endpoint({
  name: 'api-keys-list',
  route: 'v1/api-keys',
  methods: ['GET'],
  auth: { scopes: ['keys:manage'] },
  query: listQuery,
  response: z.array(apiKeyDto),
  paginated: true,
  handler: async ({ principal, query }) => {
    const page = await listApiKeys(principal.tenantId, query.limit, query.cursor);
    return { data: page.items.map((k) => apiKeyView(k)), pagination: { cursor: page.cursor, has_next: page.has_next } };
  },
});
