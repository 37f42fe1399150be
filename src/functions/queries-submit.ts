import { getConfig } from '../shared/config';
import { endpoint } from '../shared/http/endpoint';
import { enableHttpStreaming } from '../shared/http/sse';
import { streamQuery } from '../shared/queries/query-stream';
import { queryLinks, toQueryDto } from '../shared/queries/query-records';
import { submitQueryBody, submitQueryQuery, queryWithLinksDto } from '../shared/queries/query-schemas';
import { submitQuery, waitForQuery } from '../shared/queries/queries';
import { spaceIdParams } from '../shared/spaces/space-schemas';

// POST /api/v1/spaces/{id}/query: records a question and queues it (202 + links);
// ?wait=true waits up to QUERY_WAIT_SECONDS and answers 200 with the finished query when ready;
// ?stream=true answers it here, streaming text/event-stream (query, delta…, result, done).
enableHttpStreaming();
endpoint({
  name: 'queries-submit',
  route: 'v1/spaces/{id}/query',
  methods: ['POST'],
  auth: { scopes: ['queries:execute'] },
  params: spaceIdParams,
  query: submitQueryQuery,
  body: submitQueryBody,
  response: queryWithLinksDto,
  status: [202, 200],
  errors: ['QUOTA_EXCEEDED'],
  stream: {
    contentType: 'text/event-stream',
    description:
      'With ?stream=true: events `query` (the pending query), `delta` ({text}) as the answer is generated, one `result` (the finished query), then `done`.',
  },
  summary:
    'Ask a question of a space (202 + links; ?wait=true: 200 when answered in time; ?stream=true: text/event-stream of query, delta, result, done events)',
  handler: async ({ principal, params, query, body }) => {
    if (query.stream) return { raw: await streamQuery(principal.tenantId, params.id, body, principal.tier) };
    let q = await submitQuery(principal.tenantId, params.id, body, { tier: principal.tier });
    if (query.wait) q = await waitForQuery(principal.tenantId, q.id, getConfig().QUERY_WAIT_SECONDS * 1000);
    const links = queryLinks(q.id);
    if (q.status !== 'pending') return { status: 200, data: { ...toQueryDto(q), links } };
    return { status: 202, headers: { Location: links.self }, data: { ...toQueryDto(q), links } };
  },
});
