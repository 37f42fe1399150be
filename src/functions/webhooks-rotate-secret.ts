import { endpoint } from '../shared/http/endpoint';
import { rotatedWebhookDto, webhookIdParams } from '../shared/webhooks/schemas';
import { webhookView } from '../shared/webhooks/views';
import { rotateWebhookSecret } from '../shared/webhooks/webhooks';

endpoint({
  name: 'webhooks-rotate-secret',
  route: 'v1/webhooks/{id}/rotate-secret',
  methods: ['POST'],
  auth: { scopes: ['webhooks:manage'] },
  params: webhookIdParams,
  response: rotatedWebhookDto,
  handler: async ({ principal, params }) => {
    const r = await rotateWebhookSecret(principal.tenantId, params.id);
    return {
      data: { ...webhookView(r.record), secret: r.secret, previous_secret_expires_at: r.previousSecretExpiresAt },
      ...(r.record._etag ? { etag: r.record._etag } : {}),
      headers: { 'Cache-Control': 'no-store' },
    };
  },
});
