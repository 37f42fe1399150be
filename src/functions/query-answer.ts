import { app } from '@azure/functions';
import { z } from 'zod';
import { QUEUES } from '../shared/ports';
import { answerQuery } from '../shared/queries/queries';
import { getLogger } from '../shared/services';

const message = z.object({ tenant_id: z.string().min(1), query_id: z.string().min(1) });

// Answers a submitted question (queue `queries`, sent by queries-submit). A redelivery finds the
// query finished and does nothing; a throw (an outage) makes the queue redeliver, then dead-letter.
app.serviceBusQueue('query-answer', {
  queueName: QUEUES.queries,
  connection: 'SERVICE_BUS_CONNECTION_STRING',
  handler: async (body) => {
    const parsed = message.safeParse(body);
    if (!parsed.success) {
      getLogger().error('query-answer: malformed message dropped');
      return;
    }
    const outcome = await answerQuery(parsed.data.tenant_id, parsed.data.query_id);
    getLogger().info('query answering finished', { query_id: parsed.data.query_id, outcome });
  },
});
