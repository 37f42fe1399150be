import { endpoint } from '../shared/http/endpoint';
import { webhookBody, webhookDto, webhookIdParams } from '../shared/webhooks/schemas';
import { webhookView } from '../shared/webhooks/views';
import { updateWebhook } from '../shared/webhooks/webhooks';

endpoint({
  name: 'webhooks-update',
  route: 'v1/webhooks/{id}',
  methods: ['PUT'],
  auth: { scopes: ['webhooks:manage'] },
  params: webhookIdParams,
  body: webhookBody,
  ifMatch: true,
  response: webhookDto,
  etag: true,
  handler: async ({ principal, params, body, request }) => {
    const record = await updateWebhook(principal.tenantId, params.id, body, request.headers.get('if-match'));
    return { data: webhookView(record), ...(record._etag ? { etag: record._etag } : {}) };
  },
});
