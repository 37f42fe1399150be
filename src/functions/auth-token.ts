import { endpoint } from '../shared/http/endpoint';
import { presentedApiKey } from '../shared/http/authenticate';
import { exchangeApiKey } from '../shared/identity/auth-tokens';
import { tokenPairDto } from '../shared/identity/schemas';

endpoint({
  name: 'auth-token',
  route: 'v1/auth/token',
  methods: ['POST'],
  // Any valid API key; the tokens carry exactly its scopes.
  auth: { scopes: [] },
  response: tokenPairDto,
  // A bearer token cannot mint tokens: only an API key can.
  errors: ['FORBIDDEN'],
  handler: async ({ principal, request }) => {
    const pair = await exchangeApiKey(principal, presentedApiKey(request) ?? '');
    return { data: pair, headers: { 'Cache-Control': 'no-store' } };
  },
});
