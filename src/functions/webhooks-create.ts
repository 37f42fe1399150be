import { endpoint } from '../shared/http/endpoint';
import { webhookBody, webhookWithSecretDto } from '../shared/webhooks/schemas';
import { webhookView } from '../shared/webhooks/views';
import { createWebhook } from '../shared/webhooks/webhooks';

endpoint({
  name: 'webhooks-create',
  route: 'v1/webhooks',
  methods: ['POST'],
  auth: { scopes: ['webhooks:manage'] },
  body: webhookBody,
  response: webhookWithSecretDto,
  status: [201],
  handler: async ({ principal, body }) => {
    const { record, secret } = await createWebhook(principal.tenantId, body);
    // The signing secret is shown here and at rotation only.
    return {
      status: 201,
      data: { ...webhookView(record), secret },
      ...(record._etag ? { etag: record._etag } : {}),
      headers: { Location: `/api/v1/webhooks/${record.id}`, 'Cache-Control': 'no-store' },
    };
  },
});
