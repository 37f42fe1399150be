import { z } from 'zod';
import { endpoint } from '../shared/http/endpoint';
import { listQuery, webhookDto } from '../shared/webhooks/schemas';
import { webhookView } from '../shared/webhooks/views';
import { listWebhooks } from '../shared/webhooks/webhooks';

endpoint({
  name: 'webhooks-list',
  route: 'v1/webhooks',
  methods: ['GET'],
  auth: { scopes: ['webhooks:manage'] },
  query: listQuery,
  response: z.array(webhookDto),
  paginated: true,
  handler: async ({ principal, query }) => {
    const page = await listWebhooks(principal.tenantId, query.limit, query.cursor);
    return { data: page.items.map(webhookView), pagination: { cursor: page.cursor, has_next: page.has_next } };
  },
});
