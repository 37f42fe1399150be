import { endpoint } from '../shared/http/endpoint';
import { apiKeyView, tenantView } from '../shared/identity/records';
import { createdTenantDto, createTenantBody } from '../shared/identity/schemas';
import { createTenant } from '../shared/identity/tenants';

endpoint({
  name: 'admin-tenants-create',
  route: 'v1/admin/tenants',
  methods: ['POST'],
  auth: 'platform_admin',
  body: createTenantBody,
  response: createdTenantDto,
  status: [201],
  errors: ['CONFLICT'],
  handler: async ({ body }) => {
    const { tenant, apiKey } = await createTenant({ ...(body.id ? { id: body.id } : {}), name: body.name, tier: body.tier });
    return {
      status: 201,
      data: { tenant: tenantView(tenant), api_key: { ...apiKeyView(apiKey.record), key: apiKey.key } },
      headers: { 'Cache-Control': 'no-store' },
    };
  },
});
