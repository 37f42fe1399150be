import { z } from 'zod';
import { endpoint } from '../shared/http/endpoint';
import { attemptDto, logsQuery, webhookIdParams } from '../shared/webhooks/schemas';
import { attemptView } from '../shared/webhooks/views';
import { listWebhookLogs } from '../shared/webhooks/webhooks';

endpoint({
  name: 'webhooks-logs',
  route: 'v1/webhooks/{id}/logs',
  methods: ['GET'],
  auth: { scopes: ['webhooks:manage'] },
  params: webhookIdParams,
  query: logsQuery,
  response: z.array(attemptDto),
  paginated: true,
  handler: async ({ principal, params, query }) => {
    const page = await listWebhookLogs(principal.tenantId, params.id, query.limit, query.cursor);
    return { data: page.items.map(attemptView), pagination: { cursor: page.cursor, has_next: page.has_next } };
  },
});
