import { endpoint } from '../shared/http/endpoint';
import { replayBody, replayResultDto, webhookIdParams } from '../shared/webhooks/schemas';
import { replayWebhook } from '../shared/webhooks/replay';

endpoint({
  name: 'webhooks-replay',
  route: 'v1/webhooks/{id}/replay',
  methods: ['POST'],
  auth: { scopes: ['webhooks:manage'] },
  params: webhookIdParams,
  body: replayBody,
  response: replayResultDto,
  status: [202],
  handler: async ({ principal, params, body }) => ({ status: 202, data: await replayWebhook(principal.tenantId, params.id, body) }),
});
