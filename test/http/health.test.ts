import { beforeAll, describe, expect, it } from 'vitest';
import { freePort as closedPort } from '../helpers/free-port';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { useTestHost, withSettings } from '../helpers/test-host';

const h = useTestHost({
  env: { REDIS_HOST: '127.0.0.1', RATE_LIMIT_DEFAULT: '100000/hour' },
  functions: ['src/functions/health.ts', 'src/functions/health-detailed.ts'],
});
let api: string;
let admin: TenantWithKey;
let reader: TenantWithKey;

beforeAll(async () => {
  api = h.api;
  admin = await createTenantWithKey();
  reader = await createTenantWithKey({ scopes: ['spaces:read'] });
});

describe('GET /api/health (liveness)', () => {
  it('answers publicly with the envelope, without rate-limit headers', async () => {
    const res = await fetch(`${api}/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data).toMatchObject({ status: 'ok', environment: 'test' });
    expect(body.meta.request_id).toBe(res.headers.get('x-request-id'));
    expect(res.headers.get('x-ratelimit-limit')).toBeNull();
  });
});

describe('GET /api/health/detailed', () => {
  it('needs a credential (401) and the admin:all scope (403)', async () => {
    expect((await fetch(`${api}/health/detailed`)).status).toBe(401);
    const forbidden = await fetch(`${api}/health/detailed`, { headers: { 'X-API-Key': reader.apiKey } });
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error.code).toBe('FORBIDDEN');
  });

  it('reports every dependency, healthy on the emulators and real Redis', async () => {
    const res = await fetch(`${api}/health/detailed`, { headers: { 'X-API-Key': admin.apiKey } });
    expect(res.status).toBe(200);
    const { data } = await res.json();
    expect(data.status).toBe('healthy');
    expect(data.checks.cosmos.status).toBe('healthy');
    expect(data.checks.blob.status).toBe('healthy');
    expect(data.checks.redis.status).toBe('healthy');
    // A real AMQP link to the stand-in's events queue.
    expect(data.checks.event_bus).toMatchObject({ status: 'healthy' });
    expect(data.checks.event_bus.reason).toBeUndefined();
    expect(data.checks.openai).toEqual({ status: 'not_configured', reason: 'NOT_CONFIGURED' });
    // The test host starts the Web PubSub stand-in, so it is configured (the check reads configuration only).
    expect(data.checks.web_pubsub).toMatchObject({ status: 'healthy', reason: 'CONFIGURED' });
  });

  it('is degraded (503) with a reason code, not error text, when a dependency is down', async () => {
    // Authenticate first with the working settings; then point Blob at a closed port.
    const saved = process.env.BLOB_STORAGE_CONNECTION_STRING!;
    const port = await closedPort();
    const unreachable = saved.replace(/BlobEndpoint=[^;]+/, `BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1`);
    await withSettings({ BLOB_STORAGE_CONNECTION_STRING: unreachable }, async () => {
      const res = await fetch(`${api}/health/detailed`, { headers: { 'X-API-Key': admin.apiKey } });
      expect(res.status).toBe(503);
      const { data } = await res.json();
      expect(data.status).toBe('degraded');
      expect(data.checks.blob.status).toBe('unhealthy');
      expect(['UNREACHABLE', 'TIMEOUT']).toContain(data.checks.blob.reason);
      expect(data.checks.cosmos.status).toBe('healthy');
      expect(JSON.stringify(data)).not.toMatch(/ECONNREFUSED|Error:/);
    });
  });
});

describe('GET /api/health/detailed: the Service Bus link check', () => {
  it('is unhealthy when the namespace refuses the key (the probe opens a real link)', async () => {
    const saved = process.env.SERVICE_BUS_CONNECTION_STRING!;
    const wrongKey = saved.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=not-the-key');
    await withSettings({ SERVICE_BUS_CONNECTION_STRING: wrongKey }, async () => {
      const res = await fetch(`${api}/health/detailed`, { headers: { 'X-API-Key': admin.apiKey } });
      expect(res.status).toBe(503);
      const { data } = await res.json();
      expect(data.checks.event_bus.status).toBe('unhealthy');
      expect(['UNREACHABLE', 'TIMEOUT']).toContain(data.checks.event_bus.reason);
      expect(JSON.stringify(data)).not.toMatch(/Unauthorized|401/);
    });
  });
});

describe('the local host around the pipeline', () => {
  it('answers an unknown route 404 and a wrong method 405, in the error envelope', async () => {
    const missing = await fetch(`${api}/v1/nothing-here`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('NOT_FOUND');
    const wrong = await fetch(`${api}/health`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('GET');
    expect((await wrong.json()).error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers a CORS preflight through real HTTP', async () => {
    const res = await fetch(`${api}/health`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(res.headers.get('access-control-max-age')).toBe('600');
  });
});
