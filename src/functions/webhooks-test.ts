import { endpoint } from '../shared/http/endpoint';
import { attemptDto, webhookIdParams } from '../shared/webhooks/schemas';
import { attemptView } from '../shared/webhooks/views';
import { sendTestEvent } from '../shared/webhooks/webhooks';

endpoint({
  name: 'webhooks-test',
  route: 'v1/webhooks/{id}/test',
  methods: ['POST'],
  auth: { scopes: ['webhooks:manage'] },
  params: webhookIdParams,
  response: attemptDto,
  handler: async ({ principal, params }) => {
    // 200 with the attempt whatever the receiver answered: the test ran; `success` says how it went.
    return { data: attemptView(await sendTestEvent(principal.tenantId, params.id)) };
  },
});
