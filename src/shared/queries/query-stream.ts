/**
 * POST /v1/spaces/{id}/query?stream=true: the query is recorded (budget and input checked first,
 * so a refusal is still a JSON error), answered right here, and its answer streamed as
 * text/event-stream: `query` (the pending query and its links), `delta` events ({text}) as the
 * answer is generated, one `result` (the finished query: answer, citations, usage), then `done`.
 * A message is scheduled on the `queries` queue for after the answer's worst-case time, so a
 * query whose instance died mid-answer is still answered (a finished one is left alone).
 */
import type { HttpResponseInit } from '@azure/functions';
import { isAppError } from '../core/errors';
import type { Tier } from '../core/principal';
import { sseResponse } from '../http/sse';
import { getLogger } from '../services';
import { answerLeaseMs, answerPendingQuery } from './answering';
import { queryLinks, toQueryDto } from './query-records';
import { submitQuery, type NewQuery } from './queries';

export async function streamQuery(tenantId: string, spaceId: string, input: NewQuery, tier: Tier | undefined): Promise<HttpResponseInit> {
  const record = await submitQuery(tenantId, spaceId, input, { tier, answeredInlineFallbackMs: answerLeaseMs() });
  const links = queryLinks(record.id);
  return sseResponse(
    async (w) => {
      w.send('query', { ...toQueryDto(record), links });
      try {
        const { query } = await answerPendingQuery(record, { onDelta: (text) => w.send('delta', { text }), leaseHeld: true });
        w.send('result', { ...toQueryDto(query), links });
      } catch (e) {
        // An outage mid-answer: the scheduled message answers the query later.
        getLogger().error('streamed answer failed', { query_id: record.id, error: e instanceof Error ? e.message : String(e) });
        const code = isAppError(e) && e.code === 'DEPENDENCY_UNAVAILABLE' ? e.code : 'INTERNAL';
        w.send('error', { error: { code, message: 'The answer could not be completed here; follow the query with its links.' }, links });
      }
      w.send('done', {});
    },
    { Location: links.self },
  );
}
