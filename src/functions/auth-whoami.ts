import { endpoint } from '../shared/http/endpoint';
import { whoamiDto } from '../shared/identity/schemas';

endpoint({
  name: 'auth-whoami',
  route: 'v1/auth/whoami',
  methods: ['GET'],
  // Any valid credential: tells a client which tenant, key, tier and scopes it acts with.
  auth: { scopes: [] },
  response: whoamiDto,
  handler: ({ principal }) => ({
    data: {
      kind: principal.kind,
      tenant_id: principal.tenantId,
      key_id: principal.keyId ?? null,
      tier: principal.tier ?? null,
      scopes: [...principal.scopes],
    },
  }),
});
