import { getConfig } from '../shared/config';
import { endpoint } from '../shared/http/endpoint';
import { rotateApiKey } from '../shared/identity/api-keys';
import { apiKeyView } from '../shared/identity/records';
import { keyIdParams, rotatedApiKeyDto, rotateKeyBody } from '../shared/identity/schemas';

endpoint({
  name: 'api-keys-rotate',
  route: 'v1/api-keys/{id}/rotate',
  methods: ['POST'],
  auth: { scopes: ['keys:manage'] },
  params: keyIdParams,
  body: rotateKeyBody,
  response: rotatedApiKeyDto,
  status: [201],
  errors: ['CONFLICT'],
  handler: async ({ principal, params, body }) => {
    const grace = body.grace_period_days ?? getConfig().KEY_ROTATION_GRACE_DAYS;
    const r = await rotateApiKey(principal.tenantId, params.id, grace, {
      actor: principal,
      createdBy: principal.keyId ?? principal.subject,
    });
    return {
      status: 201,
      data: { ...apiKeyView(r.record), key: r.key, grace_period_days: grace, old_key_expires_at: r.previous.expiresAt },
      headers: { 'Cache-Control': 'no-store' },
    };
  },
});
