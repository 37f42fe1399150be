import { getConfig } from '../shared/config';
import { endpoint } from '../shared/http/endpoint';
import { readLimitedText } from '../shared/http/body';
import { graphqlResponse } from '../shared/graphql/handler';

// POST (and GET for queries) /api/graphql: the REST pipeline (request id, CORS, authentication,
// rate limit, body limit) in front of graphql-yoga. Scopes are checked per field in the resolvers;
// a subscription operation answers a Web PubSub URL and group instead of a stream.
endpoint({
  name: 'graphql',
  route: 'graphql',
  methods: ['GET', 'POST'],
  auth: { scopes: [] },
  bodyMode: 'stream',
  summary: 'GraphQL queries, mutations and subscriptions (graphql-yoga; subscriptions over Web PubSub); see docs/graphql.md',
  response: null,
  raw: {
    contentType: 'application/json',
    description:
      'A GraphQL result { data, errors, extensions.cost }, or for a subscription { subscription: { id, url, group, expiresIn } }. 400 when the operation cannot run (no data); 415 (from graphql-yoga) when a POST body is not application/json; 429 when its cost exceeds the rate limit.',
  },
  status: [200, 400, 415, 429],
  handler: async ({ request, principal }) => {
    const body = request.method === 'POST' ? await readLimitedText(request, getConfig().MAX_REQUEST_BODY_BYTES) : undefined;
    return { raw: await graphqlResponse(request, principal, body) };
  },
});
