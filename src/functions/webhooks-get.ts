import { endpoint } from '../shared/http/endpoint';
import { webhookDetailDto, webhookIdParams } from '../shared/webhooks/schemas';
import { healthView, webhookView } from '../shared/webhooks/views';
import { getWebhookWithHealth } from '../shared/webhooks/webhooks';

endpoint({
  name: 'webhooks-get',
  route: 'v1/webhooks/{id}',
  methods: ['GET'],
  auth: { scopes: ['webhooks:manage'] },
  params: webhookIdParams,
  response: webhookDetailDto,
  etag: true,
  handler: async ({ principal, params }) => {
    const { record, health } = await getWebhookWithHealth(principal.tenantId, params.id);
    return { data: { ...webhookView(record), ...healthView(health) }, ...(record._etag ? { etag: record._etag } : {}) };
  },
});
