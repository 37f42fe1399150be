import { endpoint } from '../shared/http/endpoint';
import { refreshTokens } from '../shared/identity/auth-tokens';
import { refreshBody, tokenPairDto } from '../shared/identity/schemas';

endpoint({
  name: 'auth-refresh',
  route: 'v1/auth/refresh',
  methods: ['POST'],
  // The refresh token in the body is the credential.
  auth: 'public',
  body: refreshBody,
  response: tokenPairDto,
  // An unknown, expired or reused refresh token (the last revokes its family).
  errors: ['UNAUTHENTICATED'],
  handler: async ({ body }) => {
    const pair = await refreshTokens(body.refresh_token);
    return { data: pair, headers: { 'Cache-Control': 'no-store' } };
  },
});
