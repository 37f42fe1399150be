import { endpoint } from '../shared/http/endpoint';
import { webhookIdParams } from '../shared/webhooks/schemas';
import { removeWebhook } from '../shared/webhooks/webhooks';

endpoint({
  name: 'webhooks-delete',
  route: 'v1/webhooks/{id}',
  methods: ['DELETE'],
  auth: { scopes: ['webhooks:manage'] },
  params: webhookIdParams,
  ifMatch: true,
  response: null,
  handler: async ({ principal, params, request }) => {
    await removeWebhook(principal.tenantId, params.id, request.headers.get('if-match'));
    return { status: 204 };
  },
});
