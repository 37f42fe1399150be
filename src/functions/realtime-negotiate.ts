import { endpoint } from '../shared/http/endpoint';
import { negotiate, negotiateDto, negotiateQuery } from '../shared/realtime/negotiate';

// GET /api/v1/realtime/negotiate[?space_id=…]: a Web PubSub client URL that may join only readable groups.
endpoint({
  name: 'realtime-negotiate',
  route: 'v1/realtime/negotiate',
  methods: ['GET'],
  auth: { scopes: ['spaces:read'] },
  query: negotiateQuery,
  response: negotiateDto,
  // ?space_id= of a space the tenant does not have.
  errors: ['NOT_FOUND'],
  handler: async ({ principal, query }) => ({ data: await negotiate(principal, query.space_id) }),
});
