import { z } from 'zod';
import { endpoint } from '../shared/http/endpoint';
import { tenantView } from '../shared/identity/records';
import { listQuery, tenantDto } from '../shared/identity/schemas';
import { listTenants } from '../shared/identity/tenants';

endpoint({
  name: 'admin-tenants-list',
  route: 'v1/admin/tenants',
  methods: ['GET'],
  auth: 'platform_admin',
  query: listQuery,
  response: z.array(tenantDto),
  paginated: true,
  handler: async ({ query }) => {
    const page = await listTenants(query.limit, query.cursor);
    return { data: page.items.map(tenantView), pagination: { cursor: page.cursor, has_next: page.has_next } };
  },
});
