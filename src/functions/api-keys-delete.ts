import { endpoint } from '../shared/http/endpoint';
import { revokeApiKey } from '../shared/identity/api-keys';
import { keyIdParams } from '../shared/identity/schemas';

endpoint({
  name: 'api-keys-delete',
  route: 'v1/api-keys/{id}',
  methods: ['DELETE'],
  auth: { scopes: ['keys:manage'] },
  params: keyIdParams,
  ifMatch: true,
  response: null,
  handler: async ({ principal, params, request }) => {
    await revokeApiKey(principal.tenantId, params.id, request.headers.get('if-match') ?? undefined);
    return { status: 204 };
  },
});
