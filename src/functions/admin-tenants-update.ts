import { endpoint } from '../shared/http/endpoint';
import { tenantView } from '../shared/identity/records';
import { tenantDto, tenantIdParams, updateTenantBody } from '../shared/identity/schemas';
import { updateTenant } from '../shared/identity/tenants';

endpoint({
  name: 'admin-tenants-update',
  route: 'v1/admin/tenants/{id}',
  methods: ['PATCH'],
  auth: 'platform_admin',
  params: tenantIdParams,
  body: updateTenantBody,
  ifMatch: true,
  response: tenantDto,
  etag: true,
  handler: async ({ params, body, request }) => {
    // Disabling takes effect at once on this instance, within API_KEY_CACHE_SECONDS on others.
    const t = await updateTenant(params.id, body, request.headers.get('if-match') ?? undefined);
    return { data: tenantView(t), ...(t._etag ? { etag: t._etag } : {}) };
  },
});
