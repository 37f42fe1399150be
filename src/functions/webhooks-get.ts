import { endpoint } from '../shared/http/endpoint';
import { webhookIdParams } from '../shared/webhooks/schemas';
import { webhookView } from '../shared/webhooks/views';
import { getWebhook } from '../shared/webhooks/webhook-store';

endpoint({
  name: 'webhooks-get',
  route: 'v1/webhooks/{id}',
  methods: ['GET'],
  auth: { scopes: ['webhooks:manage'] },
  params: webhookIdParams,
  handler: async ({ principal, params }) => {
    const record = await getWebhook(principal.tenantId, params.id);
    return { data: webhookView(record), ...(record._etag ? { etag: record._etag } : {}) };
  },
});
