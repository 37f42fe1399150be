import { getConfig } from '../shared/config';
import { endpoint } from '../shared/http/endpoint';
import { readLimitedText } from '../shared/http/body';
import { getYoga } from '../shared/graphql/yoga';

// POST (and GET for queries) /api/graphql: the REST pipeline (request id, CORS, authentication,
// rate limit, body limit) in front of graphql-yoga. Scopes are checked per field in the resolvers.
endpoint({
  name: 'graphql',
  route: 'graphql',
  methods: ['GET', 'POST'],
  auth: { scopes: [] },
  bodyMode: 'stream',
  summary: 'GraphQL queries and mutations (graphql-yoga); see docs/graphql.md',
  response: null,
  raw: {
    contentType: 'application/json',
    description: 'A GraphQL result: { data, errors }. 400 when the operation cannot run (no data); 415 (from graphql-yoga) when a POST body is not application/json.',
  },
  status: [200, 400, 415],
  handler: async ({ request, principal }) => {
    const body = request.method === 'POST' ? await readLimitedText(request, getConfig().MAX_REQUEST_BODY_BYTES) : undefined;
    const headers = new Headers();
    for (const name of ['content-type', 'accept']) {
      const v = request.headers.get(name);
      if (v) headers.set(name, v);
    }
    const res = await getYoga().fetch(request.url, { method: request.method, headers, body }, { principal });
    const text = await res.text();
    // A request error (unparsable JSON, no query, invalid variables, unknown fields, limits) has
    // no `data`: 400, whatever yoga chose; field errors keep 200 with partial data, as GraphQL does.
    let status = res.status;
    if (status === 200 && !('data' in (JSON.parse(text) as object))) status = 400;
    return { raw: { status, headers: { 'Content-Type': res.headers.get('content-type') ?? 'application/json' }, body: text } };
  },
});
