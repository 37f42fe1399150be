import { endpoint } from '../shared/http/endpoint';
import { assertCanGrant, createApiKey } from '../shared/identity/api-keys';
import { apiKeyView } from '../shared/identity/records';
import { apiKeyWithSecretDto, createKeyBody } from '../shared/identity/schemas';

endpoint({
  name: 'api-keys-create',
  route: 'v1/api-keys',
  methods: ['POST'],
  auth: { scopes: ['keys:manage'] },
  body: createKeyBody,
  response: apiKeyWithSecretDto,
  status: [201],
  handler: async ({ principal, body }) => {
    assertCanGrant(principal, body.scopes);
    const { record, key } = await createApiKey({
      tenantId: principal.tenantId,
      name: body.name,
      description: body.description ?? null,
      scopes: body.scopes,
      expiresAt: body.expires_at ? new Date(body.expires_at).toISOString() : null,
      createdBy: principal.keyId ?? principal.subject,
    });
    // The secret is in this response only; it is stored as a hash.
    return { status: 201, data: { ...apiKeyView(record), key }, headers: { 'Cache-Control': 'no-store' } };
  },
});
