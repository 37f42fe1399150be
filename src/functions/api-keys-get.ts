import { endpoint } from '../shared/http/endpoint';
import { readApiKeyOnce } from '../shared/identity/api-keys';
import { apiKeyEtag, apiKeyView } from '../shared/identity/records';
import { apiKeyReadDto, keyIdParams } from '../shared/identity/schemas';

endpoint({
  name: 'api-keys-get',
  route: 'v1/api-keys/{id}',
  methods: ['GET'],
  auth: { scopes: ['keys:manage'] },
  params: keyIdParams,
  response: apiKeyReadDto,
  etag: true,
  handler: async ({ principal, params }) => {
    // A successor minted by the rotation timer carries its secret in this response, once (to a reader
    // holding its scopes).
    const { record, key } = await readApiKeyOnce(principal.tenantId, params.id, principal);
    const data = key ? { ...apiKeyView(record), key } : apiKeyView(record);
    return { data, etag: apiKeyEtag(record), headers: { 'Cache-Control': 'no-store' } };
  },
});
